"""Pictures composed in numpy: galleries of many small maps drawn straight into one RGB array (a B/16 block of 384
units in a few milliseconds, and a click on one maps back to its unit), a unit's example strip, and PNG encoding.

The app shows these as images; the charts are Plotly (explorer.render.plotly) and the few figures with axes and
words are matplotlib (explorer.render.mpl). Only matplotlib's colour-map tables are used here, not its drawing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

import matplotlib
import numpy as np
from PIL import Image

from explorer.render import style

if TYPE_CHECKING:
    from explorer.units import UnitPage

OUTLINE = np.array(style.OUTLINE, np.uint8)
EXAMPLE_COLUMNS = 9


@dataclass(frozen=True)
class GalleryLayout:
    """Where each unit sits in a gallery image: unit `order[k]` is drawn at cell k, row-major."""

    order: np.ndarray  # (units,)
    cols: int
    cell: int  # pixels per map cell
    tile: tuple[int, int]  # (h, w) cells per map
    gap: int  # pixels between tiles

    def unit_at(self, x: int, y: int) -> int | None:
        """The unit drawn at pixel (x, y) of the gallery, or None for the gaps."""
        th, tw = self.tile[0] * self.cell + self.gap, self.tile[1] * self.cell + self.gap
        col, row = x // tw, y // th
        if col >= self.cols or x % tw >= tw - self.gap or y % th >= th - self.gap:
            return None
        k = row * self.cols + col
        return int(self.order[k]) if 0 <= k < len(self.order) else None


def gallery_layout(units: int, tile: tuple[int, int], order: np.ndarray, width_px: int = 900) -> GalleryLayout:
    """About square overall, each map cell as large as `width_px` allows (at most 24 pixels)."""
    cols = int(np.ceil(np.sqrt(units * tile[0] / tile[1])))
    cell = max(1, min(24, width_px // (cols * (tile[1] + 1))))
    return GalleryLayout(order=np.asarray(order), cols=cols, cell=cell, tile=tile, gap=max(1, cell // 2))


def colorize(values: np.ndarray, cmap: str = style.DIVERGING) -> np.ndarray:
    """(..., ) values already scaled to [-1, 1] -> (..., 3) uint8 on a colormap centred at zero."""
    rgba = matplotlib.colormaps[cmap]((np.clip(values, -1, 1) + 1) / 2)
    return (rgba[..., :3] * 255).astype(np.uint8)


def gallery_image(maps: np.ndarray, layout: GalleryLayout, cmap: str = style.DIVERGING) -> np.ndarray:
    """(units, h, w) weight maps -> (H, W, 3) uint8 mosaic in the layout's order, each map scaled by its own
    max |weight| so that weak units are as readable as strong ones, zero always white."""
    scaled = maps / np.maximum(np.abs(maps).max(axis=(1, 2), keepdims=True), 1e-12)
    tiles = colorize(scaled[layout.order], cmap)  # (units, h, w, 3)
    return mosaic(tiles, layout)


def rgb_gallery_image(filters: np.ndarray, layout: GalleryLayout) -> np.ndarray:
    """(units, p, p, 3) signed RGB filters -> mosaic, each filter mapped to [0, 1] around mid-grey."""
    scaled = filters / np.maximum(np.abs(filters).max(axis=(1, 2, 3), keepdims=True), 1e-12)
    return mosaic(((scaled[layout.order] + 1) / 2 * 255).astype(np.uint8), layout)


def mosaic(tiles: np.ndarray, layout: GalleryLayout, ground: tuple[float, float, float] = style.GAP) -> np.ndarray:
    """(units, h, w, 3) uint8 tiles -> one image, tiles enlarged `layout.cell` times, on a `ground` colour."""
    units, h, w, _ = tiles.shape
    tiles = tiles.repeat(layout.cell, axis=1).repeat(layout.cell, axis=2)
    th, tw = h * layout.cell + layout.gap, w * layout.cell + layout.gap
    rows = int(np.ceil(units / layout.cols))
    out = np.empty((rows * th - layout.gap, layout.cols * tw - layout.gap, 3), dtype=np.uint8)
    out[:] = (np.array(ground) * 255).astype(np.uint8)
    for k in range(units):
        r, c = divmod(k, layout.cols)
        out[r * th : r * th + h * layout.cell, c * tw : c * tw + w * layout.cell] = tiles[k]
    return out


def outlined(picture: np.ndarray, patch: tuple[int, int], grid: tuple[int, int], scale: int = 1) -> np.ndarray:
    """(H, W, 3) uint8 enlarged `scale` times (nearest), with the patch at (row, col) of the grid outlined."""
    big = picture.repeat(scale, axis=0).repeat(scale, axis=1)
    ph, pw = big.shape[0] // grid[0], big.shape[1] // grid[1]
    top, left = patch[0] * ph, patch[1] * pw
    width = max(1, scale // 2)
    box = big[top : top + ph, left : left + pw]
    box[:width], box[-width:], box[:, :width], box[:, -width:] = OUTLINE, OUTLINE, OUTLINE, OUTLINE
    return big


def examples_strip(page: UnitPage, scale: int | None = None, columns: int = EXAMPLE_COLUMNS) -> np.ndarray:
    """(h, w, 3) uint8: a unit's top examples side by side (`columns` a row), a channel's peak patch outlined."""
    pictures = page.pictures
    scale = scale or max(1, 96 // pictures.shape[1])  # small CIFAR pictures drawn large enough to see the outline
    if page.unit.kind == "channel":
        tiles = [outlined(p, tuple(peak), page.grid, scale) for p, peak in zip(pictures, page.examples.peaks)]
    else:
        tiles = [p.repeat(scale, axis=0).repeat(scale, axis=1) for p in pictures]
    h, w = tiles[0].shape[:2]
    layout = GalleryLayout(
        order=np.arange(len(tiles)), cols=min(columns, len(tiles)), cell=1, tile=(h, w), gap=max(2, w // 24)
    )
    return mosaic(np.stack(tiles), layout, ground=style.WHITE)


def png_bytes(image: np.ndarray) -> bytes:
    """An (H, W, 3) uint8 image as PNG bytes, lightly compressed: these are mostly photographs and heat maps,
    where zlib's default level costs twice the time for about the same size."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def palette_png_bytes(image: np.ndarray) -> bytes:
    """A gallery as an 8-bit palette PNG: its colours come from one colormap and the grey between tiles, so 256
    palette entries keep them to within a few levels, in a third of the bytes (every export copies it)."""
    buf = io.BytesIO()
    quantized = Image.fromarray(image).quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    quantized.save(buf, format="png", compress_level=6)
    return buf.getvalue()
