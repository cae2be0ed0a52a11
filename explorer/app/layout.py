"""The page's components, made inside a gr.Blocks and found by name (`ui.labels`).

The image, its answer and the pickers in a column on the left; the model map, then one tab per view (each laid
out by its own module, explorer.app.views), on the right.
"""
from __future__ import annotations

import gradio as gr

from explorer.analysis.teach import Lesson, forget
from explorer.app.inputs import ImageInput, ModelInput
from explorer.app.links import MAX_BLOCK
from explorer.app.model_map_view import model_map_component
from explorer.app.outputs import Picture
from explorer.app.presenters import MAX_TOP_K, model_choices, weights_for
from explorer.app.server import FILE_LIFETIME_S
from explorer.app.views import VIEWS, Components
from explorer.app.views.base import weights_choices
from explorer.model.embedded import EXAMPLES
from explorer.text.i18n import label

LESSON_LIFETIME_S = 3600  # a visitor's "Teach it" classes live an hour after their last change
INTRO = "layout.intro"  # "# MLP-Mixer Explorer\nSee inside an **MLP-Mixer** ...": the page's heading and summary


# ---------------------------------------------------------------------------------------------- the page


def side(ui: Components, default_model: str) -> None:
    """The image with its answer (the top-k) under it, the examples, then the model, its weights, top-k and the
    block, the run button and presentation mode: one column beside the views, always on screen."""
    with gr.Row(elem_id="header"):
        with gr.Column(min_width=96, elem_id="image-col"):
            ui.image = ImageInput(label=label("layout.image"), type="filepath",
                                  sources=["upload", "webcam", "clipboard"], height=220, elem_id="image")
            ui.labels = gr.Label(label=label("layout.predictions"), elem_id="labels")
            # the answer said to screen readers (page access.js makes it a polite live region), seen by nobody
            ui.announce = gr.Markdown(elem_id="announce", elem_classes=["sr-only"])
            ui.probe_line = gr.Markdown(elem_id="probe-line")  # the visitor's probe, once it learned (Teach it)
            with gr.Column(elem_id="examples"):
                ui.examples = gr.Examples(list(map(str, EXAMPLES.values())), inputs=[ui.image], examples_per_page=12,
                                          label=label("layout.examples"))
        with gr.Column(elem_id="controls-col"):
            ui.model = ModelInput(model_choices(), value=default_model, label=label("layout.model"),
                                  allow_custom_value=True, elem_id="model")
            ui.weights = gr.Radio(weights_choices(), value=weights_for(default_model), label=label("layout.weights"),
                                  elem_id="weights")
            with gr.Row():
                ui.top_k = gr.Slider(1, MAX_TOP_K, value=5, step=1, label=label("layout.top_k"), elem_id="top-k")
                ui.block = gr.Slider(0, MAX_BLOCK, value=0, step=1, label=label("layout.block"), elem_id="block")
            with gr.Row(elem_id="run-row"):
                ui.button = gr.Button(label("layout.run"), variant="primary", elem_id="run", scale=3)
                ui.present = gr.Checkbox(False, label=label("layout.present"), elem_id="present", scale=1)
            ui.status = gr.Markdown(elem_id="status")


def page(default_model: str) -> tuple[gr.Blocks, Components]:
    """The Blocks with every component (no events yet: explorer.app.wiring adds them): the image and its answer on
    the left, the model map on top of the views on the right (a phone: one above the other)."""
    ui = Components()
    with gr.Blocks(title="MLP-Mixer Explorer", delete_cache=(FILE_LIFETIME_S, FILE_LIFETIME_S)) as demo:
        ui.view = gr.State(VIEWS[0].id)  # the open tab: what a new image or model redraws
        ui.linked = gr.State(False)  # whether this page's deep link was read (on its first event)
        # "Teach it": this visitor's classes, nobody else's; gone (with their features) when the page closes or an
        # hour after the last change
        ui.lesson = gr.State(Lesson(), time_to_live=LESSON_LIFETIME_S, delete_callback=forget)
        gr.Markdown(label(INTRO), elem_id="intro")
        ui.banner = gr.Markdown(elem_id="banner", visible=False)  # the embedded model standing in for an ImageNet one
        ui.link_note = gr.Markdown(elem_id="link-note")
        ui.address = gr.Textbox(elem_id="address", elem_classes=["offscreen"], container=False)  # the deep link shown
        with gr.Row(elem_id="page"):
            with gr.Column(scale=1, min_width=300, elem_id="side"):
                side(ui, default_model)
            with gr.Column(scale=3, elem_id="main"):
                ui.model_map = model_map_component(None, elem_id="model-map-box")
                with gr.Row(elem_classes=["offscreen"]):  # pressed by the keyboard (page.js, by id)
                    ui.key_previous = gr.Button(label("layout.key_previous"), elem_id="key-previous")
                    ui.key_next = gr.Button(label("layout.key_next"), elem_id="key-next")
                    ui.key_first = gr.Button(label("layout.key_first"), elem_id="key-first")
                    ui.key_last = gr.Button(label("layout.key_last"), elem_id="key-last")
                with gr.Tabs(selected=VIEWS[0].id, overflow_behavior="wrap", elem_id="views") as tabs:
                    ui.tabs = tabs
                    for view in VIEWS:
                        with gr.Tab(label(view.title), id=view.id) as tab:
                            ui.tab[view.id] = tab
                            view.lay_out(ui)
        with gr.Row(visible=False):  # the token_mixing_weights and shift tools' inputs and outputs (programs only)
            ui.tool_json, ui.tool_image = gr.JSON(), Picture(format="png", type="numpy")
            ui.tool_button = gr.Button()
            ui.tool_corruptions, ui.tool_severities = gr.Textbox(), gr.Textbox()
            ui.tool_seed = gr.Number(0, precision=0)
            ui.shift_button = gr.Button()
    return demo, ui
