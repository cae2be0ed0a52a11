"""Pictures of the views: arrays in, RGB arrays or matplotlib `Figure`s out.

Galleries of many small maps are drawn straight into one RGB array (fast: a B/16 block of 384 units in a few
milliseconds, and a click on it maps back to a unit). Everything else is a matplotlib `Figure` made with the
object API, never pyplot, so concurrent requests in the server never share drawing state.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

DIVERGING = "RdBu_r"  # red positive, blue negative, white zero: readable with the common colour-vision deficiencies
SEQUENTIAL = "viridis"
GAP = (0.45, 0.45, 0.45)  # darker than any near-zero weight, so tiles stand apart
DPI = 110  # figures are drawn and saved at this resolution


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
    cols = int(np.ceil(np.sqrt(units * tile[0] / tile[1])))  # about square overall
    cell = max(1, min(24, width_px // (cols * (tile[1] + 1))))
    return GalleryLayout(order=np.asarray(order), cols=cols, cell=cell, tile=tile, gap=max(1, cell // 2))


def colorize(values: np.ndarray, cmap: str = DIVERGING) -> np.ndarray:
    """(..., ) values already scaled to [-1, 1] -> (..., 3) uint8 on a colormap centred at zero."""
    rgba = matplotlib.colormaps[cmap]((np.clip(values, -1, 1) + 1) / 2)
    return (rgba[..., :3] * 255).astype(np.uint8)


def gallery_image(maps: np.ndarray, layout: GalleryLayout, cmap: str = DIVERGING) -> np.ndarray:
    """(units, h, w) weight maps -> (H, W, 3) uint8 mosaic in the layout's order, each map scaled by its own
    max |weight| so that weak units are as readable as strong ones, zero always white."""
    scaled = maps / np.maximum(np.abs(maps).max(axis=(1, 2), keepdims=True), 1e-12)
    tiles = colorize(scaled[layout.order], cmap)  # (units, h, w, 3)
    return mosaic(tiles, layout)


def rgb_gallery_image(filters: np.ndarray, layout: GalleryLayout) -> np.ndarray:
    """(units, p, p, 3) signed RGB filters -> mosaic, each filter mapped to [0, 1] around mid-grey."""
    scaled = filters / np.maximum(np.abs(filters).max(axis=(1, 2, 3), keepdims=True), 1e-12)
    return mosaic(((scaled[layout.order] + 1) / 2 * 255).astype(np.uint8), layout)


def mosaic(tiles: np.ndarray, layout: GalleryLayout) -> np.ndarray:
    """(units, h, w, 3) uint8 tiles -> one image, tiles enlarged `layout.cell` times, on a light grey ground."""
    units, h, w, _ = tiles.shape
    tiles = tiles.repeat(layout.cell, axis=1).repeat(layout.cell, axis=2)
    th, tw = h * layout.cell + layout.gap, w * layout.cell + layout.gap
    rows = int(np.ceil(units / layout.cols))
    out = np.empty((rows * th - layout.gap, layout.cols * tw - layout.gap, 3), dtype=np.uint8)
    out[:] = (np.array(GAP) * 255).astype(np.uint8)
    for k in range(units):
        r, c = divmod(k, layout.cols)
        out[r * th : r * th + h * layout.cell, c * tw : c * tw + w * layout.cell] = tiles[k]
    return out


def new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def show_map(ax, values: np.ndarray, title: str, cmap: str = DIVERGING, centred: bool = True) -> None:
    limit = float(np.nanmax(np.abs(values))) or 1.0
    im = ax.imshow(values, cmap=cmap, vmin=-limit if centred else None, vmax=limit if centred else None, interpolation="nearest")
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.figure.colorbar(im, ax=ax, shrink=0.8)


def unit_figure(in_map: np.ndarray, out_map: np.ndarray | None, unit: int, block: int) -> Figure:
    """One token-mixing unit enlarged: the patches it reads (fc1) and, for Mixer, the patches it writes (fc2)."""
    fig = new_figure(7 if out_map is not None else 3.6, 3.2)
    axes = fig.subplots(1, 2 if out_map is not None else 1, squeeze=False)[0]
    show_map(axes[0], in_map, f"block {block}, unit {unit}: reads (fc1)")
    if out_map is not None:
        show_map(axes[1], out_map, f"unit {unit}: writes back (fc2)")
    return fig


def overlay(ax, image: np.ndarray, values: np.ndarray, title: str, cmap: str = SEQUENTIAL, alpha: float = 0.55, centred: bool = False) -> None:
    """Draw a patch-grid map over the image it was computed from."""
    h, w = image.shape[:2]
    ax.imshow(image, extent=(0, w, h, 0))
    limit = float(np.nanmax(np.abs(values))) or 1.0
    ax.imshow(values, cmap=cmap, alpha=alpha, extent=(0, w, h, 0), interpolation="nearest", vmin=-limit if centred else None, vmax=limit if centred else None)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def activations_figure(image: np.ndarray, norms: np.ndarray, what: str = "‖activation‖ over channels") -> Figure:
    """Every block's per-patch activation map over the (H, W, 3) input, as small multiples."""
    depth = len(norms)
    cols = min(depth, 6)
    rows = int(np.ceil(depth / cols))
    fig = new_figure(2.0 * cols, 2.1 * rows + 0.3)
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for i, ax in enumerate(axes):
        if i < depth:
            overlay(ax, image, norms[i], f"block {i}")
        else:
            ax.axis("off")
    fig.suptitle(what, fontsize=10)
    return fig


