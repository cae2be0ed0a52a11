"""Architecture: the model's sizes in the paper's notation, where its parameters and FLOPs are, its latency."""
from __future__ import annotations

import gradio as gr

from explorer.analysis.model_views import architecture_card
from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, teaching_text
from explorer.render import plotly as plots

TEXT = (
    "The sizes in the paper's notation: S tokens (patches), C channels, D_S and D_C the widths of the token and "
    "channel MLPs. FLOPs are counted by PyTorch on one forward pass (a multiply-add counts as two); the chart shows"
    " where the parameters and the FLOPs are. Latency is measured when you press the button."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    with gr.Row():
        with gr.Column(scale=2, elem_id="arch-text"):
            ui.arch = gr.Markdown()
            ui.latency_button = gr.Button("Measure latency here")
            ui.latency = gr.Markdown()
        ui.arch_plot = gr.Plot(label="Where the parameters and FLOPs are", show_label=False, elem_id="arch-plot",
                               scale=3)


def draw(ui: Components, c: Controls, s: Session) -> dict:
    card = architecture_card(s.loaded)
    return {ui.arch: show.architecture_markdown(card, s.loaded),
            ui.arch_plot: plots.architecture_plot(card, large=c.present)}


VIEW = View("architecture", "Architecture", TEXT, lay_out, draw, outputs=("arch", "arch_plot"), place="model",
            opened_from_map=True, charts=("#arch-plot",))
