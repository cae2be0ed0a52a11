"""Teach it: the training images laid out along the probe's two leading directions, the image being looked at among
them (Plotly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative

from explorer.render import style
from explorer.render.plotly.common import safe, styled, text_size
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.teach import Learned, ProbeAnswer

# One colour per class (a lesson has at most 10): the shared palette first, then Plotly's colour-blind-safe one.
CLASS_COLOURS = (*style.LINE_COLOURS[:5], *qualitative.Safe[1:6])


def probe_plot(learned: Learned, answer: ProbeAnswer | None = None, large: bool = False) -> go.Figure:
    """Each training image a point (its class's colour; a cross over it where the probe, fitted without it, named
    another class), the image being looked at a star in the colour of the probe's answer."""
    fig = go.Figure()
    missed = learned.probe.loo_predicted if learned.probe.loo_predicted is not None else learned.labels
    size = 13 if large else 10
    for k, name in enumerate(learned.classes):
        mine = np.flatnonzero(learned.labels == k)
        fig.add_trace(go.Scatter(
            x=learned.points[mine, 0], y=learned.points[mine, 1], mode="markers", name=safe(name),
            marker=dict(size=size, color=CLASS_COLOURS[k % len(CLASS_COLOURS)], line=dict(width=1, color="white")),
            customdata=[[safe(learned.names[i]), safe(learned.classes[missed[i]])] for i in mine],
            hovertemplate=t("plot.teach.hover", name=safe(name), image="%{customdata[0]}",
                            said="%{customdata[1]}") + "<extra></extra>"))
    wrong = np.flatnonzero(missed != learned.labels)
    if len(wrong):
        fig.add_trace(go.Scatter(
            x=learned.points[wrong, 0], y=learned.points[wrong, 1], mode="markers",
            name=t("plot.teach.named_wrong"), marker=dict(symbol="x-thin-open", size=size + 6, color=style.LINE_GREY,
                                                       line=dict(width=2)), hoverinfo="skip"))
    if answer is not None:
        colour = CLASS_COLOURS[answer.predicted % len(CLASS_COLOURS)]
        fig.add_trace(go.Scatter(
            x=[answer.point[0]], y=[answer.point[1]], mode="markers", name=t("plot.teach.this_image"),
            marker=dict(symbol="star", size=size * 2.2, color=colour, line=dict(width=1.5, color="black")),
            hovertemplate=t("plot.teach.answer_hover", label=safe(answer.label)) + "<extra></extra>"))
    second = (t("plot.teach.direction", number=2) if learned.own_directions >= 2 else
              t("plot.teach.variation"))
    fig.update_xaxes(title_text=t("plot.teach.direction", number=1), zeroline=False)
    fig.update_yaxes(title_text=second, zeroline=False)
    # the legend on the right, one entry a line: the chart shares its row with the answers, too narrow for a row of
    # ten class names above it
    fig.update_layout(legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"),
                      hoverlabel=dict(font=dict(size=text_size(large))))
    model = f"{learned.model[0]} ({learned.model[1]})"
    # short: the chart shares its row with the answers
    values = dict(classes=len(learned.classes), accuracy=learned.probe.loo_accuracy, images=len(learned.labels))
    title = t("plot.teach.title_short", **values) if large else t("plot.teach.title", model=model, **values)
    description = t("plot.teach.description", right=int(np.sum(missed == learned.labels)), **values)
    if answer is not None:
        description += " " + t("plot.teach.description_answer", label=answer.label,
                               score=float(answer.scores[answer.predicted]))
    return styled(fig, large, 440, safe(title), description=description)
