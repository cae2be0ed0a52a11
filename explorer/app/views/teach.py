"""Teach it: the visitor's own classes, learned from the frozen pooled features by a linear probe."""
from __future__ import annotations

import gradio as gr

from explorer.analysis.teach import Lesson
from explorer.app.lessons import teach_screen
from explorer.app.outputs import Pictures
from explorer.app.views.base import Components, Controls, Session, SubPlace, View, teaching_text
from explorer.render import plotly as plots
from explorer.text.i18n import label, t

def lay_out(ui: Components) -> None:
    teaching_text("teach.text")
    with gr.Row(elem_id="teach-nav", equal_height=True):
        ui.teach_class = gr.Dropdown([], value=None, label=label("teach.class"),
                                     allow_custom_value=True, scale=2, elem_id="teach-class")
        ui.teach_add = gr.Button(label("teach.add"), scale=1, elem_id="teach-add")
        ui.teach_learn = gr.Button(label("teach.learn"), variant="primary", scale=1, elem_id="teach-learn")
    with gr.Row(elem_classes=["view-controls"], equal_height=True):
        ui.teach_files = gr.File(file_count="multiple", file_types=["image"], height=130, scale=3,
                                 label=label("teach.files"), elem_id="teach-files")
        with gr.Column(scale=1, min_width=160):
            ui.teach_remove = gr.Button(label("teach.remove"), size="sm", elem_id="teach-remove")
            ui.teach_clear = gr.Button(label("teach.clear"), size="sm", elem_id="teach-clear")
    ui.teach_md = gr.Markdown(elem_id="teach-summary")
    with gr.Row():  # the two answers beside the chart of the training images
        with gr.Column(scale=1, min_width=220):
            ui.teach_answer = gr.Label(label=label("teach.answer"), num_top_classes=3, elem_id="teach-answer")
            ui.teach_model = gr.Label(label=label("teach.model"), num_top_classes=3, elem_id="teach-model")
        ui.teach_plot = gr.Plot(label=label("teach.plot"), show_label=False, elem_id="teach-plot", scale=2)
    ui.teach_gallery = Pictures(label=label("teach.gallery"), columns=10, fit_columns=False, height="auto",
                                object_fit="cover", allow_preview=False, elem_id="teach-gallery")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """The visitor's lesson, and once learned the probe's answer on the image beside the model's own."""
    lesson = c.lesson or Lesson()
    screen = teach_screen(lesson, s.loaded, s.analysis)
    plot = (plots.probe_plot(screen.learned, screen.answer, large=c.present) if screen.learned is not None else
            plots.empty_plot(t("teach.empty"), large=c.present))
    return {ui.teach_md: screen.summary, ui.teach_answer: screen.probe_scores, ui.teach_model: screen.model_scores,
            ui.teach_plot: plot, ui.teach_gallery: screen.gallery or None,
            ui.teach_class: gr.Dropdown(choices=lesson.names)}


VIEW = View("teach", "teach.title", "teach.text", lay_out, draw, place="teach", opened_from_map=True,
            sub_place=SubPlace(under="head", label="map.teach", tip="map.teach_tip"),
            charts=("#teach-plot",),
            outputs=("teach_md", "teach_answer", "teach_model", "teach_plot", "teach_gallery", "teach_class"))
