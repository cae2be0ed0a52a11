"""Where the evidence for one class lies, per patch and per pixel, over the input (matplotlib)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from explorer.render import style
from explorer.render.mpl.panels import ColourBar, blend, panels_figure
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.evidence import EvidenceView


def evidence_figure(view: EvidenceView) -> Figure:
    """The input, view.relative (grid_h, grid_w): each patch's logit minus the mean patch's (whose logit is the
    class logit), and view.saliency (H, W): input × gradient, each over the input with its colour bar."""
    relative, saliency = style.symmetric(view.relative), style.symmetric(view.saliency)
    panels = [
        view.picture,
        blend(view.picture, view.relative, relative, style.DIVERGING, 0.65),
        blend(view.picture, view.saliency, saliency, style.DIVERGING, 0.7),
    ]
    titles = [t("mpl.evidence.input"), t("mpl.evidence.per_patch"), t("mpl.evidence.gradient")]
    bars = [
        ColourBar(relative, style.DIVERGING, t("mpl.evidence.patch_bar", logit=view.logit)),
        ColourBar(saliency, style.DIVERGING, t("mpl.evidence.gradient")),
    ]
    title = t("mpl.evidence.title", label=view.label, index=view.class_index, logit=view.logit)
    return panels_figure(panels, titles, title, bars)
