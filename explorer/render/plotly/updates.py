"""Per block, how much token mixing and channel mixing change the residual stream (Plotly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer.render import style
from explorer.render.plotly.common import block_ticks, legend_above, safe, styled

if TYPE_CHECKING:
    from explorer.analysis.analysis import UpdatesView


def updates_plot(view: UpdatesView, large: bool = False) -> go.Figure:
    """Per block, how much its token mixing and its channel mixing change the residual stream they are added to.

    view.token_mixing, view.channel_mixing: (depth,) ‖update‖ / ‖stream‖. gMLP mixes tokens inside its one
    update (view.separate is False): one series, the whole block."""
    depth = len(view.channel_mixing)
    blocks = np.arange(depth)
    fig = go.Figure()
    if view.separate:
        series = [
            ("token mixing", view.token_mixing, style.TOKEN_COLOUR),
            ("channel mixing", view.channel_mixing, style.CHANNEL_COLOUR),
        ]
    else:
        series = [("whole block (spatial gating inside)", view.channel_mixing, style.CHANNEL_COLOUR)]
    for name, values, colour in series:
        what = "the whole block" if not view.separate else name
        fig.add_trace(
            go.Bar(
                x=blocks,
                y=values,
                name=name,
                marker_color=colour,
                hovertemplate=f"block %{{x}}: {what} changed the stream by %{{y:.1%}} of its size<extra></extra>",
            )
        )
    # showlegend: with one series Plotly would hide the legend, and gMLP's series name is its explanation.
    fig.update_layout(barmode="group", legend=legend_above(), showlegend=True)
    fig.update_xaxes(title_text="block", **block_ticks(depth))
    fig.update_yaxes(title_text="‖update‖ / ‖stream‖", rangemode="tozero")
    return styled(
        fig, large, 420, f"How much each block changes the residual stream ({safe(view.family)})", rows_above=1
    )
