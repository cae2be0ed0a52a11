"""The matplotlib renderers, for files and notebooks (and the few figures with axes and words the app shows as
images: the tour, the patch shuffle, a unit): views (explorer.analysis) in, `Figure`s out, one module per view
with the same names as explorer.render.plotly's (`activations_figure` here, `activations_plot` there).
Colours, limits and wrapping come from explorer.render.style.
"""

from explorer.render.mpl.activations import activations_figure
from explorer.render.mpl.common import large_text
from explorer.render.mpl.evidence import evidence_figure
from explorer.render.mpl.lens import lens_figure
from explorer.render.mpl.output import drawn_once, figure_bytes, release
from explorer.render.mpl.shuffle import shuffle_figure
from explorer.render.mpl.tour import tour_figure
from explorer.render.mpl.unit import token_unit_figure, unit_page_figure
from explorer.render.mpl.updates import updates_figure

__all__ = [
    "activations_figure",
    "drawn_once",
    "evidence_figure",
    "figure_bytes",
    "large_text",
    "lens_figure",
    "release",
    "shuffle_figure",
    "token_unit_figure",
    "tour_figure",
    "unit_page_figure",
    "updates_figure",
]
