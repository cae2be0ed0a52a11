"""Where a model's parameters and its computation per image go, part by part (Plotly)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.analysis.architecture import PARTS, ArchitectureCard
from explorer.render import style
from explorer.render.plotly.common import safe, styled, wrap
from explorer.text.i18n import t

# each part's name on the chart, by its key in architecture.PARTS
PART_NAMES = {"stem": "plot.architecture.stem", "token mixing": "plot.architecture.token_mixing",
              "channel mixing": "plot.architecture.channel_mixing",
              "norms and scales": "plot.architecture.norms_and_scales", "head": "plot.architecture.head"}


def architecture_plot(card: ArchitectureCard, large: bool = False) -> go.Figure:
    """Where a model's parameters (left) and its computation per image (right) go, part by part, in the order
    of architecture.PARTS (stem at the top)."""
    params = np.array([card.part_params.get(p, 0) for p in PARTS], dtype=float)
    gflops = np.array([card.part_gflops.get(p, 0.0) for p in PARTS], dtype=float)
    total_params, total_gflops = params.sum(), gflops.sum()
    param_share = params / total_params if total_params else np.zeros_like(params)
    flop_share = gflops / total_gflops if total_gflops else np.zeros_like(gflops)
    colours = [style.PART_COLOURS[p] for p in PARTS]
    names = [t(PART_NAMES[p]) for p in PARTS]

    spacing = 0.12 if large else 0.08
    fig = make_subplots(
        rows=1,
        cols=2,
        shared_yaxes=True,
        horizontal_spacing=spacing,
        subplot_titles=(t("plot.architecture.where_parameters"), t("plot.architecture.where_computation")),
    )
    param_hover = t("plot.architecture.param_hover", part="%{y}", params="%{x:,.0f}", share="%{customdata:.1%}",
                    total=f"{int(card.params):,}") + "<extra></extra>"
    flop_hover = t("plot.architecture.flop_hover", part="%{y}", gflops="%{x:.4g}", flops="%{customdata[1]:,.0f}",
                   share="%{customdata[0]:.1%}", total=f"{card.gflops:.4g}") + "<extra></extra>"
    bars = ((1, params, param_share, param_share, param_hover),
            (2, gflops, flop_share, np.c_[flop_share, gflops * 1e9], flop_hover))
    for col, values, shares, customdata, hover in bars:  # the same bar twice: parameters, then FLOPs
        fig.add_trace(go.Bar(y=names, x=values, orientation="h", marker_color=colours, customdata=customdata,
                             text=[f"{s:.1%}" for s in shares], textposition="outside", cliponaxis=False,
                             hovertemplate=hover), row=1, col=col)
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed")  # PARTS order, top to bottom
    # Room to the right of the longest bar for its percentage.
    fig.update_xaxes(title_text=t("plot.architecture.parameters"), range=[0, max(params.max(), 1) * 1.3], row=1, col=1)
    flops_title = (
        t("plot.architecture.gflops") if large else wrap(t("plot.architecture.gflops_counted"), 32)
    )  # the slide keeps its height for the bars; the table says how FLOPs count
    fig.update_xaxes(title_text=flops_title, range=[0, max(gflops.max(), 1e-9) * 1.3], row=1, col=2)
    title = t("plot.architecture.title", name=safe(card.name), family=safe(card.family),
              params=f"{int(card.params):,}", gflops=card.gflops)
    most, busiest = int(params.argmax()), int(gflops.argmax())
    description = t("plot.architecture.description", name=card.name, params=f"{int(card.params):,}",
                    gflops=card.gflops, part=names[most], share=float(param_share[most]), flop_part=names[busiest],
                    flop_share=float(flop_share[busiest]))
    # the chart has 3/5 of the row beside the table
    return styled(fig, large, 440, wrap(title, 40 if large else 60), rows_above=1, description=description)
