"""Every block's activation map over the picture, one block at a time (Plotly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer.render import style
from explorer.text.i18n import t
from explorer.render.plotly.common import (
    colour_bar,
    image_axes,
    picture_uri,
    put_picture_under,
    safe,
    styled,
    wrap_title,
)

if TYPE_CHECKING:
    from explorer.analysis.activations import ActivationView


def activations_plot(view: ActivationView, shared_scale: bool = True, large: bool = False, block: int = 0) -> go.Figure:
    """Every block's map over the picture, one block at a time, chosen with a slider that works in the browser
    (in lecture mode, `large`, with the page's Block slider instead, so that the map keeps the slide's height).

    view.picture: (H, W, 3) in [0, 1], drawn underneath; view.maps: (depth, grid_h, grid_w), one heat map per
    block. shared_scale: one colour range for all blocks (blocks compare with each other) or one each (the
    pattern inside every block shows even when its values are small). block: the one shown first."""
    depth, rows, cols = view.maps.shape
    block = min(max(block, 0), depth - 1)
    what, quantity = view.title, safe(view.quantity)  # words of the language spoken (ActivationView's properties)
    titles = [t("plot.activations.title", block=b, last=depth - 1, what=what) for b in range(depth)]  # the block first
    low, high = float(np.nanmin(view.maps)), float(np.nanmax(view.maps))
    fig = go.Figure()
    for b in range(depth):
        zmin, zmax = (low, high) if shared_scale else (float(np.nanmin(view.maps[b])), float(np.nanmax(view.maps[b])))
        fig.add_trace(
            go.Heatmap(
                z=view.maps[b],
                zmin=zmin,
                zmax=zmax,
                colorscale=style.SEQUENTIAL,
                opacity=0.6,
                visible=b == block,
                name=t("plot.activations.trace", block=b),  # the picture shows through
                colorbar=colour_bar(quantity, large),
                hovertemplate=t("plot.activations.hover", block=b, row="%{y}", column="%{x}", quantity=quantity,
                                value="%{z:.4g}") + "<extra></extra>",
            )
        )
    put_picture_under(fig, picture_uri(view.picture), cols, rows)
    image_axes(fig, cols, rows)
    fig.update_xaxes(title_text=t("plot.activations.column"))
    fig.update_yaxes(title_text=t("plot.activations.row"))
    # One slider step per block: it shows that block's trace and title in the browser, without asking the server.
    # Not in lecture mode (large): there the page's Block slider chooses, and the map keeps the slide's height.
    steps = [
        dict(
            method="update",
            label=str(b),
            args=[{"visible": [i == b for i in range(depth)]}, {"title.text": wrap_title(safe(titles[b]), large)}],
        )
        for b in range(depth)
    ]
    if not large:
        prefix = t("plot.activations.slider")
        fig.update_layout(sliders=[dict(active=block, steps=steps, currentvalue=dict(prefix=prefix), pad=dict(t=30))])
    strongest, row, column = np.unravel_index(np.nanargmax(view.maps), view.maps.shape)
    description = t("plot.activations.description", depth=depth, quantity=view.quantity, block=int(strongest),
                    row=int(row), column=int(column), value=float(view.maps[strongest, row, column]))
    # the margin fits the longest title (the last block's) ...
    styled(fig, large, 560, safe(titles[-1]), description=description)
    fig.update_layout(title_text=wrap_title(safe(titles[block]), large))  # ... and `block` is shown first
    return fig
