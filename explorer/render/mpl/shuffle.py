"""The patch shuffle: the input, its patches shuffled, and the three predictions (matplotlib)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from explorer.render.mpl.common import wrap
from explorer.render.mpl.panels import panels_figure
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.shuffle import ShuffleView


def shuffle_figure(view: ShuffleView) -> Figure:
    """view.picture and view.shuffled_picture (H, W, 3), titled with the original, shuffled and restored top-1."""
    original, shuffled, restored = view.labels
    titles = [
        wrap(t("mpl.shuffle.original", label=original), 30),
        wrap(t("mpl.shuffle.shuffled", label=shuffled), 30),
        wrap(t("mpl.shuffle.permuted", label=restored), 30),
    ]
    title = t("mpl.shuffle.title", difference=view.result.max_abs_logit_diff)
    return panels_figure([view.picture, view.shuffled_picture, view.shuffled_picture], titles, title, inches=2.6)
