"""The Plotly renderers, for the live app's charts: views (explorer.analysis) in, `go.Figure`s out, one module per
view with the same names as explorer.render.mpl's (`activations_plot` here, `activations_figure` there).

Renderers only draw: every number comes from the view. Each takes `large=True` for a lecture hall (fonts about
1.6 times larger). Colours, limits and wrapping come from explorer.render.style, shared with matplotlib.
"""

from explorer.render.plotly.activations import activations_plot
from explorer.render.plotly.architecture import architecture_plot
from explorer.render.plotly.common import empty_plot
from explorer.render.plotly.comparison import comparison_plot
from explorer.render.plotly.evidence import evidence_plot
from explorer.render.plotly.lens import lens_plot
from explorer.render.plotly.patch_drop import patch_drop_plot
from explorer.render.plotly.teach import probe_plot
from explorer.render.plotly.updates import updates_plot

__all__ = [
    "activations_plot",
    "architecture_plot",
    "comparison_plot",
    "empty_plot",
    "evidence_plot",
    "lens_plot",
    "patch_drop_plot",
    "probe_plot",
    "updates_plot",
]
