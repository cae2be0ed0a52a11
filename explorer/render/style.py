"""The look both renderers share: every colour once, the colour limits, text wrapping and the axis decisions.

Plotly (explorer.render.plotly, the app's charts) and matplotlib (explorer.render.mpl, files and notebooks) draw
the same views; what makes a view look the same in both is decided here, with no drawing library imported.
Colour maps are named: matplotlib and Plotly both know "RdBu_r" and "viridis" (Plotly reads the name into its own
samples of the same ColorBrewer and viridis scales, so a chart's JSON holds no matplotlib colour).
"""

from __future__ import annotations

import textwrap

import numpy as np

from explorer.text.i18n import t

# ---------------------------------------------------------------------------------------------- colours

DIVERGING = "RdBu_r"  # red positive, blue negative, white zero: readable with the common colour-vision deficiencies
SEQUENTIAL = "viridis"  # magnitudes

# Which scale each chart uses, and why a visitor with a colour-vision deficiency (CVD) reads it (issue 44, item 6).
# No chart uses rainbow (jet) or a red-green pair for meaning; wherever colour tells two things apart, a shape, a
# dash, a mark or a word tells them apart too.
# - SEQUENTIAL, viridis: the activation maps (Plotly and matplotlib) and where a corruption breaks (break_figure).
#   Its lightness rises steadily from dark purple to yellow, so the order of values reads with any of the three
#   dichromacies and in greyscale.
# - DIVERGING, RdBu_r (ColorBrewer): the evidence maps, the token-mixing gallery, a unit's weights and its map on
#   the image, the tour's token table and columns. Blue and red stay apart for protan, deutan and tritan vision
#   (they differ along the blue-yellow axis that red-green deficiencies keep, and in lightness); zero is white.
# - Series colours, LINE_COLOURS (blue, red, green, purple, orange, grey: ColorBrewer's dark ends): the logit lens
#   (and a solid line with dots against a dashed one with squares), updates (token mixing blue, channel mixing red:
#   a CVD-safe pair), comparison and patch drop (also solid against dashed), the corruption lab's lines (a group's
#   colour and each corruption's dash, ● or ✕ marks), the architecture's parts (each bar named on its axis).
# - Teach it: one colour per class from this list, then Plotly's colour-blind-safe "Safe" palette; a class is named
#   in the legend and the hover, a miss marked with a cross.
# - The corruption grid's frames: HOLDS blue, LOST red (a CVD-safe pair, not green/red), with ✓ and ✗ in words.

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
HOLDS, LOST = BLUE, RED  # a corrupted picture whose top-1 holds, or is lost (never green against red)
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

WEIGHTS = {"pretrained": "style.pretrained", "random": "style.random", "checkpoint": "style.checkpoint"}


def weights_name(weights: str) -> str:
    """A model's weights ("pretrained", "random", "checkpoint") as a chart names them, in the language spoken."""
    return t(WEIGHTS[weights]) if weights in WEIGHTS else weights



def wrap(text: str, width: int, newline: str = "<br>", cut_words: bool = False) -> str:
    """Break text into lines of about `width` characters joined by `newline` ("<br>" for Plotly, "\\n" for
    matplotlib); a break already in the text stays. A word longer than `width` stays whole on its own line,
    unless `cut_words` (matplotlib's panels, narrow and fixed: words are cut there, and broken at hyphens)."""
    lines = []
    for part in text.split(newline):
        lines += textwrap.wrap(part, width, break_long_words=cut_words, break_on_hyphens=cut_words) or [""]
    return newline.join(lines)