def updates_figure(updates: dict[str, np.ndarray]) -> Figure:
    """Per block, how much token mixing and channel mixing change the residual stream (relative norms)."""
    fig = new_figure(7, 3)
    ax = fig.subplots()
    depth = len(updates["channel_mixing"])
    x = np.arange(depth)
    if not np.all(np.isnan(updates["token_mixing"])):
        ax.bar(x - 0.2, updates["token_mixing"], 0.4, label="token mixing", color="#2166ac")
        ax.bar(x + 0.2, updates["channel_mixing"], 0.4, label="channel mixing", color="#b2182b")
    else:
        ax.bar(x, updates["channel_mixing"], 0.6, label="whole block (spatial gating inside)", color="#b2182b")
    ax.set_xlabel("block")
    ax.set_ylabel("‖update‖ / ‖stream‖")
    ax.set_xticks(x)
    ax.legend(fontsize=8)
    return fig


def evidence_figure(image: np.ndarray, evidence: np.ndarray, saliency: np.ndarray | None, label: str) -> Figure:
    """Per-patch logits of one class (their mean is the class logit) beside an input x gradient saliency map."""
    fig = new_figure(9.5 if saliency is not None else 6.5, 3.4)
    axes = fig.subplots(1, 3 if saliency is not None else 2)
    axes[0].imshow(image)
    axes[0].set_title("input as the model sees it", fontsize=9)
    axes[0].axis("off")
    overlay(axes[1], image, evidence, f"per-patch logit: {label}\nmean {evidence.mean():.3f} = the logit", cmap=DIVERGING, centred=True, alpha=0.65)
    if saliency is not None:
        overlay(axes[2], image, saliency, "input × gradient", cmap=DIVERGING, centred=True, alpha=0.7)
    return fig


def lens_figure(steps: list[dict], final_class_probs: np.ndarray, final_label: str) -> Figure:
    """Top-1 probability under the logit lens per block ({block, label, probability}), labelled, and the
    probability of the model's final class at every block."""
    fig = new_figure(8, 3.4)
    ax = fig.subplots()
    blocks = [s["block"] for s in steps]
    ax.plot(blocks, [s["probability"] for s in steps], "o-", color="#444444", label="lens top-1")
    ax.plot(blocks, final_class_probs, "s--", color="#b2182b", label=f"final class: {final_label[:30]}")
    for s in steps:
        ax.annotate(s["label"][:18], (s["block"], s["probability"]), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7, rotation=30)
    ax.set_ylim(0, 1.15)
    ax.set_xlabel("block")
    ax.set_ylabel("probability")
    ax.set_xticks(blocks)
    ax.legend(fontsize=8, loc="lower right")
    return fig


def shuffle_figure(image: np.ndarray, shuffled: np.ndarray, captions: tuple[str, str, str]) -> Figure:
    """The original and patch-shuffled input with the three predictions of the demo."""
    fig = new_figure(9, 3.6)
    axes = fig.subplots(1, 3)
    axes[0].imshow(image)
    axes[0].set_title(f"original\n{captions[0]}", fontsize=9)
    axes[1].imshow(shuffled)
    axes[1].set_title(f"patches shuffled\n{captions[1]}", fontsize=9)
    axes[2].imshow(shuffled)
    axes[2].set_title(f"shuffled, token mixing\npermuted too: {captions[2]}", fontsize=9)
    for ax in axes:
        ax.axis("off")
    return fig


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """A Figure as PNG or SVG bytes. PNGs use light compression: these figures are mostly photographs and
    heat maps, where zlib's default level costs twice the time for about the same size."""
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=DPI, **({"pil_kwargs": {"compress_level": 1}} if fmt == "png" else {}))
    return buf.getvalue()


def figure_array(fig: Figure) -> np.ndarray:
    """A Figure as an (H, W, 3) uint8 image, drawn straight into memory (no PNG round trip)."""
    previous = fig.canvas
    canvas = FigureCanvasAgg(fig)
    try:
        canvas.draw()
        return np.asarray(canvas.buffer_rgba())[..., :3].copy()
    finally:  # as savefig does: the figure keeps no renderer (megabytes of pixels) once drawn
        fig.set_canvas(previous)


def png_bytes(image: np.ndarray) -> bytes:
    """An (H, W, 3) uint8 image as PNG bytes (light compression, as figure_bytes)."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="png", compress_level=1)
    return buf.getvalue()


def drawn_once(fig: Figure) -> np.ndarray:
    """A figure drawn to pixels, then emptied (see `release`): for servers, which draw each figure once."""
    pixels = figure_array(fig)
    fig.clear()
    return pixels


def release(figures: dict) -> None:
    """Empty the matplotlib Figures in `figures` once they are drawn. A Figure and its canvas refer to each
    other, so only the cycle collector frees them; emptied, each cycle holds a few KB instead of its images,
    which keeps a busy server's memory flat between collections."""
    for fig in figures.values():
        if isinstance(fig, Figure):
            fig.clear()
