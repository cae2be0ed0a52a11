"""Compare: two models on the same image, token-mixing units of the same block side by side."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.outputs import Picture
from explorer.app.views.base import Components, Controls, Session, View, analysis_of, load, shown, \
    teaching_text
from explorer.model import embedded
from explorer.model.loading import WEIGHTS_CHOICES
from explorer.render import plotly as plots
from explorer.render.galleries import token_mixing_gallery

TEXT = (
    "Two models on the same image: for example the embedded model against the same architecture with random weights"
    " (what training did to the token-mixing weights), or a Mixer against a ResMLP."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    with gr.Row(equal_height=True, elem_id="compare-controls"):  # set before a lecture, like a view's fields
        ui.model_b = gr.Dropdown(show.model_choices(), value=embedded.EMBEDDED_NAME, label="Second model",
                                 allow_custom_value=True, scale=3)
        ui.weights_b = gr.Radio(list(WEIGHTS_CHOICES), value="random", label="Second model's weights", scale=2)
        ui.compare_button = gr.Button("Compare", scale=1)
    ui.compare_plot = gr.Plot(label="Token-mixing smoothness per block", show_label=False, elem_id="compare-plot")
    with gr.Row(elem_id="compare-sides"):
        with gr.Column():
            ui.gallery_a = Picture(format="png", interactive=False, label="First model")
            ui.note_a = gr.Markdown()
            ui.labels_a = gr.Label(label="First model")
        with gr.Column():
            ui.gallery_b = Picture(format="png", interactive=False, label="Second model")
            ui.note_b = gr.Markdown()
            ui.labels_b = gr.Label(label="Second model")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """Two models side by side: token-mixing units of the same block, smoothness per block, predictions."""
    second = load(c.model_b, c.weights_b)
    # the second model's analysis first, so that the session's current one stays the first model's
    b_analysis = None if c.image is None else analysis_of(c.image, second, s.session)
    a = show.compare_side(s.loaded, c.block, s.analysis)
    b = show.compare_side(second, c.block, b_analysis)
    return {ui.compare_plot: plots.comparison_plot([a.name, b.name], [a.smoothness, b.smoothness], large=c.present),
            ui.gallery_a: shown(token_mixing_gallery(a.loaded, a.block)[0]), ui.note_a: a.note, ui.labels_a: a.labels,
            ui.gallery_b: shown(token_mixing_gallery(b.loaded, b.block)[0]), ui.note_b: b.note, ui.labels_b: b.labels}


VIEW = View("compare", "Compare", TEXT, lay_out, draw, place="model", controls=("block",), link=("block",),
            outputs=("compare_plot", "gallery_a", "note_a", "labels_a", "gallery_b", "note_b", "labels_b"),
            charts=("#compare-plot",))
