"""Per block, how much token mixing and channel mixing change the residual stream (Plotly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer.render import style
from explorer.render.plotly.common import block_ticks, legend_above, safe, styled
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.activations import UpdatesView


def updates_plot(view: UpdatesView, large: bool = False) -> go.Figure:
    """Per block, how much its token mixing and its channel mixing change the residual stream they are added to.

    view.token_mixing, view.channel_mixing: (depth,) ‖update‖ / ‖stream‖. gMLP mixes tokens inside its one
    update (view.separate is False): one series, the whole block."""
    depth = len(view.channel_mixing)
    blocks = np.arange(depth)
    fig = go.Figure()
    if view.separate:
        series = [
            (t("plot.updates.token_mixing"), view.token_mixing, style.TOKEN_COLOUR),
            (t("plot.updates.channel_mixing"), view.channel_mixing, style.CHANNEL_COLOUR),
        ]
    else:
        series = [(t("plot.updates.whole_block"), view.channel_mixing, style.CHANNEL_COLOUR)]
    for name, values, colour in series:
        what = name if view.separate else t("plot.updates.the_whole_block")
        fig.add_trace(
            go.Bar(
                x=blocks,
                y=values,
                name=name,
                marker_color=colour,
                hovertemplate=t("plot.updates.hover", block="%{x}", what=what, share="%{y:.1%}") + "<extra></extra>",
            )
        )
    # showlegend: with one series Plotly would hide the legend, and gMLP's series name is its explanation.
    fig.update_layout(barmode="group", legend=legend_above(), showlegend=True)
    fig.update_xaxes(title_text=t("plot.updates.block"), **block_ticks(depth))
    fig.update_yaxes(title_text=t("plot.updates.ratio"), rangemode="tozero")
    channel = int(np.nanargmax(view.channel_mixing))
    if view.separate:
        token = int(np.nanargmax(view.token_mixing))
        description = t("plot.updates.description", depth=depth, token_block=token,
                        token=float(view.token_mixing[token]), channel_block=channel,
                        channel=float(view.channel_mixing[channel]))
    else:
        description = t("plot.updates.description_whole", depth=depth, block=channel,
                        share=float(view.channel_mixing[channel]))
    return styled(fig, large, 420, t("plot.updates.title", family=safe(view.family)), rows_above=1,
                  description=description)
