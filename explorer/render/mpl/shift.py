"""The corruption lab with matplotlib: the grid of corrupted pictures, and where one of them breaks, patch by patch.

The grid is composed as one image and placed on the figure pixel for pixel (as panels_figure does), so 75 pictures
draw in the time of one; words sit around it in the figure's units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from explorer.analysis.corruptions import corruption_name
from explorer.render import style
from explorer.render.mpl.common import DPI, TEXT_SCALE
from explorer.render.mpl.panels import ColourBar, blend, panels_figure, smaller
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.shift import BreakView, ShiftGrid

FRAME = 3  # pixels of the coloured frame around each picture: blue where the top-1 holds, red where it does not


def tile(picture: np.ndarray, side: int) -> np.ndarray:
    """(H, W, 3) uint8 -> about side x side, float in [0, 1]: small pictures enlarged by whole pixels, large ones
    area-averaged down."""
    x = picture / 255.0
    if x.shape[0] < side:
        zoom = max(1, side // x.shape[0])
        return x.repeat(zoom, axis=0).repeat(zoom, axis=1)
    return smaller(x, side)


def caption(grid: ShiftGrid, k: int, v: int) -> str:
    """✓ and the clean top-1's probability where it holds; ✗ and the new top-1 where it does not (not colour alone)."""
    if grid.holds[k, v]:
        return f"✓ {grid.top_probability[k, v]:.0%}"
    return f"✗ {str(grid.label(k, v)).split(',')[0][:11]} {grid.top_probability[k, v]:.0%}"


def shift_grid_figure(grid: ShiftGrid, side: int = 96, wide: bool = False) -> Figure:
    """grid.pictures (K, V, H, W, 3): one row per corruption, one column per severity, the clean picture first
    (`wide`, for a lecture slide: one column per corruption, one row per severity); under each picture whether the
    clean top-1 holds, with what probability."""
    k_count, v_count = grid.pictures.shape[:2]
    # cells[row][col] = (k, v), v = -1 for the clean picture; the heads name the columns, the labels the rows
    by_corruption = [[(k, v) for v in range(-1, v_count)] for k in range(k_count)]
    cells = [list(column) for column in zip(*by_corruption)] if wide else by_corruption
    severities = [t("mpl.shift.clean")] + [t("mpl.shift.severity", severity=s) for s in grid.severities]
    corruptions = [corruption_name(name) for name in grid.corruptions]
    heads, labels = (corruptions, severities) if wide else (severities, corruptions)
    pictures = {(k, v): tile(grid.clean_picture if v < 0 else grid.pictures[k, v], side) for row in cells
                for k, v in row}
    h, w = pictures[cells[0][0]].shape[:2]
    rows, cols = len(cells), len(cells[0])
    dpi = DPI * TEXT_SCALE.get()
    line = dpi / 72 * 1.3  # pixels per line of text, per point of font size
    gap, cap = max(6, w // 12), int(8 * line)
    label_w, top = int(1.25 * dpi), int(10 * line * 2 + 8 * line * (2 if wide else 1) + gap)
    cell_w, cell_h = w + 2 * FRAME + gap, h + 2 * FRAME + cap + gap
    canvas = np.ones((rows * cell_h, cols * cell_w, 3))
    holds, lost = np.array(to_rgb(style.HOLDS)), np.array(to_rgb(style.LOST))
    for r, row in enumerate(cells):
        for c, (k, v) in enumerate(row):
            y, x = r * cell_h, c * cell_w
            if v >= 0:
                canvas[y:y + h + 2 * FRAME, x:x + w + 2 * FRAME] = holds if grid.holds[k, v] else lost
            canvas[y + FRAME:y + FRAME + h, x + FRAME:x + FRAME + w] = pictures[(k, v)]
    width, height = label_w + canvas.shape[1], top + canvas.shape[0]
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    fig.figimage((canvas * 255).astype(np.uint8), xo=label_w, yo=0, origin="upper")
    heading = t("mpl.shift.grid_title", model=grid.model, weights=style.weights_name(grid.weights),
                parameters=grid.parameter_set, seed=grid.seed, label=grid.clean_label, p=grid.clean_probability)
    fig.text(0.5, 1 - 4 / height, heading, ha="center", va="top", fontsize=10)
    for c, text in enumerate(heads):
        fig.text((label_w + c * cell_w + FRAME + w / 2) / width, (canvas.shape[0] + 2) / height,
                 text.replace(" ", "\n", 1) if wide else text, ha="center", va="bottom", fontsize=8)
    for r, row in enumerate(cells):
        y_mid = canvas.shape[0] - r * cell_h - FRAME - h / 2
        fig.text((label_w - 6) / width, y_mid / height, labels[r], ha="right", va="center", fontsize=8)
        for c, (k, v) in enumerate(row):
            if v < 0:
                continue
            x_mid = label_w + c * cell_w + FRAME + w / 2
            y_cap = canvas.shape[0] - r * cell_h - h - 2 * FRAME - 1
            fig.text(x_mid / width, y_cap / height, caption(grid, k, v), ha="center", va="top", fontsize=7,
                     color=style.HOLDS if grid.holds[k, v] else style.LOST)
    return fig


def break_figure(view: BreakView) -> Figure:
    """view.patch_distance (depth, grid_h, grid_w) over the corrupted picture, block by block, after the clean and
    the corrupted picture: which patches' tokens the corruption turned furthest from the clean ones."""
    clean, corrupted = view.clean_picture / 255.0, view.picture / 255.0
    limits = (0.0, max(float(view.patch_distance.max()), float(view.stem_distance.max()), 1e-6))
    maps = [blend(corrupted, view.stem_distance, limits)] + [blend(corrupted, d, limits) for d in view.patch_distance]
    titles = [t("mpl.shift.clean"), f"{corruption_name(view.corruption)} {view.severity}", t("mpl.shift.stem")]
    titles += [t("mpl.shift.block", block=b, distance=d) for b, d in enumerate(view.distance)]
    top = str(view.lens.final_label).split(",")[0]
    title = (t("mpl.shift.break_title_holds", label=top) if view.same_top1 else
             t("mpl.shift.break_title_changed", label=top, clean=str(view.clean_lens.final_label).split(",")[0]))
    return panels_figure([clean, corrupted] + maps, titles, title,
                         [ColourBar(limits, style.SEQUENTIAL, t("mpl.shift.distance"))],
                         cols=min(len(titles), 8), inches=1.4)
