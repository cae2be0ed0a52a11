"""The app: the page's components (explorer.app.layout) wired to their handlers (explorer.app.handlers).

Endpoints for API clients, which are also the MCP server's five tools (at /gradio_api/mcp/ unless EXPLORER_MCP=0):
`/predict` (classify: image, model, weights, top_k), `/explain` (explain_image: image, model, weights),
`/token_mixing_weights` (model, weights, block), `/shift` (shift_report: image, model, weights, corruptions,
severities, seed) and `/list_models`. Every other event serves the page only.
"""
from __future__ import annotations

import functools

import gradio as gr

from explorer.analysis.analysis import MAX_BATCH
from explorer.app import answers
from explorer.app.gradio_compat import example_loaded
from explorer.app.handlers import App
from explorer.app.inputs import user_errors
from explorer.app.layout import page
from explorer.app.page import KEEP_ADDRESS, TOGGLE_PRESENTATION
from explorer.app.server import on_gpu, queued
from explorer.app.views import REDRAWING_CONTROLS, VIEW_OUTPUTS
from explorer.app.views.base import CONTROLS
from explorer.model.loading import default_model_name

LINKED = ("model", "weights", "step", "unit_index", "unit_kind", "image", "present")  # what a deep link may set


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
    controls = [ui.view, *ui.named(CONTROLS)]  # what every view's draw reads (explorer.app.views.Controls)
    drawn = [*ui.named(VIEW_OUTPUTS), ui.address, ui.model_map]  # a view's components, its address, the map's mark
    screen = [ui.labels, ui.announce, ui.status, ui.banner, ui.block, ui.probe_line, *drawn]  # a new image's changes
    view_inputs = [ui.view, ui.model_map, *ui.named(CONTROLS)]  # and the map's value, whose mark a draw moves
    view_drawn = dict(fn=app.view_handler(None), inputs=view_inputs, outputs=drawn, **private)
    predictions = [ui.image, ui.model, ui.weights, ui.top_k]

    # The public endpoints, which are also the MCP tools: /predict (classify), /explain (explain_image),
    # /token_mixing_weights and /list_models (weights-only views, kept per model: not queued, so an MCP client
    # gets the picture as an image). Forward passes of new images run up to MAX_BATCH at once, so that
    # concurrent ones share a batch (explorer.model.batching); an answer given before is served without queueing
    # (explorer.app.answers).
    forward = dict(concurrency_id="forward", concurrency_limit=MAX_BATCH)
    classify = answers.kept(on_gpu(user_errors(app.classify)), answers.predict_key)
    ui.button.click(classify, predictions, [ui.labels, ui.status], api_name="predict", **forward).then(**view_drawn)
    ui.export_button.click(on_gpu(user_errors(app.explain_image)), [ui.image, ui.model, ui.weights],
                           [ui.export_json, ui.export_gallery, ui.export_file], api_name="explain")
    ui.tool_button.click(user_errors(app.token_mixing_weights), [ui.model, ui.weights, ui.block],
                         [ui.tool_json, ui.tool_image], api_name="token_mixing_weights", queue=False)
    gr.api(app.list_models, api_name="list_models", queue=False)
    ui.shift_button.click(on_gpu(user_errors(app.shift_report)), [ui.image, ui.model, ui.weights, ui.tool_corruptions,
                                                                   ui.tool_severities, ui.tool_seed], ui.tool_json,
                          api_name="shift", **forward)

    # A new image (upload, webcam, clipboard, an example) or another model or weights: one event, which answers
    # with the predictions, the map and the open view together. (`input` and the examples' own event, not
    # `change`, which Gradio fires twice per upload; the example's own event is not queued.)
    image_changed = answers.kept(on_gpu(user_errors(app.image_changed)), answers.screen_key)
    for event in (ui.image.input, example_loaded(ui.examples).then, ui.weights.input):
        event(image_changed, controls, screen, **private, **forward)
    model_changed = answers.kept(on_gpu(user_errors(app.model_changed)), answers.screen_key)
    ui.model.input(model_changed, controls, [*screen, ui.weights], **private, **forward)

    # The model map is the page's navigation: a place opens its view (a block's places at that block), which its
    # tab's `select` draws; the open view's place stays marked as tabs open by hand and the block moves. (No
    # `.change` on the map: setting its value may fire it.)
    ui.model_map.click(app.place_opened, ui.model_map, [ui.tabs, ui.view, ui.block], **private)
    # The address bar follows what is on screen (every view's draw sets the link), without a reload.
    ui.address.change(None, ui.address, None, js=KEEP_ADDRESS, **private)

    # Opening a tab draws that tab only, and marks its place on the map. The first tab's `select`, which Gradio
    # fires as the page opens, reads the page's deep link first: it sets the controls (an example becomes the
    # image) and answers with the screen, in one event; a view other than the first is then drawn by its own
    # tab's `select` as the page switches to it (at most two events for a link).
    first, *others = ui.tab.items()
    first[1].select(on_gpu(user_errors(app.first_tab_opened)), [ui.linked, *view_inputs],
                    [*screen, *ui.named(LINKED), ui.tabs, ui.link_note, ui.linked], **private)
    for name, tab in others:
        tab.select(app.view_handler(name), view_inputs, drawn, **private)

    # A person changing a control of the open view redraws it (`input`, not `change`: a deep link sets many
    # controls at once and draws once). Number boxes redraw as typed (the latest value wins), not only on Enter.
    for name in REDRAWING_CONTROLS:
        ui[name].input(trigger_mode="always_last", **view_drawn)
    ui.present.change(None, ui.present, ui.present, js=TOGGLE_PRESENTATION, **private)

    # The token-mixing gallery's tiles and the activations' channel open units.
    ui.gallery.select(user_errors(app.unit_clicked), [ui.model, ui.weights, ui.block], [ui.unit, ui.unit_index],
                      **private)
    opened = [ui.unit_kind, ui.unit_index, ui.tabs, ui.view]
    for button, kind, index in ((ui.open_token, "token", ui.unit_index), (ui.open_channel, "channel", ui.channel)):
        button.click(user_errors(functools.partial(app.unit_page_from, kind)), index, opened, **private)
    feature_inputs = [ui.model, ui.weights, ui.block, ui.unit_kind, ui.unit_index]
    ui.unit_feature_button.click(user_errors(app.compute_feature), feature_inputs, ui.unit_page_image, **private).then(
        **view_drawn)
    ui.unit_stop.click(app.stop_feature, None, None, **private)
    ui.latency_button.click(user_errors(app.latency), [ui.model, ui.weights], ui.latency, **private)

    # The tour's and the unit page's buttons and the keyboard (hidden buttons) step the open view alike.
    steppers = [("previous", ui.key_previous), ("next", ui.key_next), ("first", ui.key_first), ("last", ui.key_last),
                ("previous", ui.tour_previous), ("next", ui.tour_next), ("previous", ui.unit_previous),
                ("next", ui.unit_next)]
    for action, button in steppers:
        button.click(user_errors(functools.partial(app.stepped, action)), controls,
                     [ui.step, ui.snapshot, ui.unit_index], **private).then(**view_drawn)
    ui.compare_button.click(**view_drawn)

    # Teach it: every change to the visitor's lesson (a gr.State of its session) redraws the view. Learn computes
    # the features with a progress bar over the summary; a bad image is named and left out, the others stay.
    probe = dict(fn=on_gpu(user_errors(app.probe_noted)), inputs=[ui.lesson, ui.image, ui.model, ui.weights],
                 outputs=ui.probe_line, **private)
    lesson, changed = [ui.lesson, ui.teach_class], [ui.lesson, ui.teach_class]
    for event in (ui.teach_add.click(user_errors(app.taught), [*lesson, ui.image], changed, **private),
                  ui.teach_files.upload(user_errors(app.taught_files), [*lesson, ui.teach_files],
                                        [*changed, ui.teach_files], **private),
                  ui.teach_remove.click(user_errors(app.class_removed), lesson, changed, **private),
                  ui.teach_clear.click(app.lesson_cleared, ui.lesson, changed, **private),
                  ui.teach_learn.click(on_gpu(user_errors(app.learned)), [ui.lesson, ui.model, ui.weights],
                                       [ui.lesson, ui.teach_md], **private)):
        event.success(**view_drawn).then(**probe)
