"""Token-mixing smoothness per block of several models, one line each (Plotly)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from explorer.render import style
from explorer.render.plotly.common import block_ticks, legend_above, legend_rows, safe, styled


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
                hovertemplate=f"{safe(name)} · block %{{x}}: smoothness %{{y:.3f}}<extra></extra>",
            )
        )
    depth = max((len(v) for v in smoothness), default=1)
    fig.update_layout(legend=legend_above())
    fig.update_xaxes(title_text="block", **block_ticks(depth))
    fig.update_yaxes(
        title_text="smoothness" if large else "smoothness (≈0 for noise)"
    )  # on a slide's short axis the title says it
    return styled(
        fig,
        large,
        420,
        "Token-mixing smoothness per block: learned maps are smooth, random ones are noise",
        rows_above=legend_rows(names, large),
    )
