"""Predictions: the top-k stays beside the image (explorer.app.layout); this tab says what this model knows."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, teaching_text

def lay_out(ui: Components) -> None:
    teaching_text("predict.text")
    ui.predict_note = gr.Markdown(elem_id="predict-note")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """The predictions themselves are drawn on every new image; here, what this model knows beside them."""
    return {ui.predict_note: show.predictions_note(s.analysis)}


VIEW = View("predict", "predict.title", "predict.text", lay_out, draw, outputs=("predict_note",), place="head",
            opened_from_map=True)
