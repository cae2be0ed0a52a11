"""Small multiples: pictures with a map laid over them, set side by side in one matplotlib figure, pixel for pixel."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from PIL import Image

from explorer.render import style
from explorer.render.mpl.common import DPI, TEXT_SCALE, wrap


def blend(
    picture: np.ndarray,
    values: np.ndarray,
    limits: tuple[float, float],
    cmap: str = style.SEQUENTIAL,
    alpha: float = 0.6,
) -> np.ndarray:
    """(H, W, 3) picture in [0, 1] and an (h, w) map over it (a patch grid, or per pixel) -> (H, W, 3): the map
    coloured within `limits` and laid over the part of the picture it was computed from (no smoothing)."""
    h, w = picture.shape[:2]
    lo, hi = limits
    colours = matplotlib.colormaps[cmap](np.clip((values - lo) / ((hi - lo) or 1.0), 0, 1))[..., :3]
    upsampled = colours[np.arange(h) * values.shape[0] // h][:, np.arange(w) * values.shape[1] // w]
    return (1 - alpha) * picture + alpha * upsampled


def smaller(picture: np.ndarray, side: int) -> np.ndarray:
    """(H, W, 3) in [0, 1] shrunk to at most `side` pixels a side (area-averaged), for small multiples."""
    h, w = picture.shape[:2]
    if max(h, w) <= side:
        return picture
    size = (max(1, w * side // max(h, w)), max(1, h * side // max(h, w)))
    image = Image.fromarray((picture * 255).astype(np.uint8)).resize(size, Image.Resampling.BOX)
    return np.asarray(image) / 255.0


@dataclass(frozen=True)
class ColourBar:
    limits: tuple[float, float]
    cmap: str
    label: str


def panels_figure(
    panels: list[np.ndarray],
    titles: list[str],
    title: str,
    colour_bars: list[ColourBar] = (),
    cols: int | None = None,
    inches: float = 2.2,
) -> Figure:
    """Equal-sized (H, W, 3) pictures in a grid, each with its title, with colour bars on the right.

    The pictures are composed into one image, enlarged by a whole number of times to about `inches` a side
    (nearest neighbour: a patch stays a square), and placed on the figure pixel for pixel (`figimage`), so
    drawing it costs a copy instead of matplotlib's resampling; text sits around it in the figure's units."""
    n = len(panels)
    cols = cols or n
    rows = int(np.ceil(n / cols))
    zoom = max(1, round(inches * DPI / panels[0].shape[1]))
    panels = [np.clip(p, 0, 1).repeat(zoom, axis=0).repeat(zoom, axis=1) for p in panels]
    h, w = panels[0].shape[:2]
    dpi = DPI * TEXT_SCALE.get()
    line = dpi / 72 * 1.3  # pixels per line of text, per point of font size
    gap = max(4, w // 16)
    head = int(9 * line * max(t.count("\n") + 1 for t in titles) + gap)  # above each panel, for its title
    top, bottom, left = int(10 * line + gap), gap, int(0.1 * dpi)
    bars = int(1.1 * dpi) * len(colour_bars)
    grid = np.full((rows * (head + h) + (rows - 1) * gap, cols * (w + gap) - gap, 3), 255, dtype=np.uint8)
    for k, panel in enumerate(panels):
        r, c = divmod(k, cols)
        grid[r * (head + h + gap) + head :][:h, c * (w + gap) :][:, :w] = (panel * 255).astype(np.uint8)
    width, height = left + grid.shape[1] + bars + gap, top + grid.shape[0] + bottom
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    fig.figimage(grid, xo=left, yo=bottom, origin="upper")
    for k, text in enumerate(titles):
        r, c = divmod(k, cols)
        x, y = left + c * (w + gap) + w / 2, height - top - r * (head + h + gap) - head + gap / 2
        fig.text(x / width, y / height, text, ha="center", va="bottom", fontsize=9)
    fig.text(0.5, 1 - gap / 2 / height, title, ha="center", va="top", fontsize=10)
    for i, bar in enumerate(colour_bars):
        x = left + grid.shape[1] + gap + i * int(1.1 * dpi)
        cax = fig.add_axes((x / width, 0.12, 0.15 * dpi / width, 0.7 * (top + grid.shape[0] - head) / height))
        colour_bar = fig.colorbar(ScalarMappable(norm=Normalize(*bar.limits), cmap=bar.cmap), cax=cax)
        colour_bar.set_label(wrap(bar.label, 28), fontsize=8)
    return fig
