"""Where the evidence for one class lies, per patch and per pixel, over the picture (Plotly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.render import style
from explorer.render.plotly.common import colour_bar, image_axes, picture_uri, put_picture_under, safe, styled
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.evidence import EvidenceView


def evidence_plot(view: EvidenceView, large: bool = False) -> go.Figure:
    """Where the evidence for one class lies: per patch (left) and per pixel (right), both over the picture.

    Left, view.relative: (grid_h, grid_w), each patch's logit minus the mean patch's (the mean is the model's
    logit), red for patches that argue for the class more than the average patch. Right, view.saliency: (H, W)
    input × gradient summed over colours."""
    rows, cols = view.patch_logits.shape
    pixel_rows, pixel_cols = view.saliency.shape
    label = safe(view.label)
    spacing = 0.28 if large else 0.2  # room between the panels for the left panel's colour bar and its title
    fig = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=spacing,
        subplot_titles=(t("plot.evidence.per_patch"), t("plot.evidence.per_pixel")),
    )
    left_end = (1 - spacing) / 2  # where the left panel's space ends, in fractions of the figure's width

    limit = style.symmetric_limit(view.relative)
    fig.add_trace(
        go.Heatmap(
            # The numbers go to the hover as text: Plotly.js's number formats ignore a "+" sign flag.
            z=view.relative,
            customdata=np.dstack(
                [np.vectorize("{:.3f}".format)(view.patch_logits), np.vectorize("{:+.3f}".format)(view.relative)]
            ),
            zmid=0,
            zmin=-limit,
            zmax=limit,
            colorscale=style.DIVERGING,
            opacity=0.65,
            colorbar=colour_bar(t("plot.evidence.patch_bar", logit=view.logit), large, x=left_end + 0.01,
                                xanchor="left"),
            hovertemplate=t("plot.evidence.patch_hover", row="%{y}", column="%{x}", label=label,
                            patch="%{customdata[0]}", logit=view.logit, difference="%{customdata[1]}")
            + "<extra></extra>",
        ),
        row=1,
        col=1,
    )

    limit = style.symmetric_limit(view.saliency)
    fig.add_trace(
        go.Heatmap(
            z=view.saliency,
            zmid=0,
            zmin=-limit,
            zmax=limit,
            colorscale=style.DIVERGING,
            opacity=0.7,
            colorbar=colour_bar(t("plot.evidence.pixel_bar"), large, x=1.01, xanchor="left"),
            hovertemplate=t("plot.evidence.pixel_hover", row="%{y}", column="%{x}", label=label, value="%{z:.3g}")
            + "<extra></extra>",
        ),
        row=1,
        col=2,
    )

    uri = picture_uri(view.picture)
    put_picture_under(fig, uri, cols, rows, "")
    put_picture_under(fig, uri, pixel_cols, pixel_rows, "2")
    # Both square panels keep to the right of their space: the left one then sits next to its colour bar.
    image_axes(fig, cols, rows, "", toward="right")
    image_axes(fig, pixel_cols, pixel_rows, "2", toward="right")
    # Pixel numbers would crowd the left colour bar; the hover gives each pixel's row and column.
    fig.update_layout(xaxis2_showticklabels=False, yaxis2_showticklabels=False)
    title = t("plot.evidence.title", label=label, index=view.class_index, logit=view.logit, patches=rows * cols)
    relative = view.relative
    high, low = np.unravel_index(np.nanargmax(relative), relative.shape), np.unravel_index(np.nanargmin(relative),
                                                                                             relative.shape)
    description = t("plot.evidence.description", label=view.label, patches=rows * cols, logit=view.logit,
                    row=int(high[0]), column=int(high[1]), high=float(relative[high]), low_row=int(low[0]),
                    low_column=int(low[1]), low=float(relative[low]))
    return styled(fig, large, 480, title, rows_above=1, description=description)
