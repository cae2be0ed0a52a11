"""Compare: two models on the same image, token-mixing units of the same block side by side."""
from __future__ import annotations

import gradio as gr

from explorer.analysis.model_views import token_mixing
from explorer.app import presenters as show
from explorer.app.outputs import Picture
from explorer.app.views.base import Components, Controls, Session, View, analysis_of, described, load, shown, \
    teaching_text, weights_choices
from explorer.model import embedded
from explorer.render import plotly as plots
from explorer.render.galleries import token_mixing_gallery
from explorer.text.i18n import label, t
from explorer.text.teaching import weights_name

def lay_out(ui: Components) -> None:
    teaching_text("compare.text")
    with gr.Row(equal_height=True, elem_id="compare-controls"):  # set before a lecture, like a view's fields
        ui.model_b = gr.Dropdown(show.model_choices(), value=embedded.EMBEDDED_NAME, label=label("compare.model_b"),
                                 allow_custom_value=True, scale=3)
        ui.weights_b = gr.Radio(weights_choices(), value="random", label=label("compare.weights_b"), scale=2)
        ui.compare_button = gr.Button(label("compare.button"), scale=1)
    ui.compare_plot = gr.Plot(label=label("compare.plot"), show_label=False, elem_id="compare-plot")
    with gr.Row(elem_id="compare-sides"):
        with gr.Column():
            ui.gallery_a = Picture(format="png", interactive=False, label=label("compare.first"))
            ui.note_a = gr.Markdown()
            ui.labels_a = gr.Label(label=label("compare.first"))
        with gr.Column():
            ui.gallery_b = Picture(format="png", interactive=False, label=label("compare.second"))
            ui.note_b = gr.Markdown()
            ui.labels_b = gr.Label(label=label("compare.second"))


def gallery(side: show.CompareSide) -> dict:
    """One side's token-mixing gallery, described by its model, weights, block and smoothness."""
    units = token_mixing(side.loaded, side.block).maps.shape[0]
    alt = t("compare.alt", model=side.loaded.name, weights=weights_name(side.loaded.weights), block=side.block,
            units=units, smoothness=side.smoothness[side.block])
    return described(shown(token_mixing_gallery(side.loaded, side.block)[0]), alt)


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """Two models side by side: token-mixing units of the same block, smoothness per block, predictions."""
    second = load(c.model_b, c.weights_b)
    # the second model's analysis first, so that the session's current one stays the first model's
    b_analysis = None if c.image is None else analysis_of(c.image, second, s.session)
    a = show.compare_side(s.loaded, c.block, s.analysis)
    b = show.compare_side(second, c.block, b_analysis)
    return {ui.compare_plot: plots.comparison_plot([a.name, b.name], [a.smoothness, b.smoothness], large=c.present),
            ui.gallery_a: gallery(a), ui.note_a: a.note, ui.labels_a: a.labels,
            ui.gallery_b: gallery(b), ui.note_b: b.note, ui.labels_b: b.labels}


VIEW = View("compare", "compare.title", "compare.text", lay_out, draw, place="model", controls=("block",),
            link=("block",),
            outputs=("compare_plot", "gallery_a", "note_a", "labels_a", "gallery_b", "note_b", "labels_b"),
            charts=("#compare-plot",))
