"""The guided tour: one Mixer layer walked on the visitor's image, step by step, with the model's real shapes."""
from __future__ import annotations

import functools

import gradio as gr

from explorer.analysis.analysis import Analysis
from explorer.analysis.tour import STEP_TITLES
from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, described, drawn, image_figure, shown
from explorer.render import mpl as figures
from explorer.text.i18n import label, t

PROMPT = "tour.prompt"  # the tour walks one Mixer layer ...: upload an image or pick an example above to start


def lay_out(ui: Components) -> None:
    with gr.Row(elem_id="tour-nav", equal_height=True):
        ui.tour_previous = gr.Button(label("tour.previous"), scale=1)
        ui.step = gr.Slider(1, len(STEP_TITLES), value=1, step=1, label=label("tour.step"), scale=4, elem_id="step")
        ui.tour_next = gr.Button(label("tour.next"), scale=1, elem_id="next")
    with gr.Row(elem_id="tour-slide"):  # the step's words beside its figure (a wide one on a slide: under it)
        ui.tour_text = gr.Markdown(label(PROMPT), elem_id="tour-text")
        ui.tour_image = image_figure("tour.step_picture", "tour-image", scale=2, min_width=320)  # a phone: below


def alt_text(analysis: Analysis, step: float | None) -> str:
    """The step's picture in words: which step, on which model, and the image's top-1 with its probability."""
    k = min(max(int(step or 1), 1), len(STEP_TITLES))  # as the slider and ?step= count, clamped (show.tour_step)
    top = analysis.top_k(1)[0]
    return t("tour.alt", step=k, steps=len(STEP_TITLES), model=analysis.loaded.name, label=top.label,
             p=top.probability)


def draw(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.tour_text: t(PROMPT), ui.tour_image: None}
    text, step = show.tour_step(s.analysis, c.step)
    figure = functools.partial(figures.tour_figure, slide=c.present)  # a slide: wide figures span the screen
    return {ui.tour_text: text,
            ui.tour_image: described(shown(drawn(figure, step, large=c.present)), alt_text(s.analysis, c.step))}


def stepped(ui: Components, action: show.Step, c: Controls) -> dict:
    return {ui.step: show.tour_stepped(action, c.step)}


VIEW = View("tour", "tour.title", "", lay_out, draw, outputs=("tour_text", "tour_image"), place="input",
            opened_from_map=True, controls=("step",), link=("step",), figures=("#tour-image",), stepped=stepped)
