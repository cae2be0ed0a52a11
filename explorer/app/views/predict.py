"""Predictions: the top-k stays beside the image (explorer.app.layout); this tab says what this model knows."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, teaching_text

TEXT = (
    "The model's top classes for your image. An MLP-Mixer cuts the image into patches, embeds each patch with one "
    "shared linear map, then alternates token mixing (an MLP across patches) and channel mixing (an MLP across "
    "features) before averaging over patches and classifying."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    ui.predict_note = gr.Markdown(elem_id="predict-note")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """The predictions themselves are drawn on every new image; here, what this model knows beside them."""
    return {ui.predict_note: show.predictions_note(s.analysis)}


VIEW = View("predict", "Predictions", TEXT, lay_out, draw, outputs=("predict_note",), place="head",
            opened_from_map=True)
