"""A unit's page: its weights, its feature visualisation, its top dataset examples and where it fires on the image."""
from __future__ import annotations

import functools

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, drawn, image_figure, load, shown, \
    teaching_text
from explorer.render.mpl import unit_page_figure
from explorer.units.address import KINDS

UNIT_PAGE_TEXT_SCALE = 1.6  # a unit's page has five panels and long titles: larger would crowd them
TEXT = (
    "What does one unit respond to? Pick a block (the Block slider), a kind and a unit, or open a page from a "
    "token-mixing tile or from a channel in Activations. The page shows the unit's own weights, an image optimised "
    "to excite it (its feature visualisation), the reference images on which it is highest, and where it fires on "
    "your image. ←/→ step through the units."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    with gr.Row(elem_id="unit-nav", equal_height=True):
        ui.unit_previous = gr.Button("← Previous unit", scale=1)
        ui.unit_kind = gr.Radio(list(KINDS), value="channel", scale=2, elem_id="unit-kind",
                                label="Kind: a channel of the block's output, or a token-mixing unit")
        ui.unit_index = gr.Number(-1, label="Unit (the block is the Block slider above)", precision=0, scale=1,
                                  elem_id="unit-index")
        ui.unit_next = gr.Button("Next unit →", scale=1)
    ui.unit_md = gr.Markdown(elem_id="unit-text")
    with gr.Row():
        ui.unit_feature_button = gr.Button("Compute the feature visualisation", visible=False, variant="primary",
                                           elem_id="unit-feature")
        ui.unit_stop = gr.Button("Stop", visible=False, elem_id="unit-stop")
    ui.unit_page_image = image_figure("Unit page", "unit-page")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """A unit's page: its weights, its feature visualisation (shipped, made before, or on request), its top
    dataset examples, and where it fires on the current image."""
    unit = show.unit_of(s.loaded, c.block, c.unit_kind, c.unit_index)
    page = show.page_of(s.loaded, unit, c.image, s.analysis)
    missing = page.feature is None
    figure = functools.partial(unit_page_figure, slide=c.present)  # a slide: one row across the screen
    return {ui.unit_md: show.unit_text(s.loaded, page, with_image=s.analysis is not None),
            ui.unit_page_image: shown(drawn(figure, page, large=c.present, scale=UNIT_PAGE_TEXT_SCALE)),
            ui.unit_feature_button: gr.Button(visible=missing), ui.unit_stop: gr.Button(visible=missing)}


def stepped(ui: Components, action: show.Step, c: Controls) -> dict:
    loaded = load(c.model, c.weights)
    return {ui.unit_index: show.unit_stepped(action, loaded, show.unit_of(loaded, c.block, c.unit_kind, c.unit_index))}


def place(kind: str | None) -> str:
    """A unit's page is marked at its kind's mixing, at its block."""
    return "token-mixing" if kind == "token" else "channel-mixing"


VIEW = View("unit", "Unit", TEXT, lay_out, draw, place=place, controls=("block", "unit_index", "unit_kind"),
            outputs=("unit_md", "unit_page_image", "unit_feature_button", "unit_stop"),
            link=("block", "unit", "kind"), figures=("#unit-page",), stepped=stepped)
