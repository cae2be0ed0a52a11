"""Evidence: each patch's share of a class logit (exact, as the head averages patches), and input × gradient."""
from __future__ import annotations

import gradio as gr

from explorer.analysis import evidence
from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, no_image, teaching_text
from explorer.render import plotly as plots
from explorer.text.i18n import label


def lay_out(ui: Components) -> None:
    teaching_text("evidence.text")
    ui.class_index = gr.Number(-1, label=label("evidence.class_index"), precision=0, elem_classes=["view-controls"])
    ui.evidence = gr.Plot(label=label("evidence.plot"), show_label=False, elem_id="evidence")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.evidence: plots.empty_plot(no_image(), large=c.present)}
    return {ui.evidence: plots.evidence_plot(evidence.view(s.analysis, show.optional_index(c.class_index)),
                                              large=c.present)}


VIEW = View("evidence", "evidence.title", "evidence.text", lay_out, draw, outputs=("evidence",), place="pool",
            opened_from_map=True, controls=("class_index",), charts=("#evidence",))
