"""Architecture: the model's sizes in the paper's notation, where its parameters and FLOPs are, its latency."""
from __future__ import annotations

import gradio as gr

from explorer.analysis.model_views import architecture_card
from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, teaching_text
from explorer.render import plotly as plots
from explorer.text.i18n import label

def lay_out(ui: Components) -> None:
    teaching_text("architecture.text")
    with gr.Row():
        with gr.Column(scale=2, elem_id="arch-text"):
            ui.arch = gr.Markdown()
            ui.latency_button = gr.Button(label("architecture.latency"))
            ui.latency = gr.Markdown()
        ui.arch_plot = gr.Plot(label=label("architecture.plot"), show_label=False, elem_id="arch-plot",
                               scale=3)


def draw(ui: Components, c: Controls, s: Session) -> dict:
    card = architecture_card(s.loaded)
    return {ui.arch: show.architecture_markdown(card, s.loaded),
            ui.arch_plot: plots.architecture_plot(card, large=c.present)}


VIEW = View("architecture", "architecture.title", "architecture.text", lay_out, draw, outputs=("arch", "arch_plot"),
            place="model",
            opened_from_map=True, charts=("#arch-plot",))
