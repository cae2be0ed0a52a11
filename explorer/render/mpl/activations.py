"""Every block's per-patch activation map over the input, as small multiples (matplotlib)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from explorer.render import style
from explorer.render.mpl.panels import ColourBar, blend, panels_figure, smaller
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.activations import ActivationView


def activations_figure(view: ActivationView, shared_scale: bool = True) -> Figure:
    """view.maps: (depth, grid_h, grid_w) over view.picture (H, W, 3), one panel per block, with a colour bar.
    shared_scale: one colour range for all blocks, or one each (the colour bar then says low and high only)."""
    maps = view.maps
    if shared_scale:
        limits = [(float(maps.min()), float(maps.max()))] * len(maps)
        bars = [ColourBar(limits[0], style.SEQUENTIAL, view.quantity)]
    else:
        limits = [(float(m.min()), float(m.max())) for m in maps]
        bars = [ColourBar((0.0, 1.0), style.SEQUENTIAL, t("mpl.activations.own_scale", quantity=view.quantity))]
    picture = smaller(view.picture, 160)  # a dozen small multiples: drawing 224-pixel ones would cost 3x as much
    panels = [blend(picture, m, lim) for m, lim in zip(maps, limits)]
    titles = [t("mpl.activations.block", block=b) for b in range(len(maps))]
    return panels_figure(panels, titles, view.title, bars, cols=min(len(maps), 6), inches=1.9)
