"""The logit lens: after each block, how sure the model's own head would already be, and of what (Plotly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer.render import style
from explorer.render.plotly.common import (
    PLOT_PX,
    block_ticks,
    label_width,
    legend_above,
    legend_rows,
    safe,
    shorten,
    styled,
    text_size,
)
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.logit_lens import LensView


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (left, right, top, bottom) boxes share any area."""
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def label_changes(fig: go.Figure, view: LensView, y: np.ndarray, y_range: list[float], log: bool, large: bool) -> None:
    """Name the lens's top-1 at the blocks where it changes (view.changes), and nowhere else: as many as fit.

    Each name hangs on a short line from its point, above or below it (taken in turn from one change to the next;
    near the top of the plot always below, near the bottom above), one or two text lines away — one only in
    lecture mode, whose plot is a short band of the slide. A name goes to the first of those places where it does
    not run into a name already placed (boxes checked in a PLOT_PX plot); where none is free it is left out: a
    random 30-block model changes its mind at every other block, and the hover and the table under the chart name
    every block. The most telling changes are placed first: where the lens settles on its last answer, then the
    others by their probability. Hovering a name shows the full label."""
    depth = len(view.top_index)
    width_px, height_px = PLOT_PX[large]
    step = text_size(large) * 1.7  # pixels between the heights: a bit more than a line of text
    line = text_size(large) * 1.3  # a name's own height
    steps = (1,) if large else (1, 2)
    changes = [int(b) for b in view.changes]
    order = sorted(range(len(changes)), key=lambda k: (k != len(changes) - 1, -float(view.top_probability[changes[k]])))
    placed: list[tuple[float, float, float, float]] = []  # the boxes of the names placed, in pixels
    for k in order:
        b = changes[k]
        place = np.log10(y[b]) if log else float(y[b])  # annotations on a log axis take powers of 10
        fraction = (place - y_range[0]) / (y_range[1] - y_range[0])
        sides = [False] if fraction > 0.8 else [True] if fraction < 0.2 else [k % 2 == 0, k % 2 != 0]
        text = shorten(view.top_label[b])
        x, point_y, half = (b + 0.5) / depth * width_px, (1 - fraction) * height_px, label_width(text, large) / 2
        offsets = [
            (-step if above else step) * n for n in steps for above in sides
        ]  # pixels from the point, in order of preference; negative is up
        boxes = {ay: (x - half, x + half, point_y + ay - line / 2, point_y + ay + line / 2) for ay in offsets}
        free = [ay for ay, box in boxes.items() if not any(overlap(box, other) for other in placed)]
        if not free:
            continue
        placed.append(boxes[free[0]])
        fig.add_annotation(
            x=b,
            y=place,
            text=safe(text),
            hovertext=safe(view.top_label[b]),
            ax=0,
            ay=free[0],
            showarrow=True,
            arrowhead=0,
            arrowwidth=1,
            arrowcolor=style.LIGHT_GREY,
            standoff=4,
            bgcolor=style.LABEL_GROUND,  # legible where a name crosses a line
        )
    fig.layout.annotations = sorted(fig.layout.annotations, key=lambda a: a.x)  # left to right, as they read


def lens_plot(view: LensView, large: bool = False) -> go.Figure:
    """The logit lens: after each block, how sure the model's own head would already be, and of what.

    view.top_probability: (depth,) the lens's top-1 probability; view.final_probability: (depth,) the
    probability of the class the model ends on. The top-1 is named where it changes (view.changes)."""
    depth = len(view.top_index)
    blocks = np.arange(depth)
    # One row per block for the hover, full labels: [lens top-1 label, its p, final label, final p].
    customdata = np.array(
        [
            [
                safe(view.top_label[b]),
                float(view.top_probability[b]),
                safe(view.final_label),
                float(view.final_probability[b]),
            ]
            for b in blocks
        ],
        dtype=object,
    )
    hover = t("plot.lens.hover", block="%{x}", top="%{customdata[0]}", p="%{customdata[1]:.3f}",
              final="%{customdata[2]}", final_p="%{customdata[3]:.3g}") + "<extra></extra>"

    highest = style.highest_probability(view.top_probability, view.final_probability)
    log = style.log_probability_axis(
        highest
    )  # small probabilities all sit on the floor of a linear axis: spread them out
    floor = 1e-9  # a zero probability (float underflow) cannot go on a log axis; the hover keeps the true value
    top_y = np.maximum(view.top_probability, floor) if log else view.top_probability
    final_y = np.maximum(view.final_probability, floor) if log else view.final_probability
    if log:
        lowest = float(np.nanmin(np.r_[top_y, final_y]))
        y_range = [np.log10(lowest) - 0.3, np.log10(max(highest, floor)) + 0.6]  # log axes take ranges in powers of 10
    else:
        y_range = [0, min(highest * 1.1, 1.05)]

    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=blocks,
            y=top_y,
            name=t("plot.lens.top1"),
            mode="lines+markers",
            line=dict(color=style.DARK_GREY),
            customdata=customdata,
            hovertemplate=hover,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=blocks,
            y=final_y,
            name=t("plot.lens.final", label=safe(shorten(view.final_label, 30))),
            mode="lines+markers",
            line=dict(color=style.CHANNEL_COLOUR, dash="dash"),
            marker=dict(symbol="square"),
            customdata=customdata,
            hovertemplate=hover,
        )
    )
    label_changes(fig, view, top_y, y_range, log, large)
    fig.update_layout(legend=legend_above())
    fig.update_xaxes(title_text=t("plot.lens.after_block"), range=[-0.5, depth - 0.5], **block_ticks(depth))
    fig.update_yaxes(title_text=t("plot.lens.probability_log") if log else t("plot.lens.probability"),
                     type="log" if log else "linear", range=y_range)
    if log and large:  # a slide's short plot: Plotly would crowd 2, 3, 4 … between the powers of ten
        decades = y_range[1] - y_range[0]
        fig.update_yaxes(dtick="D2" if decades < 1.6 else max(1, round(decades / 4)))  # 1, 2, 5 of each; or every power
    final = (
        shorten(view.final_label, 30) if large else view.final_label
    )  # a slide: a title line more is a plot line less
    title = t("plot.lens.title", label=safe(final))
    settles = int(view.changes[-1])  # from this block on the lens names its last answer
    description = t("plot.lens.description", depth=depth, label=view.top_label[-1], block=settles,
                    p=float(view.top_probability[-1]), changes=len(view.changes) - 1)
    return styled(fig, large, 460, title, rows_above=legend_rows([fig.data[0].name, fig.data[1].name], large),
                  description=description)
