"""What every matplotlib figure shares: its resolution, lecture mode's larger text, the figure itself and a map panel.

Figures are made with the object API, never pyplot, so concurrent requests in the server never share drawing state.
"""

from __future__ import annotations

import contextlib
import contextvars
from contextlib import contextmanager
from typing import Iterator

import matplotlib
import numpy as np
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from explorer.render import style

DPI = 110  # figures are drawn and saved at this resolution

# Fonts, tried glyph by glyph (matplotlib >= 3.6 falls back along the list): DejaVu Sans (matplotlib's own, Latin,
# Greek, arrows, ✓ ✗) first, then a CJK font for the Chinese catalogue's words. WenQuanYi Micro Hei (Debian's
# fonts-wqy-microhei, Apache-2.0 or GPLv3 with the font exception) is what .ci/run and the Space's packages.txt
# install; Noto Sans CJK (fonts-noto-cjk, SIL OFL) serves as well where a machine has it instead.
FONTS = ["DejaVu Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK JP"]
FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def use_cjk_fallback() -> None:
    """Make every figure's text try FONTS in turn, glyph by glyph (those this machine has; matplotlib's fallback
    follows `font.family`, not the generic family's list). matplotlib lists the machine's fonts once and keeps the
    list in its cache, so a font installed after that (apt-get after the first import) is added from its file."""
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    if not known & set(FONTS[1:]):
        for path in FONT_FILES:
            with contextlib.suppress(OSError, RuntimeError):
                font_manager.fontManager.addfont(path)
        known = {entry.name for entry in font_manager.fontManager.ttflist}
    matplotlib.rcParams["font.family"] = [name for name in FONTS if name in known] + ["sans-serif"]


use_cjk_fallback()

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
    """A `width` x `height` inch figure at DPI (smaller in inches and denser in lecture mode: see large_text)."""
    scale = TEXT_SCALE.get()
    return Figure(figsize=(width / scale, height / scale), dpi=DPI * scale, layout=layout)


def wrap(text: str, width: int = 40) -> str:
    """Lines of about `width` characters for a title or label in a fixed panel (words cut where they must be)."""
    return style.wrap(text, width, newline="\n", cut_words=True)


def show_map(ax: Axes, values: np.ndarray, title: str, cmap: str = style.DIVERGING) -> None:
    """An (h, w) signed map on `ax`, coloured around zero, untouched by smoothing, with its colour bar."""
    low, high = style.symmetric(values)
    im = ax.imshow(values, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    ax.set_title(title, fontsize=12)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.figure.colorbar(im, ax=ax, shrink=0.8)
