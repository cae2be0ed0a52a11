"""Where the evidence for one class lies, per patch and per pixel, over the input (matplotlib)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from explorer.render import style
from explorer.render.mpl.panels import ColourBar, blend, panels_figure

if TYPE_CHECKING:
    from explorer.analysis.analysis import EvidenceView


def evidence_figure(view: EvidenceView) -> Figure:
    """The input, view.relative (grid_h, grid_w): each patch's logit minus the mean patch's (whose logit is the
    class logit), and view.saliency (H, W): input × gradient, each over the input with its colour bar."""
    relative, saliency = style.symmetric(view.relative), style.symmetric(view.saliency)
    panels = [
        view.picture,
        blend(view.picture, view.relative, relative, style.DIVERGING, 0.65),
        blend(view.picture, view.saliency, saliency, style.DIVERGING, 0.7),
    ]
    titles = ["input as the model sees it", "each patch's logit − the mean", "input × gradient"]
    bars = [
        ColourBar(relative, style.DIVERGING, f"patch logit − mean (mean {view.logit:.3f} = the logit)"),
        ColourBar(saliency, style.DIVERGING, "input × gradient"),
    ]
    title = (f"Evidence for {view.label} (class {view.class_index}): its logit {view.logit:.3f} "
             "is the mean of the patch logits")
    return panels_figure(panels, titles, title, bars)
