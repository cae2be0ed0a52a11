"""Per block, how much token mixing and channel mixing change the residual stream (matplotlib)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from explorer.render import style
from explorer.render.mpl.common import new_figure
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.activations import UpdatesView


def updates_figure(view: UpdatesView) -> Figure:
    """view.token_mixing, view.channel_mixing: (depth,) ‖update‖ / ‖stream‖ as bars; one series, the whole block,
    where tokens are mixed inside the block's one update (view.separate is False)."""
    fig = new_figure(7.5, 3, layout=None)  # fixed margins: constrained layout would double the drawing time
    fig.subplots_adjust(left=0.09, right=0.74, bottom=0.16, top=0.95)
    ax = fig.subplots()
    x = np.arange(len(view.channel_mixing))
    if view.separate:
        ax.bar(x - 0.2, view.token_mixing, 0.4, label=t("mpl.updates.token_mixing"), color=style.TOKEN_COLOUR)
        ax.bar(x + 0.2, view.channel_mixing, 0.4, label=t("mpl.updates.channel_mixing"), color=style.CHANNEL_COLOUR)
    else:
        ax.bar(x, view.channel_mixing, 0.6, label=t("mpl.updates.whole_block"), color=style.CHANNEL_COLOUR)
    ax.set_xlabel(t("mpl.updates.block"))
    ax.set_ylabel(t("mpl.updates.ratio"))
    ax.set_xticks(x)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig
