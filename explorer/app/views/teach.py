"""Teach it: the visitor's own classes, learned from the frozen pooled features by a linear probe."""
from __future__ import annotations

import gradio as gr

from explorer.analysis.teach import Lesson
from explorer.app.lessons import teach_screen
from explorer.app.outputs import Pictures
from explorer.app.views.base import Components, Controls, Session, View, teaching_text
from explorer.render import plotly as plots

TEXT = (
    "Teach the model classes of your own, from its frozen features alone: the paper's few-shot linear probe. Name "
    "2–10 classes and add 1–20 images to each (the current image — on the left, above on a phone: an upload, the "
    "webcam, a paste or an example; or several files at once), then press Learn: a ridge regression from the pooled"
    " features the head reads to your classes, its strength picked by leave-one-out. Every image you then look at "
    "gets the probe's answer beside the model's own (its bars: the probe's score per class, +1 for \"this class\" and"
    " −1 for \"not\", drawn as 100% to 0%). Your classes are yours alone, and go when you close the page (or after an"
    " hour)."
)
EMPTY = ("Name two classes, add images to each and press Learn: your classes appear here, laid out by the probe's "
         "two leading directions.")


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    with gr.Row(elem_id="teach-nav", equal_height=True):
        ui.teach_class = gr.Dropdown([], value=None, label="Class (type a new name, or pick one)",
                                     allow_custom_value=True, scale=2, elem_id="teach-class")
        ui.teach_add = gr.Button("Add the current image", scale=1, elem_id="teach-add")
        ui.teach_learn = gr.Button("Learn", variant="primary", scale=1, elem_id="teach-learn")
    with gr.Row(elem_classes=["view-controls"], equal_height=True):
        ui.teach_files = gr.File(file_count="multiple", file_types=["image"], height=130, scale=3,
                                 label="…or drop several images into this class", elem_id="teach-files")
        with gr.Column(scale=1, min_width=160):
            ui.teach_remove = gr.Button("Remove this class", size="sm", elem_id="teach-remove")
            ui.teach_clear = gr.Button("Start over", size="sm", elem_id="teach-clear")
    ui.teach_md = gr.Markdown(elem_id="teach-summary")
    with gr.Row():  # the two answers beside the chart of the training images
        with gr.Column(scale=1, min_width=220):
            ui.teach_answer = gr.Label(label="Your probe's answer", num_top_classes=3, elem_id="teach-answer")
            ui.teach_model = gr.Label(label="The model's own answer", num_top_classes=3, elem_id="teach-model")
        ui.teach_plot = gr.Plot(label="Your classes", show_label=False, elem_id="teach-plot", scale=2)
    ui.teach_gallery = Pictures(label="Your classes' images", columns=10, fit_columns=False, height="auto",
                                object_fit="cover", allow_preview=False, elem_id="teach-gallery")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """The visitor's lesson, and once learned the probe's answer on the image beside the model's own."""
    lesson = c.lesson or Lesson()
    screen = teach_screen(lesson, s.loaded, s.analysis)
    plot = (plots.probe_plot(screen.learned, screen.answer, large=c.present) if screen.learned is not None else
            plots.empty_plot(EMPTY, large=c.present))
    return {ui.teach_md: screen.summary, ui.teach_answer: screen.probe_scores, ui.teach_model: screen.model_scores,
            ui.teach_plot: plot, ui.teach_gallery: screen.gallery or None,
            ui.teach_class: gr.Dropdown(choices=lesson.names)}


VIEW = View("teach", "Teach it", TEXT, lay_out, draw, place="teach", opened_from_map=True, charts=("#teach-plot",),
            outputs=("teach_md", "teach_answer", "teach_model", "teach_plot", "teach_gallery", "teach_class"))
