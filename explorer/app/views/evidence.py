"""Evidence: each patch's share of a class logit (exact, as the head averages patches), and input × gradient."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import NO_IMAGE, Components, Controls, Session, View, teaching_text
from explorer.render import plotly as plots

TEXT = (
    "The head averages the final patch features and applies one linear map, so a class logit is exactly the mean of"
    " per-patch logits. The map colours each patch by how much more (red) or less (blue) it argues for the class "
    "than the average patch does; hover for its own logit. Beside it, input × gradient: each pixel's value times "
    "the logit's sensitivity to it, summed over colours."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    ui.class_index = gr.Number(-1, label="Class index (-1: the predicted class)", precision=0,
                               elem_classes=["view-controls"])
    ui.evidence = gr.Plot(label="Per-patch class evidence and saliency", show_label=False, elem_id="evidence")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.evidence: plots.empty_plot(NO_IMAGE, large=c.present)}
    return {ui.evidence: plots.evidence_plot(s.analysis.evidence(show.optional_index(c.class_index)), large=c.present)}


VIEW = View("evidence", "Evidence", TEXT, lay_out, draw, outputs=("evidence",), place="pool", opened_from_map=True,
            controls=("class_index",), charts=("#evidence",))
