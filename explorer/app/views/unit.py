"""A unit's page: its weights, its feature visualisation, its top dataset examples and where it fires on the image."""
from __future__ import annotations

import functools

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, described, drawn, image_figure, load, \
    shown, teaching_text
from explorer.model.loading import LoadedModel
from explorer.render.mpl import unit_page_figure
from explorer.text.i18n import label, t
from explorer.units.address import KINDS
from explorer.units.page import UnitPage

UNIT_PAGE_TEXT_SCALE = 1.6  # a unit's page has five panels and long titles: larger would crowd them
KIND_NAMES = {"channel": "unit.kind.channel", "token": "unit.kind.token"}  # the kind radio's labels (KINDS)


def lay_out(ui: Components) -> None:
    teaching_text("unit.text")
    with gr.Row(elem_id="unit-nav", equal_height=True):
        ui.unit_previous = gr.Button(label("unit.previous"), scale=1)
        ui.unit_kind = gr.Radio([(label(KIND_NAMES[kind]), kind) for kind in KINDS], value="channel", scale=2,
                                elem_id="unit-kind", label=label("unit.kind"))
        ui.unit_index = gr.Number(-1, label=label("unit.index"), precision=0, scale=1, elem_id="unit-index")
        ui.unit_next = gr.Button(label("unit.next"), scale=1)
    ui.unit_md = gr.Markdown(elem_id="unit-text")
    with gr.Row():
        ui.unit_feature_button = gr.Button(label("unit.feature"), visible=False, variant="primary",
                                           elem_id="unit-feature")
        ui.unit_stop = gr.Button(label("unit.stop"), visible=False, elem_id="unit-stop")
    ui.unit_page_image = image_figure("unit.image", "unit-page")


def alt_text(loaded: LoadedModel, page: UnitPage) -> str:
    """The page in words: which unit of which model, its top reference images, and where it is highest on the
    image (a channel: at which patch; a token-mixing unit: on which channel)."""
    unit = page.unit
    where = ""
    if page.on_image is not None:
        peak = int(page.on_image.argmax())  # a channel's (grid_h, grid_w) map row-major; a token unit's (channels,)
        where = t("unit.alt.on_image.channel" if unit.kind == "channel" else "unit.alt.on_image.token", at=peak,
                  value=float(page.on_image.flat[peak]))
    key = "unit.alt.channel" if unit.kind == "channel" else "unit.alt.token"
    top = float(page.examples.activations[0]) if len(page.examples.activations) else float("nan")
    return t(key, model=loaded.name, block=unit.block, index=unit.index, count=len(page.examples.activations),
             top=top, where=where)


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """A unit's page: its weights, its feature visualisation (shipped, made before, or on request), its top
    dataset examples, and where it fires on the current image."""
    unit = show.unit_of(s.loaded, c.block, c.unit_kind, c.unit_index)
    page = show.page_of(s.loaded, unit, c.image, s.analysis)
    missing = page.feature is None
    figure = functools.partial(unit_page_figure, slide=c.present)  # a slide: one row across the screen
    return {ui.unit_md: show.unit_text(s.loaded, page, with_image=s.analysis is not None),
            ui.unit_page_image: described(shown(drawn(figure, page, large=c.present, scale=UNIT_PAGE_TEXT_SCALE)),
                                          alt_text(s.loaded, page)),
            ui.unit_feature_button: gr.Button(visible=missing), ui.unit_stop: gr.Button(visible=missing)}


def stepped(ui: Components, action: show.Step, c: Controls) -> dict:
    loaded = load(c.model, c.weights)
    return {ui.unit_index: show.unit_stepped(action, loaded, show.unit_of(loaded, c.block, c.unit_kind, c.unit_index))}


def place(kind: str | None) -> str:
    """A unit's page is marked at its kind's mixing, at its block."""
    return "token-mixing" if kind == "token" else "channel-mixing"


VIEW = View("unit", "unit.title", "unit.text", lay_out, draw, place=place,
            controls=("block", "unit_index", "unit_kind"),
            outputs=("unit_md", "unit_page_image", "unit_feature_button", "unit_stop"),
            link=("block", "unit", "kind"), figures=("#unit-page",), stepped=stepped)
