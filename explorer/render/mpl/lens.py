"""The logit lens: after each block, how sure the model's own head would already be, and of what (matplotlib)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from explorer.render import style
from explorer.render.mpl.common import new_figure, wrap
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.logit_lens import LensView


def lens_figure(view: LensView) -> Figure:
    """view.top_probability: (depth,) the lens's top-1, labelled where it changes (view.changes);
    view.final_probability: (depth,) the probability of the model's final class at every block."""
    fig = new_figure(8.5, 3.6, layout=None)  # fixed margins: constrained layout would double the drawing time
    fig.subplots_adjust(left=0.11, right=0.74, bottom=0.14, top=0.9)
    ax = fig.subplots()
    blocks = np.arange(len(view.top_index))
    ax.plot(blocks, view.top_probability, "o-", color=style.DARK_GREY, label=t("mpl.lens.top1"))
    ax.plot(
        blocks,
        view.final_probability,
        "s--",
        color=style.CHANNEL_COLOUR,
        label=wrap(t("mpl.lens.final", label=view.final_label), 30),
    )
    for k, b in enumerate(view.changes):
        ax.annotate(
            str(view.top_label[b]).split(",")[0],  # in the reader's language
            (b, view.top_probability[b]),
            textcoords="offset points",
            xytext=(0, 8 if k % 2 == 0 else -14),
            ha="center",
            fontsize=7,
        )
    highest = style.highest_probability(view.top_probability, view.final_probability)
    if style.log_probability_axis(highest):
        ax.set_yscale("log")
        # 0.001, not mathtext's 10⁻³ (5x the drawing time)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel(t("mpl.lens.probability_log"))
    else:
        ax.set_ylim(0, min(1.05, highest * 1.15))
        ax.set_ylabel(t("mpl.lens.probability"))
    ax.set_xlabel(t("mpl.lens.block"))
    ax.set_xticks(blocks[:: max(1, len(blocks) // 16)])
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig
