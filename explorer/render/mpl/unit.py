"""A unit drawn with matplotlib: its page (explorer.units.UnitPage), or one token-mixing unit enlarged.

from explorer.units import Unit, unit_page
from explorer.render.mpl import unit_page_figure
unit_page_figure(unit_page(loaded, Unit(3, "channel", 17))).savefig("unit.png")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from explorer.render import style
from explorer.render.mpl.common import TEXT_SCALE, new_figure, show_map, wrap
from explorer.render.pictures import EXAMPLE_COLUMNS, examples_strip
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.units.page import UnitPage


def token_unit_figure(in_map: np.ndarray, out_map: np.ndarray | None, unit: int, block: int) -> Figure:
    """One token-mixing unit enlarged: the (grid_h, grid_w) patches it reads (fc1) and, for Mixer, the patches it
    writes (fc2)."""
    fig = new_figure(7.5 if out_map is not None else 3.8, 3.4)
    axes = fig.subplots(1, 2 if out_map is not None else 1, squeeze=False)[0]
    show_map(axes[0], in_map, t("mpl.unit.reads", block=block, unit=unit))
    if out_map is not None:
        show_map(axes[1], out_map, t("mpl.unit.writes", unit=unit))
    return fig


def unit_page_figure(page: UnitPage, slide: bool = False) -> Figure:
    """The page in one figure: the feature visualisation, the unit's weights, where it fires on the analysed image
    (if any), and its top examples with their activations. Above each other on a page; with `slide`, in one row
    (the examples in a square grid), which fills a 16:9 screen instead of a third of it."""
    top_panels = 2 + (page.on_image is not None)
    if slide:
        panel_inches, examples_inches = 3.4, 4.2
        fig = new_figure(panel_inches * top_panels + examples_inches, 4.4)
        parts = fig.subfigures(1, 2, width_ratios=[panel_inches * top_panels, examples_inches])
        example_columns = 3
    else:
        panel_inches, examples_inches = 10 / top_panels, 10
        example_rows = -(-len(page.pictures) // EXAMPLE_COLUMNS)
        fig = new_figure(10, 3.6 + 1.4 * example_rows)
        parts = fig.subfigures(2, 1, height_ratios=[3.6, 1.4 * example_rows])
        example_columns = EXAMPLE_COLUMNS
    chars = int(13 * panel_inches / TEXT_SCALE.get())  # a panel title's line: larger text (lecture mode) wraps sooner
    axes = parts[0].subplots(1, top_panels)
    feature_ax, weights_ax = axes[0], axes[1]
    if page.feature is not None:
        f = page.feature
        feature_ax.imshow(f.image, interpolation="nearest")
        what = t("mpl.unit.feature", start=f.activation_start, end=f.activation_end, steps=f.steps)
        feature_ax.set_title(wrap(what, chars), fontsize=9)
    else:
        feature_ax.text(0.5, 0.5, t("mpl.unit.not_computed"), ha="center", va="center", fontsize=9)
    feature_ax.set_axis_off()
    if page.weights.ndim == 2:  # a token unit's map over the patch grid
        show_map(weights_ax, page.weights, wrap(page.weights_title, chars))
        weights_ax.title.set_fontsize(9)
    else:  # a channel's fc2 row: one weight per hidden unit of the channel MLP, largest first
        ordered = np.sort(page.weights)[::-1]
        colours = np.where(ordered >= 0, style.POSITIVE, style.NEGATIVE)
        weights_ax.bar(np.arange(len(ordered)), ordered, width=1.0, color=colours)
        weights_ax.set_title(wrap(page.weights_title, chars), fontsize=9)
        weights_ax.set_xlabel(t("mpl.unit.hidden_sorted"), fontsize=8)
        weights_ax.tick_params(labelsize=7)
    if page.on_image is not None:
        ax = axes[2]
        if page.on_image.ndim == 2:
            show_map(ax, page.on_image, wrap(t("mpl.unit.on_image_patch"), chars), cmap=style.DIVERGING)
        else:
            ax.plot(page.on_image, lw=0.8, color=style.LINE_GREY)
            ax.set_title(t("mpl.unit.on_image_channel"))
            ax.set_xlabel(t("mpl.unit.channel"), fontsize=8)
        ax.title.set_fontsize(9)
    examples = parts[1].subplots(1, 1)
    examples.imshow(examples_strip(page, columns=example_columns), interpolation="nearest")
    examples.set_axis_off()
    values = ", ".join(f"{a:.2f}" for a in page.examples.activations)
    where = t("mpl.unit.peak_outlined") if page.unit.kind == "channel" else t("mpl.unit.max_over_channels")
    chars = int(16 * examples_inches / TEXT_SCALE.get())
    examples.set_title(wrap(t("mpl.unit.examples", reference=page.examples.reference, where=where, values=values),
                            chars), fontsize=8)
    fig.suptitle(page.title, fontsize=11)
    return fig
