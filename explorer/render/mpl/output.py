"""A matplotlib figure out of memory and into bytes or pixels, and emptied once a server has drawn it."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from explorer.render.pictures import png_bytes


def figure_bytes(fig: Figure, fmt: str = "png") -> bytes:
    """A Figure as PNG or SVG bytes. A PNG is drawn straight to RGB pixels (the figures are opaque: an alpha
    channel would be a quarter of the bytes to compress), lightly compressed (see pictures.png_bytes)."""
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
