"""The app's event handlers: each turns component values into a call of explorer.app.presenters (or of a view's
draw, explorer.app.views) and its result into component values. Nothing is computed here.

An image is analysed once (one forward pass, explorer.analysis.analysis.Analysis) when it arrives, and only as
far as the answer needs: /predict reads the predictions off that pass; a new image's screen (the predictions,
the map, the open view) is one event drawn from the same analysis, and a tab's view is computed when opened.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any, Callable

import gradio as gr

from explorer import memo
from explorer.analysis.analysis import Analysis, image_digest
from explorer.analysis.corruptions import CORRUPTIONS, SEVERITIES
from explorer.analysis.image import classify
from explorer.analysis.shift import shift_view
from explorer.analysis.teach import Lesson, forget, learn
from explorer.render.galleries import token_mixing_gallery
from explorer.app import presenters as show
from explorer.app.inputs import require_image, user_error, user_errors, user_warning
from explorer.app import views
from explorer.app.lessons import image_label, probe_line
from explorer.app.links import parse_link
from explorer.app.model_map import model_map
from explorer.app.model_map_view import model_map_value, opened_place
from explorer.app.navigation import address, place_of, view_of
from explorer.app.presenters import weights_for
from explorer.app.server import give_memory_back, on_gpu
from explorer.app.views import Components, Controls
from explorer.app.views.base import LABEL_MARGIN, analysis_of, load
from explorer.app.views.token_mixing import unit_picture
from explorer.app.views.unit import VIEW as UNIT
from explorer.model.embedded import EXAMPLES
from explorer.model.loading import default_model_name
from explorer.text.guidance import fallback_banner
from explorer.text.i18n import t
from explorer.units.features import feature_visualisation


def address_of(view: str, c: Controls) -> str:
    return address(view, c.model, c.weights, c.image, c.block, c.step, c.unit_index, c.unit_kind, c.present)


def session_of(request: gr.Request | None) -> str | None:
    return getattr(request, "session_hash", None)


class App:
    """The handlers of one page (`ui`, explorer.app.layout): the five public endpoints, which are also the MCP
    server's tools (/predict, /explain, /token_mixing_weights, /shift, /list_models), and the page's own events."""

    def __init__(self, ui: Components, default_model: str | None = None):
        self.ui = ui
        self.default_model = default_model or default_model_name()
        # a second click on an example answers at once
        memo.pin_images(image_digest(path) for path in EXAMPLES.values())
        self.stop_flags: dict[str | None, threading.Event] = {}  # per session, while its feature visualisation runs

    # --- /predict and the predictions shown on every new image

    def classify(self, image: str | None, model: str | None, weights: str, top_k: float,
                 request: gr.Request | None = None) -> dict:
        """Classify an image with an MLP-Mixer-family model: the k most likely labels with their probabilities.

        Args:
            image: the image to classify (a URL, a data URI or an uploaded file; JPEG, PNG, WebP, GIF, BMP, TIFF).
            model: a model name from list_models, e.g. "mixer_b16_224.goog_in21k_ft_in1k", or "embedded" (a small CIFAR-10 model that always runs). Empty: the best model that runs here.
            weights: "pretrained" (the model's trained weights) or "random" (its random initialisation, to compare).
            top_k: how many labels to return, 1 to 50.
        Returns:
            the labels with their probabilities (highest first), and one line naming the model that actually ran, its weights, the device and its label set (and why, if the model asked for could not run and the embedded one ran instead).
        """  # noqa: E501
        loaded = load(model, weights)
        probabilities = classify(loaded, require_image(image))  # a plain forward pass: nothing else recorded
        return {self.ui.labels: show.predicted_labels(loaded, probabilities, top_k), self.ui.status: loaded.status()}

    def screen(self, c: Controls, view: str, session: str | None, opened: bool = True) -> dict:
        """Everything that follows the image and the model, in one event: the predictions (none without an image)
        and their announcement to screen readers, the status line, the fallback banner, the block slider (this
        model's blocks), the map carrying the image, the probe's line (Teach it), and the open view drawn
        (`opened`) with its address."""
        ui, loaded = self.ui, load(c.model, c.weights)
        block = show.block_index(loaded, c.block)
        c = replace(c, block=block)
        analysis = None if c.image is None else analysis_of(c.image, loaded, session)
        banner = fallback_banner(loaded)
        labels = None if analysis is None else show.top_labels(analysis, c.top_k)
        out = {ui.labels: labels, ui.announce: show.announcement(labels), ui.status: loaded.status(),
               ui.banner: gr.Markdown(banner, visible=bool(banner)),  # shown only with something to say
               ui.block: gr.Slider(value=block, maximum=show.depth(loaded) - 1),
               ui.model_map: model_map_value(model_map(loaded, analysis, views.VIEWS),
                                             open_place=place_of(view, block, c.unit_kind)),
               ui.probe_line: probe_line(c.lesson, loaded, analysis)}
        if opened:
            out.update({**views.draw(ui, view, c, session), ui.address: address_of(view, c)})
        return out

    def image_changed(self, request: gr.Request, view: str, *values: Any) -> dict:
        """A new image (upload, webcam, paste, an example) or other weights: the screen, in one event."""
        return self.screen(Controls(*values), view, session_of(request))

    def model_changed(self, request: gr.Request, view: str, *values: Any) -> dict:
        """Another model: its weights follow what it has (random for an architecture without pretrained ones),
        then the screen, in the same event."""
        c = Controls(*values)
        c = replace(c, weights=weights_for(c.model))
        return {**self.screen(c, view, session_of(request)), self.ui.weights: c.weights}

    # --- the tabs

    def show(self, view: str, c: Controls, session: str | None) -> dict:
        """One view's components, drawn from the session's analysis."""
        return views.draw(self.ui, view, c, session)

    def view_handler(self, view: str | None) -> Callable:
        """The handler that draws one view (view given: its tab opened) or the open one (view None: a control
        changed), with its address, and marks its place on the map."""

        @on_gpu
        @user_errors
        def draw_view(request: gr.Request, open_view: str, map_value: dict | None, *values: Any) -> dict:
            c, shown = Controls(*values), view or open_view
            return {**self.show(shown, c, session_of(request)), self.ui.address: address_of(shown, c),
                    self.ui.model_map: self.map_marked(shown, map_value, c.block, c.unit_kind)}

        return draw_view

    # --- the model map

    def place_opened(self, value: dict | None, evt: gr.EventData) -> dict:
        """A click on a place of the map opens its view (a block's places at that block)."""
        ui = self.ui
        part, block = opened_place(evt)
        view = view_of(part)
        out = {ui.tabs: gr.Tabs(selected=view), ui.view: view}
        if block is not None:
            out[ui.block] = block
        return out

    @staticmethod
    def map_marked(view: str | None, value: dict | None, block: float, kind: str | None) -> Any:
        """The map with the place of `view` marked open (a tab opened by hand, the block moved)."""
        if not value:
            return gr.skip()
        part, at = place_of(view, block, kind)
        return {**value, "open": {"part": part, "block": at}}

    # --- buttons and clicks

    def unit_clicked(self, model: str | None, weights: str, block: float, evt: gr.SelectData) -> Any:
        """A click on the gallery: enlarge the unit under the pointer, with where it writes back (fc2)."""
        loaded = load(model, weights)
        b = show.block_index(loaded, block)
        unit = token_mixing_gallery(loaded, b)[1].unit_at(int(evt.index[0]), int(evt.index[1]) - LABEL_MARGIN)
        return gr.skip() if unit is None else {self.ui.unit: unit_picture(loaded, b, unit), self.ui.unit_index: unit}

    def unit_page_from(self, kind: str, index: float | None) -> dict:
        """A gallery tile or a channel opens its unit's page."""
        if index is None or int(index) < 0:
            raise user_error(t("errors.handlers.pick_unit"))
        ui = self.ui
        return {ui.unit_kind: kind, ui.unit_index: int(index), ui.tabs: gr.Tabs(selected=UNIT.id), ui.view: UNIT.id}

    def compute_feature(self, model: str | None, weights: str, block: float, kind: str, unit: float | None,
                        request: gr.Request, progress=gr.Progress()) -> Any:
        """The feature visualisation of the page's unit, with a progress bar over the page; Stop cancels it
        (explorer.memo keeps it; the page is drawn again after)."""
        loaded = load(model, weights)
        u = show.unit_of(loaded, block, kind, unit)
        session = session_of(request)
        stop = self.stop_flags[session] = threading.Event()
        desc = t("handlers.progress.feature")  # said here: the optimisation reports from its own thread
        try:
            feature_visualisation(loaded, u.block, u.kind, u.index, cancel=stop.is_set,
                                  progress=lambda step, total: progress((step, total), desc=desc))
        finally:
            self.stop_flags.pop(session, None)
        return gr.skip()

    def stop_feature(self, request: gr.Request) -> None:
        stop = self.stop_flags.get(session_of(request))
        if stop is not None:
            stop.set()

    def stepped(self, action: show.Step, view: str, *values: Any) -> dict:
        """A key (page.js) or a Previous/Next button pressed on a view with steps (each view says what moves)."""
        return views.stepped(self.ui, view, action, Controls(*values))

    # --- Teach it: each handler takes the visitor's lesson (a gr.State) and returns a new one; the view redraws after

    def taught(self, lesson: Lesson | None, name: str | None, image: str | None) -> dict:
        """"Add the current image" (the page's image: an upload, the webcam, a paste, an example) to the class named in
        the Class box."""
        lesson = (lesson or Lesson()).with_images(name or "", [(require_image(image), image_label(image))])
        return self.lesson_changed(lesson, name)

    def taught_files(self, lesson: Lesson | None, name: str | None, files: list[str] | None) -> Any:
        """Several files dropped into the class at once (the box empties again)."""
        if not files:
            return gr.skip()
        lesson = (lesson or Lesson()).with_images(name or "", [(f, image_label(f)) for f in files])
        return {**self.lesson_changed(lesson, name), self.ui.teach_files: None}

    def probe_noted(self, lesson: Lesson | None, image: str | None, model: str | None, weights: str,
                    request: gr.Request | None = None) -> str:
        """The probe's answer under the predictions, on every image the visitor looks at (after Learn)."""
        loaded = load(model, weights)
        return probe_line(lesson, loaded, None if image is None else analysis_of(image, loaded, session_of(request)))

    def lesson_changed(self, lesson: Lesson, name: str | None) -> dict:
        for why in lesson.skipped:  # also listed under the buttons until the next change
            user_warning(t("handlers.left_out", why=why))
        names = lesson.names
        return {self.ui.lesson: lesson, self.ui.teach_class: gr.Dropdown(choices=names, value=name)}

    def class_removed(self, lesson: Lesson | None, name: str | None) -> dict:
        lesson = lesson or Lesson()
        if name not in lesson.names:
            raise user_error(t("errors.handlers.no_class", name=repr(name)))
        return {self.ui.lesson: lesson.without(name), self.ui.teach_class: gr.Dropdown(choices=[
            n for n in lesson.names if n != name], value=None)}

    def lesson_cleared(self, lesson: Lesson | None) -> dict:
        forget(lesson)
        return {self.ui.lesson: Lesson(), self.ui.teach_class: gr.Dropdown(choices=[], value=None)}

    def learned(self, lesson: Lesson | None, model: str | None, weights: str,
                progress: gr.Progress = gr.Progress()) -> dict:
        """Learn: the features of the images not seen on this model yet (with a progress bar), then the probe."""
        lesson, loaded = lesson or Lesson(), load(model, weights)
        unit, desc = t("handlers.progress.images"), t("handlers.progress.learn")
        learned = learn(loaded, lesson, lambda done, total: progress((done, total), unit=unit, desc=desc))
        return {self.ui.lesson: replace(lesson, learned=learned, skipped=())}

    def latency(self, model: str | None, weights: str) -> str:
        return show.latency_text(load(model, weights))

    # --- /explain and the tools for programs (gradio_client, MCP assistants) that have no view of their own

    def explain_image(self, image: str | None, model: str | None, weights: str,
                      request: gr.Request | None = None) -> dict:
        """Explain how an MLP-Mixer-family model classifies an image, as numbers: predictions, the logit lens (the model's guess after every block), the per-patch evidence for the top class, the patch-shuffle test and the architecture.

        Args:
            image: the image to explain (a URL, a data URI or an uploaded file).
            model: a model name from list_models, or "embedded" (a small CIFAR-10 model that always runs). Empty: the best model that runs here.
            weights: "pretrained" or "random".
        Returns:
            summary.json (model, top_k, logit_lens per block, evidence, shuffle, token_mixing_smoothness per block, architecture), the figures of the image's views, and explanation.zip with every figure, arrays.npz and summary.json.
        """  # noqa: E501
        analysis = Analysis.of(load(model, weights), require_image(image), session_of(request), with_gradients=True)
        summary, pngs, archive = show.explanation(analysis)
        give_memory_back()  # the export's figures and files: hundreds of megabytes, freed into the heaps
        return {self.ui.export_json: summary, self.ui.export_gallery: pngs, self.ui.export_file: archive}

    def token_mixing_weights(self, model: str | None, weights: str, block: float) -> dict:
        """Read the learned token-mixing weights of one layer of an MLP-Mixer-family model: each hidden unit of the layer's token-mixing MLP weighs every patch of the image, so its weights form a map over the patch grid (the paper's Figure 1 shows these maps).

        Args:
            model: a model name from list_models, or "embedded" (a small CIFAR-10 model that always runs). Empty: the best model that runs here.
            weights: "pretrained" (learned maps) or "random" (the initialisation, noise: to compare).
            block: which layer, 0 for the first; larger than the model's last layer means the last.
        Returns:
            a JSON object {model, weights, block, depth, units, grid: [rows, cols], shape: [units, rows, cols], order: unit indices from the lowest to the highest spatial frequency (the gallery's order), smoothness: mean correlation of each map with itself shifted by one patch (about 0 for noise)}, and a picture of the layer's maps in that order.
        """  # noqa: E501
        loaded = load(model, weights)
        b = show.block_index(loaded, block)
        picture = token_mixing_gallery(loaded, b)[0]
        return {self.ui.tool_json: show.token_mixing_summary(loaded, b), self.ui.tool_image: picture}

    def shift_report(self, image: str | None, model: str | None, weights: str, corruptions: str | None,
                     severities: str | None, seed: float | None, request: gr.Request | None = None) -> dict:
        """Put an image under the 15 standard corruptions of ImageNet-C / CIFAR-10-C (Hendrycks & Dietterich, 2019) at 5 severities, as the model sees it, and say for each whether an MLP-Mixer-family model's top-1 holds.

        Args:
            image: the image (a URL, a data URI or an uploaded file).
            model: a model name from list_models, or "embedded" (a small CIFAR-10 model that always runs). Empty: the best model that runs here.
            weights: "pretrained" or "random".
            corruptions: comma-separated names, empty for all 15: gaussian_noise, shot_noise, impulse_noise, defocus_blur, glass_blur, motion_blur, zoom_blur, snow, frost, fog, brightness, contrast, elastic_transform, pixelate, jpeg_compression.
            severities: comma-separated severities from 1 to 5, empty for all five.
            seed: the corruptions' random seed: the same image, corruption, severity and seed give the same pixels.
        Returns:
            {model, image, clean: {label, probability}, corruptions: {name: [{label, probability, clean_probability, same_top1}, one per severity]}}, as `python -m explorer shift IMAGE --json` prints it.
        """  # noqa: E501
        names = tuple(n.strip() for n in (corruptions or "").split(",") if n.strip()) or CORRUPTIONS
        try:
            levels = tuple(int(v) for v in (severities or "").split(",") if v.strip()) or SEVERITIES
        except ValueError:
            raise user_error(t("errors.handlers.severities", got=repr(severities))) from None
        analysis = analysis_of(image, load(model, weights), session_of(request))
        grid = shift_view(analysis, names, levels, int(seed or 0))
        return {self.ui.tool_json: grid.as_dict(image_label(require_image(image)))}

    @staticmethod
    def list_models() -> list[dict]:
        """List the MLP-Mixer-family models this app can run (every Mixer, gMixer, ResMLP and gMLP that timm has, and the embedded CIFAR-10 model), with their sizes, label sets and whether their pretrained weights can be had here.

        Returns:
            one JSON object per model: name (what the other tools take as model), family, label_set, params, patch_size, img_size, tokens S, channels C, tokens_mlp_dim D_S, channels_mlp_dim D_C, depth, num_classes, and available (whether pretrained weights run here, and if not why not).
        """  # noqa: E501
        return show.model_list()

    def first_tab_opened(self, request: gr.Request, linked: bool, view: str, map_value: dict | None,
                         *values: Any) -> dict:
        """The first tab's `select`, which Gradio fires as the page opens: there, the page's deep link, read once
        per page; after that, the first tab drawn as any other."""
        if linked:
            return self.view_handler(views.IDS[0])(request, view, map_value, *values)
        return {**self.deep_link(request, view, *values), self.ui.linked: True}

    def deep_link(self, request: gr.Request, view: str, *values: Any) -> dict:
        """A page opened by a link: the components its parameters set (explorer.app.links) and the screen, in one
        event. A view other than the first is drawn by its tab's own `select`, which Gradio fires as the page
        switches to it (a second draw here would race it)."""
        ui = self.ui
        link = parse_link(request.query_params if request else {}, self.default_model)
        c = Controls(*values)
        asked = {"model": link.model, "weights": link.weights, "step": link.step, "unit_index": link.unit,
                 "unit_kind": link.kind, "image": link.image, "block": link.block, "present": link.present or None}
        c = replace(c, **{name: value for name, value in asked.items() if value is not None})
        opened = link.view or views.IDS[0]
        out = {getattr(ui, name): value for name, value in asked.items() if value is not None}
        out.update(self.screen(c, opened, session_of(request), opened=opened == views.IDS[0]))
        if opened != views.IDS[0]:  # the predictions' note too, whichever tab the link opens
            out.update(views.draw(ui, views.IDS[0], c, session_of(request)))
        out[ui.view] = opened
        if link.view is not None:
            out[ui.tabs] = gr.Tabs(selected=link.view)
        if link.note:
            out[ui.link_note] = link.note
        return out
