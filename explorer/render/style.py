"""The look both renderers share: every colour once, the colour limits, text wrapping and the axis decisions.

Plotly (explorer.render.plotly, the app's charts) and matplotlib (explorer.render.mpl, files and notebooks) draw
the same views; what makes a view look the same in both is decided here, with no drawing library imported.
Colour maps are named: matplotlib and Plotly both know "RdBu_r" and "viridis" (Plotly reads the name into its own
samples of the same ColorBrewer and viridis scales, so a chart's JSON holds no matplotlib colour).
"""

from __future__ import annotations

import textwrap

import numpy as np

# ---------------------------------------------------------------------------------------------- colours

DIVERGING = "RdBu_r"  # red positive, blue negative, white zero: readable with the common colour-vision deficiencies
SEQUENTIAL = "viridis"  # magnitudes

BLUE = "#2166ac"
RED = "#b2182b"
GREEN = "#1b7837"
PURPLE = "#762a83"
ORANGE = "#e08214"
DARK_GREY = "#444444"  # a series that is no part of the model (the lens's top-1), the tour's top classes
LINE_GREY = "#333333"  # a unit's values on the image
MID_GREY = "#555555"  # the words of an empty chart
LIGHT_GREY = "#999999"  # norms and scales, a lens name's line
LABEL_GROUND = "rgba(255, 255, 255, 0.75)"  # behind a name on a chart: legible where it crosses a line
GRID_LINE = "white"  # the patch grid over a photograph

TOKEN_COLOUR = BLUE  # token mixing, in every chart and figure
CHANNEL_COLOUR = RED  # channel mixing
POSITIVE, NEGATIVE = RED, BLUE  # signed bars, as DIVERGING colours signed maps
LINE_COLOURS = (BLUE, RED, GREEN, PURPLE, ORANGE, DARK_GREY)  # one per model compared
PART_COLOURS = {
    "stem": PURPLE,
    "token mixing": TOKEN_COLOUR,
    "channel mixing": CHANNEL_COLOUR,
    "norms and scales": LIGHT_GREY,
    "head": GREEN,
}

GAP = (0.45, 0.45, 0.45)  # between a gallery's tiles: darker than any near-zero weight, so tiles stand apart
WHITE = (1.0, 1.0, 1.0)  # between a unit's example pictures
OUTLINE = (255, 220, 0)  # yellow: a unit's peak patch, visible on photographs and on the feature images alike

# ---------------------------------------------------------------------------------------------- limits and axes

LOG_BELOW = 0.2  # probabilities all below this sit on the floor of a linear axis: the lens draws them on a log axis


def symmetric_limit(values: np.ndarray) -> float:
    """The largest finite |value|, for a colour range centred on zero (1 when there is nothing to scale).

    One rule for both renderers (matplotlib's figures used nanmax, Plotly's charts isfinite): both give the same
    limit for every array with a finite value in it; this one also keeps a ±inf, an all-NaN or an empty array
    from making the whole map one colour."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


def symmetric(values: np.ndarray) -> tuple[float, float]:
    """(low, high) colour limits centred at zero: ±symmetric_limit."""
    limit = symmetric_limit(values)
    return -limit, limit


def highest_probability(*series: np.ndarray) -> float:
    """The highest probability of the series (NaN ignored): what the lens's probability axis is scaled to."""
    return float(np.nanmax(np.concatenate([np.ravel(s) for s in series])))


def log_probability_axis(highest: float) -> bool:
    """Whether a probability axis whose highest value is `highest` is drawn on a log scale."""
    return highest < LOG_BELOW


# ---------------------------------------------------------------------------------------------- text


def wrap(text: str, width: int, newline: str = "<br>", cut_words: bool = False) -> str:
    """Break text into lines of about `width` characters joined by `newline` ("<br>" for Plotly, "\\n" for
    matplotlib); a break already in the text stays. A word longer than `width` stays whole on its own line,
    unless `cut_words` (matplotlib's panels, narrow and fixed: words are cut there, and broken at hyphens)."""
    lines = []
    for part in text.split(newline):
        lines += textwrap.wrap(part, width, break_long_words=cut_words, break_on_hyphens=cut_words) or [""]
    return newline.join(lines)
