"""One guided-tour step's picture (matplotlib): see explorer.analysis.tour.TourStep for the kinds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from explorer.render import style
from explorer.render.mpl.common import new_figure, wrap
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.tour import TourStep


CAPTION_CHARS_PER_INCH = 12  # characters of the 10-pt caption per inch of figure


def tour_figure(step: TourStep, slide: bool = False) -> Figure:
    """The picture of `step`, captioned: the image or its patch grid, a table or maps coloured around zero, the
    pooled channels as signed bars, or the top classes. On a lecture slide (`slide`) the charts are drawn about
    2.5:1: they span the screen with the step's words under it. The caption wraps to the figure's width (lecture
    mode draws its text larger in the same pixels)."""
    wide = 9.5 if slide else 7
    d = step.data
    if step.kind in ("picture", "patches"):
        fig = new_figure(4, 4)
        ax = fig.subplots()
        ax.imshow(d["picture"])
        if step.kind == "patches":
            for k in range(1, d["grid"][0]):
                ax.axhline(k * d["patch_size"] - 0.5, color=style.GRID_LINE, lw=1)
            for k in range(1, d["grid"][1]):
                ax.axvline(k * d["patch_size"] - 0.5, color=style.GRID_LINE, lw=1)
        ax.axis("off")
    elif step.kind == "table":
        fig = new_figure(wide, 3.6)
        ax = fig.subplots()
        norm = Normalize(*style.symmetric(d["values"]))
        im = ax.imshow(d["values"], aspect="auto", cmap=style.DIVERGING, norm=norm, interpolation="nearest")
        ax.set_xlabel(t("mpl.tour.channel", C=d["values"].shape[1]))
        ax.set_ylabel(t("mpl.tour.patch", S=d["values"].shape[0]))
        fig.colorbar(im, ax=ax, shrink=0.8)
    elif step.kind == "columns":
        fig = new_figure(3.2 * len(d["maps"]), 3.2)
        for ax, values, title in zip(fig.subplots(1, len(d["maps"]), squeeze=False)[0], d["maps"], d["titles"]):
            ax.imshow(values, cmap=style.DIVERGING, norm=Normalize(*style.symmetric(values)), interpolation="nearest")
            ax.set_title(t(title), fontsize=9)  # a catalogue key (tour.COLUMN_TITLES)
            ax.set_xticks([])
            ax.set_yticks([])
    elif step.kind == "bars":
        fig = new_figure(wide, 3.4 if slide else 2.6)
        ax = fig.subplots()
        values = d["values"]
        ax.bar(np.arange(len(values)), values, color=np.where(values >= 0, style.POSITIVE, style.NEGATIVE), width=1.0)
        ax.set_xlabel(t("mpl.tour.channel", C=len(values)))
    else:  # "top"
        fig = new_figure(wide, 3.4 if slide else 2.6)
        ax = fig.subplots()
        labels = [wrap(label, 40) for label in reversed(d["labels"])]
        ax.barh(labels, list(reversed(d["probabilities"])), color=style.DARK_GREY)
        ax.set_xlim(0, 1)
    fig.suptitle(wrap(step.caption, int(fig.get_size_inches()[0] * CAPTION_CHARS_PER_INCH)), fontsize=10)
    return fig
