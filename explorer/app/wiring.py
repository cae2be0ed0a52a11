"""The app: the page's components (explorer.app.layout) wired to their handlers (explorer.app.handlers).

Endpoints for API clients, which are also the MCP server's four tools (at /gradio_api/mcp/ unless EXPLORER_MCP=0):
`/predict` (classify: image, model, weights, top_k), `/explain` (explain_image: image, model, weights),
`/token_mixing_weights` (model, weights, block) and `/list_models`. Every other event serves the page only.
"""
from __future__ import annotations

import functools

import gradio as gr

from explorer.analysis.analysis import MAX_BATCH
from explorer.app import answers
from explorer.app.handlers import App
from explorer.app.inputs import user_errors
from explorer.app.layout import STEP_KEYS, page
from explorer.app.page import KEEP_ADDRESS, TOGGLE_PRESENTATION
from explorer.app.presenters import weights_for
from explorer.app.server import on_gpu, queued
from explorer.app.views import CONTROLS, VIEW_OUTPUTS
from explorer.model.loading import default_model_name


def build(default_model: str | None = None) -> tuple[gr.Blocks, App]:
    """The page and its handlers (tests and benchmarks call the handlers directly)."""
    default_model = default_model or default_model_name()
    demo, ui = page(default_model)
    app = App(ui, default_model)
    with demo:
        wire(app, demo)
    return queued(answers.misses_on_bad_input(demo)), app


def build_app(default_model: str | None = None) -> gr.Blocks:
    """The app, ready for explorer.app.server.launch (or for Spaces, which serves app.py's `demo`)."""
    return build(default_model)[0]


