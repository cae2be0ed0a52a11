"""The matplotlib renderers, for files and notebooks: views (explorer.analysis.analysis) in, `Figure`s or RGB arrays out.
The live app draws the same views with Plotly (explorer.render.plots).

Galleries of many small maps are drawn straight into one RGB array (fast: a B/16 block of 384 units in a few
milliseconds, and a click on it maps back to a unit). Everything else is a matplotlib `Figure` made with the
object API, never pyplot, so concurrent requests in the server never share drawing state.
"""
from __future__ import annotations

import contextvars
import io
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter
from PIL import Image

if TYPE_CHECKING:
    from explorer.analysis.analysis import ActivationView, EvidenceView, LensView, ShuffleView, UpdatesView
    from explorer.analysis.tour import TourStep

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


def mosaic(tiles: np.ndarray, layout: GalleryLayout, ground: tuple[float, float, float] = GAP) -> np.ndarray:
    """(units, h, w, 3) uint8 tiles -> one image, tiles enlarged `layout.cell` times, on a `ground` colour (light
    grey: darker than any near-zero weight, so tiles stand apart)."""
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


TEXT_SCALE: contextvars.ContextVar[float] = contextvars.ContextVar("text_scale", default=1.0)


@contextmanager
def large_text(scale: float = 2.0) -> Iterator[None]:
    """Figures made inside are drawn at the same size in pixels with their text and lines `scale` times larger
    (the figure is `scale` times smaller in inches, drawn at `scale` times the DPI): for a lecture hall."""
    token = TEXT_SCALE.set(scale)
    try:
        yield
    finally:
        TEXT_SCALE.reset(token)


def new_figure(width: float, height: float, layout: str | None = "constrained") -> Figure:
    scale = TEXT_SCALE.get()
    return Figure(figsize=(width / scale, height / scale), dpi=DPI * scale, layout=layout)


