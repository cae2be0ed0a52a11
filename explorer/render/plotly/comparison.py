"""Token-mixing smoothness per block of several models, one line each (Plotly)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.render import style
from explorer.render.plotly.common import block_ticks, legend_above, legend_rows, safe, styled
from explorer.text.i18n import t


def comparison_plot(names: list[str], smoothness: list[list[float]], large: bool = False) -> go.Figure:
    """Token-mixing smoothness per block of several models (which may have different depths), one line each.

    names: legend entries, e.g. "embedded (pretrained)"; smoothness[i]: model i's value per block."""
    if len(names) != len(smoothness):
        raise ValueError(f"{len(names)} names for {len(smoothness)} smoothness series")
    fig = go.Figure()
    for i, (name, values) in enumerate(zip(names, smoothness)):
        fig.add_trace(
            go.Scatter(
                x=np.arange(len(values)),
                y=np.asarray(values, dtype=float),
                name=safe(name),
                mode="lines+markers",
                line=dict(color=style.LINE_COLOURS[i % len(style.LINE_COLOURS)]),
                hovertemplate=t("plot.comparison.hover", name=safe(name), block="%{x}", value="%{y:.3f}")
                + "<extra></extra>",
            )
        )
    depth = max((len(v) for v in smoothness), default=1)
    fig.update_layout(legend=legend_above())
    fig.update_xaxes(title_text=t("plot.comparison.block"), **block_ticks(depth))
    # on a slide's short axis the title says it
    fig.update_yaxes(title_text=t("plot.comparison.smoothness") if large else t("plot.comparison.smoothness_noise"))
    # the smoothest and the roughest block of any model: where learned and random part
    finite = [(float(v), name, b) for name, values in zip(names, smoothness) for b, v in enumerate(values)
              if np.isfinite(v)]
    if finite:
        (high, high_name, high_block), (low, low_name, low_block) = max(finite), min(finite)
        description = t("plot.comparison.description", models=len(names), high_name=high_name, high_block=high_block,
                        high=high, low_name=low_name, low_block=low_block, low=low)
    else:
        description = t("plot.comparison.description_empty", models=len(names))
    return styled(fig, large, 420, t("plot.comparison.title"), rows_above=legend_rows(names, large),
                  description=description)
