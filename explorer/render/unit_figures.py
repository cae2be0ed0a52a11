"""Matplotlib renderers of a unit's page (explorer.units.page.UnitPage), for files and notebooks: a page in, a `Figure`
or an RGB array out (the object API, never pyplot, as in explorer.render.figures).

    from explorer.units import Unit, unit_page
    from explorer.render.unit_figures import unit_figure
    unit_figure(unit_page(loaded, Unit(3, "channel", 17))).savefig("unit.png")
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from explorer.render.figures import DIVERGING, TEXT_SCALE, GalleryLayout, mosaic, new_figure, show_map, wrap

if TYPE_CHECKING:
    from explorer.units.page import UnitPage

OUTLINE = np.array([255, 220, 0], np.uint8)  # yellow: visible on photographs and on the feature images alike
EXAMPLE_COLUMNS = 9


def outlined(picture: np.ndarray, patch: tuple[int, int], grid: tuple[int, int], scale: int = 1) -> np.ndarray:
    """(H, W, 3) uint8 enlarged `scale` times (nearest), with the patch at (row, col) of the grid outlined."""
    big = picture.repeat(scale, axis=0).repeat(scale, axis=1)
    ph, pw = big.shape[0] // grid[0], big.shape[1] // grid[1]
    top, left = patch[0] * ph, patch[1] * pw
    width = max(1, scale // 2)
    box = big[top:top + ph, left:left + pw]
    box[:width], box[-width:], box[:, :width], box[:, -width:] = OUTLINE, OUTLINE, OUTLINE, OUTLINE
    return big


def examples_strip(page: "UnitPage", scale: int | None = None, columns: int = EXAMPLE_COLUMNS) -> np.ndarray:
    """(h, w, 3) uint8: the top examples side by side (`columns` a row), a channel's peak patch outlined."""
    pictures = page.pictures
    scale = scale or max(1, 96 // pictures.shape[1])  # small CIFAR pictures drawn large enough to see the outline
    if page.unit.kind == "channel":
        tiles = [outlined(p, tuple(peak), page.grid, scale) for p, peak in zip(pictures, page.examples.peaks)]
    else:
        tiles = [p.repeat(scale, axis=0).repeat(scale, axis=1) for p in pictures]
    h, w = tiles[0].shape[:2]
    layout = GalleryLayout(order=np.arange(len(tiles)), cols=min(columns, len(tiles)), cell=1, tile=(h, w), gap=max(2, w // 24))
    return mosaic(np.stack(tiles), layout, ground=(1.0, 1.0, 1.0))


def unit_figure(page: "UnitPage", slide: bool = False) -> Figure:
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
        feature_ax.set_title(wrap(f"feature visualisation: mean {f.activation_start:.2f} → {f.activation_end:.2f} ({f.steps} steps)", chars), fontsize=9)
    else:
        feature_ax.text(0.5, 0.5, "not computed yet", ha="center", va="center", fontsize=9)
    feature_ax.set_axis_off()
    if page.weights.ndim == 2:  # a token unit's map over the patch grid
        show_map(weights_ax, page.weights, wrap(page.weights_title, chars))
        weights_ax.title.set_fontsize(9)
    else:  # a channel's fc2 row: one weight per hidden unit of the channel MLP, largest first
        ordered = np.sort(page.weights)[::-1]
        weights_ax.bar(np.arange(len(ordered)), ordered, width=1.0, color=np.where(ordered >= 0, "#b2182b", "#2166ac"))
        weights_ax.set_title(wrap(page.weights_title, chars), fontsize=9)
        weights_ax.set_xlabel("hidden units, sorted", fontsize=8)
        weights_ax.tick_params(labelsize=7)
    if page.on_image is not None:
        ax = axes[2]
        if page.on_image.ndim == 2:
            show_map(ax, page.on_image, wrap("on your image (per patch)", chars), cmap=DIVERGING)
        else:
            ax.plot(page.on_image, lw=0.8, color="#333333")
            ax.set_title("on your image (per channel)")
            ax.set_xlabel("channel", fontsize=8)
        ax.title.set_fontsize(9)
    examples = parts[1].subplots(1, 1)
    examples.imshow(examples_strip(page, columns=example_columns), interpolation="nearest")
    examples.set_axis_off()
    values = ", ".join(f"{a:.2f}" for a in page.examples.activations)
    where = "peak patch outlined" if page.unit.kind == "channel" else "max over channels"
    examples.set_title(wrap(f"top examples of {page.examples.reference} ({where}): {values}", int(16 * examples_inches / TEXT_SCALE.get())), fontsize=8)
    fig.suptitle(page.title, fontsize=11)
    return fig