def show_map(ax, values: np.ndarray, title: str, cmap: str = DIVERGING, centred: bool = True) -> None:
    limit = float(np.nanmax(np.abs(values))) or 1.0
    im = ax.imshow(values, cmap=cmap, vmin=-limit if centred else None, vmax=limit if centred else None, interpolation="nearest")
    ax.set_title(title, fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.figure.colorbar(im, ax=ax, shrink=0.8)


def unit_figure(in_map: np.ndarray, out_map: np.ndarray | None, unit: int, block: int) -> Figure:
    """One token-mixing unit enlarged: the patches it reads (fc1) and, for Mixer, the patches it writes (fc2)."""
    fig = new_figure(7.5 if out_map is not None else 3.8, 3.4)
    axes = fig.subplots(1, 2 if out_map is not None else 1, squeeze=False)[0]
    show_map(axes[0], in_map, f"block {block}, unit {unit}: reads (fc1)")
    if out_map is not None:
        show_map(axes[1], out_map, f"unit {unit}: writes back (fc2)")
    return fig


def symmetric(values: np.ndarray) -> tuple[float, float]:
    """Colour limits centred at zero."""
    limit = float(np.nanmax(np.abs(values))) or 1.0
    return -limit, limit


def wrap(text: str, width: int = 40) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def blend(picture: np.ndarray, values: np.ndarray, limits: tuple[float, float], cmap: str = SEQUENTIAL, alpha: float = 0.6) -> np.ndarray:
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
    image = Image.fromarray((picture * 255).astype(np.uint8)).resize((max(1, w * side // max(h, w)), max(1, h * side // max(h, w))), Image.Resampling.BOX)
    return np.asarray(image) / 255.0


@dataclass(frozen=True)
class ColourBar:
    limits: tuple[float, float]
    cmap: str
    label: str


def panels_figure(panels: list[np.ndarray], titles: list[str], title: str, colour_bars: list[ColourBar] = (), cols: int | None = None, inches: float = 2.2) -> Figure:
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
        grid[r * (head + h + gap) + head:][:h, c * (w + gap):][:, :w] = (panel * 255).astype(np.uint8)
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
        fig.colorbar(ScalarMappable(norm=Normalize(*bar.limits), cmap=bar.cmap), cax=cax).set_label(wrap(bar.label, 28), fontsize=8)
    return fig


def activations_figure(view: "ActivationView", shared_scale: bool = True) -> Figure:
    """Every block's per-patch activation map over the input, as small multiples with a colour bar."""
    maps = view.maps
    if shared_scale:
        limits = [(float(maps.min()), float(maps.max()))] * len(maps)
        bars = [ColourBar(limits[0], SEQUENTIAL, view.quantity)]
    else:  # each block on its own range: the colour bar can only say low and high
        limits = [(float(m.min()), float(m.max())) for m in maps]
        bars = [ColourBar((0.0, 1.0), SEQUENTIAL, f"{view.quantity}, each block from its own lowest (0) to highest (1)")]
    picture = smaller(view.picture, 160)  # a dozen small multiples: drawing 224-pixel ones would cost 3x as much
    panels = [blend(picture, m, lim) for m, lim in zip(maps, limits)]
    return panels_figure(panels, [f"block {b}" for b in range(len(maps))], view.title, bars, cols=min(len(maps), 6), inches=1.9)


def updates_figure(view: "UpdatesView") -> Figure:
    """Per block, how much token mixing and channel mixing change the residual stream (relative norms)."""
    fig = new_figure(7.5, 3, layout=None)  # fixed margins: constrained layout would double the drawing time
    fig.subplots_adjust(left=0.09, right=0.74, bottom=0.16, top=0.95)
    ax = fig.subplots()
    x = np.arange(len(view.channel_mixing))
    if view.separate:
        ax.bar(x - 0.2, view.token_mixing, 0.4, label="token mixing", color="#2166ac")
        ax.bar(x + 0.2, view.channel_mixing, 0.4, label="channel mixing", color="#b2182b")
    else:
        ax.bar(x, view.channel_mixing, 0.6, label="whole block (spatial gating inside)", color="#b2182b")
    ax.set_xlabel("block")
    ax.set_ylabel("‖update‖ / ‖stream‖")
    ax.set_xticks(x)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def evidence_figure(view: "EvidenceView") -> Figure:
    """Per-patch logits of one class relative to the mean patch (whose logit is the class logit) beside an
    input x gradient saliency map."""
    relative, saliency = symmetric(view.relative), symmetric(view.saliency)
    panels = [view.picture, blend(view.picture, view.relative, relative, DIVERGING, 0.65), blend(view.picture, view.saliency, saliency, DIVERGING, 0.7)]
    titles = ["input as the model sees it", "each patch's logit − the mean", "input × gradient"]
    bars = [ColourBar(relative, DIVERGING, f"patch logit − mean (mean {view.logit:.3f} = the logit)"), ColourBar(saliency, DIVERGING, "input × gradient")]
    return panels_figure(panels, titles, f"Evidence for {view.label} (class {view.class_index}): its logit {view.logit:.3f} is the mean of the patch logits", bars)


def lens_figure(view: "LensView") -> Figure:
    """Top-1 probability under the logit lens per block, labelled where the top-1 changes, and the
    probability of the model's final class at every block."""
    fig = new_figure(8.5, 3.6, layout=None)  # fixed margins: constrained layout would double the drawing time
    fig.subplots_adjust(left=0.11, right=0.74, bottom=0.14, top=0.9)
    ax = fig.subplots()
    blocks = np.arange(len(view.top_index))
    ax.plot(blocks, view.top_probability, "o-", color="#444444", label="lens top-1")
    ax.plot(blocks, view.final_probability, "s--", color="#b2182b", label=wrap(f"final class: {view.final_label}", 30))
    for k, b in enumerate(view.changes):
        ax.annotate(view.top_label[b].split(",")[0], (b, view.top_probability[b]), textcoords="offset points", xytext=(0, 8 if k % 2 == 0 else -14), ha="center", fontsize=7)
    peak = float(max(view.top_probability.max(), view.final_probability.max()))
    if peak < 0.2:
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))  # 0.001, not mathtext's 10⁻³ (5x the drawing time)
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_ylabel("probability (log scale)")
    else:
        ax.set_ylim(0, min(1.05, peak * 1.15))
        ax.set_ylabel("probability")
    ax.set_xlabel("block")
    ax.set_xticks(blocks[:: max(1, len(blocks) // 16)])
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def shuffle_figure(view: "ShuffleView") -> Figure:
    """The original and patch-shuffled input with the three predictions of the demo."""
    original, shuffled, restored = view.labels
    titles = [wrap(f"original: {original}", 30), wrap(f"patches shuffled: {shuffled}", 30), wrap(f"token mixing permuted too: {restored}", 30)]
    return panels_figure([view.picture, view.shuffled_picture, view.shuffled_picture], titles,
                         f"Patch shuffle: max |Δlogit| after permuting the token mixing = {view.result.max_abs_logit_diff:.1e}", inches=2.6)


def tour_figure(step: "TourStep") -> Figure:
    """One guided-tour step's picture (see explorer.analysis.tour.TourStep for the kinds)."""
    d = step.data
    if step.kind in ("picture", "patches"):
        fig = new_figure(4, 4)
        ax = fig.subplots()
        ax.imshow(d["picture"])
        if step.kind == "patches":
            for k in range(1, d["grid"][0]):
                ax.axhline(k * d["patch_size"] - 0.5, color="white", lw=1)
            for k in range(1, d["grid"][1]):
                ax.axvline(k * d["patch_size"] - 0.5, color="white", lw=1)
        ax.axis("off")
    elif step.kind == "table":
        fig = new_figure(7, 3.6)
        ax = fig.subplots()
        im = ax.imshow(d["values"], aspect="auto", cmap=DIVERGING, norm=Normalize(*symmetric(d["values"])), interpolation="nearest")
        ax.set_xlabel(f"channel (C = {d['values'].shape[1]})")
        ax.set_ylabel(f"patch (S = {d['values'].shape[0]})")
        fig.colorbar(im, ax=ax, shrink=0.8)
    elif step.kind == "columns":
        fig = new_figure(3.2 * len(d["maps"]), 3.2)
        for ax, values, title in zip(fig.subplots(1, len(d["maps"]), squeeze=False)[0], d["maps"], d["titles"]):
            ax.imshow(values, cmap=DIVERGING, norm=Normalize(*symmetric(values)), interpolation="nearest")
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
    elif step.kind == "bars":
        fig = new_figure(7, 2.6)
        ax = fig.subplots()
        values = d["values"]
        ax.bar(np.arange(len(values)), values, color=np.where(values >= 0, "#b2182b", "#2166ac"), width=1.0)
        ax.set_xlabel(f"channel (C = {len(values)})")
    else:  # "top"
        fig = new_figure(7, 2.6)
        ax = fig.subplots()
        ax.barh([wrap(label, 40) for label in reversed(d["labels"])], list(reversed(d["probabilities"])), color="#444444")
        ax.set_xlim(0, 1)
    fig.suptitle(d["caption"], fontsize=10)
    return fig


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """A Figure as PNG or SVG bytes. A PNG is drawn straight to RGB pixels (the figures are opaque: an alpha
    channel would be a quarter of the bytes to compress) with light compression: these figures are mostly
    photographs and heat maps, where zlib's default level costs twice the time for about the same size."""
    if fmt == "png":
        return png_bytes(figure_array(fig))
    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):  # text stays text (editable, and 3x faster than outlines)
        fig.savefig(buf, format=fmt, dpi=fig.dpi)
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


def palette_png_bytes(image: np.ndarray) -> bytes:
    """A gallery as an 8-bit palette PNG: its colours come from one colormap and the grey between tiles, so 256
    palette entries keep them to within a few levels, in a third of the bytes (every export copies it)."""
    buf = io.BytesIO()
    Image.fromarray(image).quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE).save(buf, format="png", compress_level=6)
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