def wire(app: App, demo: gr.Blocks) -> None:
    ui, private = app.ui, dict(api_visibility="private")
    inputs, outputs = [ui.view, *ui.named(CONTROLS)], [*ui.named(VIEW_OUTPUTS), ui.address]
    map_inputs = [ui.image, ui.model, ui.weights, ui.view, ui.block, ui.unit_kind]
    redraw = app.view_handler(None)
    predictions = [ui.image, ui.model, ui.weights, ui.top_k]
    image_inputs, image_outputs = [*predictions, ui.block], [ui.labels, ui.status, ui.banner, ui.block]

    # The public endpoints, which are also the MCP tools: /predict (classify), /explain (explain_image),
    # /token_mixing_weights and /list_models (weights-only views, kept per model: not queued, so an MCP client
    # gets the picture as an image). Forward passes of new images run up to MAX_BATCH at once, so that
    # concurrent ones share a batch (explorer.model.batching); an answer given before is served without queueing
    # (explorer.app.answers).
    forward = dict(concurrency_id="forward", concurrency_limit=MAX_BATCH)
    classify = answers.kept(on_gpu(user_errors(app.classify)), answers.predict_key)
    ui.button.click(classify, predictions, [ui.labels, ui.status], api_name="predict", **forward).then(
        redraw, inputs, outputs, **private)
    ui.export_button.click(on_gpu(user_errors(app.explain_image)), [ui.image, ui.model, ui.weights],
                           [ui.export_json, ui.export_gallery, ui.export_file], api_name="explain")
    ui.tool_button.click(user_errors(app.token_mixing_weights), [ui.model, ui.weights, ui.block],
                         [ui.tool_json, ui.tool_image], api_name="token_mixing_weights", queue=False)
    gr.api(app.list_models, api_name="list_models", queue=False)

    # A new image (upload, webcam, clipboard, an example, a deep link) or another model: the predictions, then
    # the open tab. (`input` and the examples' own event, not `change`, which Gradio fires twice per upload.)
    # The visitor's probe (Teach it), once learned, answers under the predictions on every image.
    model_changed = ui.model.input(weights_for, ui.model, ui.weights, **private)
    probe = dict(fn=on_gpu(user_errors(app.probe_noted)), inputs=[ui.lesson, ui.image, ui.model, ui.weights],
                 outputs=ui.probe_line, **private)
    image_changed = answers.kept(on_gpu(user_errors(app.image_changed)), answers.new_image_key)
    for event in (ui.image.input, ui.examples.load_input_event.then, model_changed.then, ui.weights.input):
        changed = event(image_changed, image_inputs, image_outputs, **private, **forward)
        changed.then(user_errors(app.map_drawn), map_inputs, ui.model_map, **private).then(
            redraw, inputs, outputs, **private)
        changed.then(**probe)

    # The model map is the page's navigation: a place opens its view (a block's places at that block); the open
    # view's place stays marked as tabs open by hand and the block moves. (No `.change` on the map: setting its
    # value may fire it.)
    mark = [ui.model_map, ui.block, ui.unit_kind]
    ui.model_map.click(app.place_opened, ui.model_map, [ui.tabs, ui.view, ui.block], **private).then(
        redraw, inputs, outputs, **private)
    ui.block.input(app.map_marked, [ui.view, *mark], ui.model_map, **private)
    # The address bar follows what is on screen (every view's draw sets the link), without a reload.
    ui.address.change(None, ui.address, None, js=KEEP_ADDRESS, **private)

    # Opening a tab draws that tab only.
    for name, tab in ui.tab.items():
        tab.select(app.view_handler(name), inputs, outputs, **private)
        tab.select(functools.partial(app.map_marked, name), mark, ui.model_map, **private)

    # A person changing a control of the open view redraws it (`input`, not `change`: a deep link sets many
    # controls at once and draws once). Number boxes redraw as typed (the latest value wins), not only on Enter.
    for name in ("block", "scale", "step", "snapshot", "present", "channel", "class_index", "patch", "unit_index",
                 "unit_kind"):
        ui[name].input(redraw, inputs, outputs, trigger_mode="always_last", **private)
    ui.present.change(None, ui.present, ui.present, js=TOGGLE_PRESENTATION, **private)

    # The token-mixing gallery's tiles and the activations' channel open units.
    ui.gallery.select(user_errors(app.unit_clicked), [ui.model, ui.weights, ui.block], [ui.unit, ui.unit_index],
                      **private)
    opened = [ui.unit_kind, ui.unit_index, ui.tabs, ui.view]
    for button, kind, index in ((ui.open_token, "token", ui.unit_index), (ui.open_channel, "channel", ui.channel)):
        button.click(user_errors(functools.partial(app.unit_page_from, kind)), index, opened, **private).then(
            app.view_handler("unit"), inputs, outputs, **private)
    feature_inputs = [ui.model, ui.weights, ui.block, ui.unit_kind, ui.unit_index]
    ui.unit_feature_button.click(user_errors(app.compute_feature), feature_inputs, ui.unit_page_image, **private).then(
        redraw, inputs, outputs, **private)
    ui.unit_stop.click(app.stop_feature, None, None, **private)
    ui.latency_button.click(user_errors(app.latency), [ui.model, ui.weights], ui.latency, **private)

    # The tour's and the unit page's buttons and the keyboard (hidden buttons) step the open view alike.
    steppers = [*((action, ui[f"key_{action}"]) for action in STEP_KEYS), ("previous", ui.tour_previous),
                ("next", ui.tour_next), ("previous", ui.unit_previous), ("next", ui.unit_next)]
    step_inputs = [ui.view, ui.step, ui.snapshot, ui.unit_index, ui.model, ui.weights, ui.block, ui.unit_kind]
    for action, button in steppers:
        button.click(user_errors(functools.partial(app.stepped, action)), step_inputs,
                     [ui.step, ui.snapshot, ui.unit_index], **private).then(redraw, inputs, outputs, **private)
    ui.compare_button.click(app.view_handler("compare"), inputs, outputs, **private)

    # Teach it: every change to the visitor's lesson (a gr.State of its session) redraws the view. Learn computes
    # the features with a progress bar over the summary; a bad image is named and left out, the others stay.
    teach, lesson = app.view_handler("teach"), [ui.lesson, ui.teach_class]
    changed = [ui.lesson, ui.teach_class]
    for event in (ui.teach_add.click(user_errors(app.taught), [*lesson, ui.image], changed, **private),
                  ui.teach_files.upload(user_errors(app.taught_files), [*lesson, ui.teach_files],
                                        [*changed, ui.teach_files], **private),
                  ui.teach_remove.click(user_errors(app.class_removed), lesson, changed, **private),
                  ui.teach_clear.click(app.lesson_cleared, ui.lesson, changed, **private),
                  ui.teach_learn.click(on_gpu(user_errors(app.learned)), [ui.lesson, ui.model, ui.weights],
                                       [ui.lesson, ui.teach_md], **private)):
        event.success(teach, inputs, outputs, **private).then(**probe)

    # A deep link sets the controls (an example becomes the image) and predicts. It draws its tab through the
    # tab's own `select`, which Gradio fires when the page opens on it (a second draw would race the first); the
    # predictions' note is drawn whichever tab it opens (the Predictions tab, open already, fires no `select`).
    link = [ui.model, ui.weights, ui.block, ui.unit_index, ui.unit_kind, ui.step, ui.tabs, ui.view, ui.present,
            ui.image, ui.link_note]
    demo.load(app.deep_link, None, link, **private).then(image_changed, image_inputs, image_outputs, **private).then(
        user_errors(app.map_drawn), map_inputs, ui.model_map, **private).then(
        on_gpu(user_errors(app.predictions_note)), [ui.image, ui.model, ui.weights], ui.predict_note, **private).then(
        app.addressed, inputs, ui.address, **private)
