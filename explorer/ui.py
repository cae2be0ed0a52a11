"""The Gradio app. Handlers only translate between components and the `explorer` API; nothing is computed here.

Layout: the image and model pickers on top, one tab per view below. An image is analysed once (one forward
pass, explorer.analysis.Analysis) when it arrives; a tab's views are computed and drawn when the tab is
opened, from that analysis. Endpoints for API clients: `/predict` (image, model, weights, top_k) and
`/explain` (image, model, weights). Deep links reproduce a slide:
`?model=embedded&example=chelsea-cat&view=evidence`, `?model=mixer_b16_224&weights=random&block=3&view=token-mixing&unit=5`.
"""
from __future__ import annotations

import ctypes
import functools
import logging
import os
from dataclasses import dataclass
from typing import Any, Callable

import gradio as gr
import numpy as np

from explorer import embedded, figures, plots
from explorer.analysis import Analysis
from explorer.architecture import measure_latency
from explorer.catalogue import catalogue
from explorer.errors import ExplorerError
from explorer.explain import export_folder
from explorer.loading import WEIGHTS_CHOICES, LoadedModel, availability, default_model_name, load_model
from explorer.model_views import architecture_card, stem_gallery, timeline_gallery, token_mixing, token_mixing_gallery
from explorer.teaching import VIEW_TEXT
from explorer.tour import STEP_TITLES

log = logging.getLogger("explorer.ui")

try:  # On a ZeroGPU Space, GPU work must run inside functions decorated with spaces.GPU; elsewhere nothing changes.
    import spaces

    on_gpu = spaces.GPU
except ImportError:

    def on_gpu(fn: Callable) -> Callable:
        return fn

EXAMPLES_DIR = embedded.ASSETS / "examples"
EXAMPLES = {p.stem: p for p in sorted(EXAMPLES_DIR.glob("*")) if p.suffix.lower() in (".jpg", ".jpeg", ".png")}
MAX_FILE_SIZE = "10mb"
MAX_TOP_K = 50
MAX_BLOCK = 35  # the deepest model timm has (resmlp_36) has 36 blocks; each view clamps to its own model
LABEL_MARGIN = 36  # px above each drawn picture: gr.Image lays its label badge over the picture's top-left
MAX_SESSIONS = 256  # Gradio keeps a copy of every component's config per session (~0.3 MB here); the oldest go
FILE_LIFETIME_S = 3600  # Gradio deletes its copies of served files after an hour (explorer.memo does the same)
VIEWS = ("predict", "tour", "token-mixing", "stem", "activations", "evidence", "logit-lens", "shuffle", "architecture", "compare", "timeline", "export", "models")
NO_IMAGE = "Upload an image (or pick an example) to see this view."

# Presentation mode: large type and strong contrast for a lecture hall (the colormaps are colour-blind safe already).
CSS = """
.presentation { --body-text-color: #000; --block-label-text-color: #000; --body-text-color-subdued: #111; }
.presentation .prose, .presentation .prose p, .presentation .teaching p { font-size: 1.45rem !important; line-height: 1.5 !important; }
.presentation .prose h1 { font-size: 2.6rem !important; }
.presentation button, .presentation label, .presentation .tab-container button { font-size: 1.25rem !important; }
.presentation #labels h2 { font-size: 2.4rem !important; }
"""
TOGGLE_PRESENTATION = "(on) => { document.querySelector('gradio-app')?.classList.toggle('presentation', on); return on; }"

INTRO = """# MLP-Mixer Explorer
See inside an **MLP-Mixer** ([Tolstikhin et al., 2021](https://arxiv.org/abs/2105.01601)): a per-patch linear stem,
then blocks of *token mixing* (an MLP across patches) and *channel mixing* (an MLP across features), global average
pooling and a linear head. No attention, no convolutions beyond the stem, no position embeddings.
"""


class ImageInput(gr.Image):
    """An image upload that hands the raw file to `explorer.images`, which decodes odd images (16-bit, CMYK,
    alpha, EXIF rotation) consistently with the CLI and explains files it cannot read, instead of Gradio
    failing on them before our code runs."""

    is_template = True  # drawn by the browser as a plain gr.Image

    def preprocess(self, payload: Any) -> str | None:
        if payload is None:
            return None
        if getattr(payload, "path", None):
            return str(payload.path)
        try:
            return super().preprocess(payload)  # a data: URL (webcam, clipboard)
        except Exception as exc:
            raise gr.Error(f"The image could not be read: {exc}") from None


def user_errors(fn: Callable) -> Callable:
    """Turn our errors into gr.Error (the message reaches the person as it is) and anything unexpected into a
    short message, with the traceback kept in the server log only."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except ExplorerError as exc:
            raise gr.Error(str(exc)) from None
        except Exception as exc:
            log.exception("%s failed", fn.__name__)
            raise gr.Error(f"Something went wrong ({type(exc).__name__}: {exc})") from None

    return wrapper


def model_choices() -> list[tuple[str, str]]:
    """Dropdown entries: the name, its label set and size, and whether its weights can be had here."""
    return [(f"{e.name} · {e.family} · {e.label_set} · {e.params / 1e6:.1f}M params · {availability(e.name)}", e.name) for e in catalogue()]


def catalogue_rows() -> list[list[Any]]:
    return [[e.name, availability(e.name), e.family, e.label_set, f"{e.params / 1e6:.2f}M", e.patch_size, e.img_size, e.tokens, e.channels, e.tokens_mlp_dim, e.channels_mlp_dim, e.depth] for e in catalogue()]


def require_image(image: str | None) -> str:
    if image is None:
        raise gr.Error("Upload an image first (or pick one of the examples).")
    return image


def block_index(loaded: LoadedModel, block: float | None) -> int:
    """The block slider's value, clamped to this model's depth (models differ: 8 to 36 blocks)."""
    return min(max(int(block or 0), 0), len(loaded.model.blocks) - 1)


def shown(pixels: np.ndarray) -> np.ndarray:
    """A drawn picture with LABEL_MARGIN white rows on top, where gr.Image lays its label badge."""
    return np.pad(pixels, ((LABEL_MARGIN, 0), (0, 0), (0, 0)), constant_values=255)


def label_scores(predictions) -> dict[str, float]:
    scores: dict[str, float] = {}
    for p in predictions:  # ImageNet-21k repeats some descriptions: keep every class visible
        scores[p.label if p.label not in scores else f"{p.label} (#{p.index})"] = p.probability
    return scores


def weights_for(model: str | None) -> str:
    """Architectures without pretrained weights can only run with random weights: switch the radio for them."""
    return "random" if model and availability(model).startswith("no pretrained") else "pretrained"


def optional_index(value: float | None) -> int | None:
    """A number box where -1 (or empty) means "not chosen"."""
    return None if value is None or int(value) < 0 else int(value)


# ---------------------------------------------------------------------------------------------- the app's state


@dataclass(frozen=True)
class Controls:
    """Every control a view may read, in the order of `App.controls` (one list of inputs for every view)."""

    image: str | None
    model: str | None
    weights: str
    top_k: float
    block: float
    present: bool
    channel: float | None
    scale: str
    patch: float | None
    class_index: float | None
    step: float
    snapshot: float
    model_b: str | None
    weights_b: str
    unit: float | None


class App:
    """The components, the per-view renderers and their wiring."""

    def __init__(self, default_model: str | None = None):
        self.default_model = default_model or default_model_name()
        self.renderers: dict[str, Callable[[Controls, str | None], dict]] = {
            "predict": self.show_predictions, "tour": self.show_tour, "token-mixing": self.show_token_mixing, "stem": self.show_stem,
            "activations": self.show_activations, "evidence": self.show_evidence, "logit-lens": self.show_lens, "shuffle": self.show_shuffle,
            "architecture": self.show_architecture, "compare": self.show_compare, "timeline": self.show_timeline,
        }

    # --- what every handler starts from

    def load(self, model: str | None, weights: str | None) -> LoadedModel:
        return load_model(model or None, weights or "pretrained")

    def analysis(self, c: Controls, session: str | None) -> Analysis | None:
        """The analysis of the current image on the current model (kept per session in explorer.memo)."""
        return None if c.image is None else Analysis.of(self.load(c.model, c.weights), c.image, session)

    # --- /predict and the predictions shown on every upload

    def classify(self, image: str | None, model: str | None, weights: str, top_k: float, request: gr.Request | None = None) -> dict:
        """/predict: the image file, model name, weights choice and k -> label scores and the status line."""
        analysis = Analysis.of(self.load(model, weights), require_image(image), session_of(request))
        k = max(1, min(int(top_k or 5), MAX_TOP_K))
        return {self.labels: label_scores(analysis.top_k(k)), self.status: analysis.loaded.status()}

    def image_changed(self, image: str | None, model: str | None, weights: str, top_k: float, request: gr.Request | None = None) -> dict:
        """A new image (upload, example, webcam, deep link) or model: the predictions; no image clears them."""
        if image is None:
            return {self.labels: None, self.status: self.load(model, weights).status()}
        return self.classify(image, model, weights, top_k, request)

    # --- one renderer per tab: it computes (through the analysis) and draws its own components only

    def show(self, view: str, c: Controls, session: str | None) -> dict:
        renderer = self.renderers.get(view)
        return {self.view: view, **(renderer(c, session) if renderer else {})}

    def show_predictions(self, c: Controls, session: str | None) -> dict:
        return {}  # the predictions are drawn on every new image already

    def show_tour(self, c: Controls, session: str | None) -> dict:
        analysis = self.analysis(c, session)
        if analysis is None:
            return {self.tour_text: "The tour walks one Mixer layer on your image, with this model's real shapes: **upload an image or pick an example above** to start.", self.tour_image: None}
        steps = analysis.tour()
        k = min(max(int(c.step or 1), 1), len(steps))  # 1-based, as the slider and ?step= count
        step = steps[k - 1]
        return {self.tour_text: f"### Step {k} of {len(steps)}: {step.title}\n\n{step.text}", self.tour_image: shown(figures.drawn_once(figures.tour_figure(step)))}

    def show_token_mixing(self, c: Controls, session: str | None) -> dict:
        loaded = self.load(c.model, c.weights)
        b = block_index(loaded, c.block)
        view = token_mixing(loaded, b)
        units, (h, w) = len(view.maps), view.maps.shape[1:]
        note = (f"**{loaded.name}** ({loaded.weights}) · block {b} · {units} units of {h}×{w} patches · "
                f"smoothness {view.smoothness:.3f} (mean correlation of each map with itself shifted by one patch: ≈0 for noise)")
        out = {self.gallery: shown(token_mixing_gallery(loaded, b)[0]), self.gallery_note: note}
        if c.unit is not None and int(c.unit) >= 0:
            out[self.unit] = self.unit_picture(loaded, b, min(int(c.unit), units - 1))
        return out

    def unit_picture(self, loaded: LoadedModel, block: int, unit: int) -> np.ndarray:
        view = token_mixing(loaded, block)
        return shown(figures.drawn_once(figures.unit_figure(view.maps[unit], None if view.outputs is None else view.outputs[unit], unit, block)))

    def show_stem(self, c: Controls, session: str | None) -> dict:
        return {self.stem: shown(stem_gallery(self.load(c.model, c.weights))[0])}

    def show_activations(self, c: Controls, session: str | None) -> dict:
        analysis = self.analysis(c, session)
        if analysis is None:
            return {self.activations: plots.empty_plot(NO_IMAGE, large=c.present), self.top_table: [], self.updates: None}
        b = block_index(analysis.loaded, c.block)
        patch = min(max(int(c.patch or 0), 0), analysis.capture.blocks.shape[1] - 1)
        return {
            self.activations: plots.activations_plot(analysis.activations(optional_index(c.channel)), shared_scale=c.scale == SHARED_SCALE, large=c.present, block=b),
            self.top_table: [[b, patch, ch, round(v, 4)] for ch, v in analysis.top_channels(b, patch)],
            self.updates: plots.updates_plot(analysis.updates(), large=c.present),
        }

    def show_evidence(self, c: Controls, session: str | None) -> dict:
        analysis = self.analysis(c, session)
        if analysis is None:
            return {self.evidence: plots.empty_plot(NO_IMAGE, large=c.present)}
        return {self.evidence: plots.evidence_plot(analysis.evidence(optional_index(c.class_index)), large=c.present)}

    def show_lens(self, c: Controls, session: str | None) -> dict:
        analysis = self.analysis(c, session)
        if analysis is None:
            return {self.lens: plots.empty_plot(NO_IMAGE, large=c.present), self.lens_table: []}
        lens = analysis.logit_lens()
        rows = [[b, lens.top_label[b], round(float(lens.top_probability[b]), 4), round(float(lens.final_probability[b]), 4)] for b in range(len(lens.top_index))]
        return {self.lens: plots.lens_plot(lens, large=c.present), self.lens_table: rows}

    def show_shuffle(self, c: Controls, session: str | None) -> dict:
        analysis = self.analysis(c, session)
        if analysis is None:
            return {self.shuffle_md: NO_IMAGE, self.shuffle: None}
        view = analysis.shuffle()
        original, shuffled, restored = view.labels
        text = (f"**original:** {original} · **patches shuffled:** {shuffled} · **token mixing permuted too:** {restored} · "
                f"max |Δlogit| = {view.result.max_abs_logit_diff:.2e}")
        return {self.shuffle_md: text, self.shuffle: shown(figures.drawn_once(figures.shuffle_figure(view)))}

    def show_architecture(self, c: Controls, session: str | None) -> dict:
        loaded = self.load(c.model, c.weights)
        card = architecture_card(loaded)
        return {self.arch: architecture_markdown(card, loaded), self.arch_plot: plots.architecture_plot(card, large=c.present)}

    def show_compare(self, c: Controls, session: str | None) -> dict:
        """Two models side by side: token-mixing units of the same block, smoothness per block, predictions."""
        out, names, smoothness = {}, [], []
        for (model, weights), (gallery, note, labels) in zip(((c.model, c.weights), (c.model_b, c.weights_b)), ((self.gallery_a, self.note_a, self.labels_a), (self.gallery_b, self.note_b, self.labels_b))):
            loaded = self.load(model, weights)
            b = block_index(loaded, c.block)
            views = [token_mixing(loaded, k) for k in range(len(loaded.model.blocks))]
            names.append(f"{loaded.name} ({loaded.weights})")
            smoothness.append([v.smoothness for v in views])
            out[gallery] = shown(token_mixing_gallery(loaded, b)[0])
            out[note] = f"**{loaded.name}** ({loaded.weights}) · block {b} · smoothness {views[b].smoothness:.3f}"
            out[labels] = label_scores(Analysis.of(loaded, c.image, None).top_k(5)) if c.image is not None else None
        out[self.compare_plot] = plots.comparison_plot(names, smoothness, large=c.present)
        return out

    def show_timeline(self, c: Controls, session: str | None) -> dict:
        epochs = list(embedded.read_timeline())
        if not epochs:
            return {self.timeline: None, self.timeline_note: "No training timeline is shipped with the embedded model."}
        epoch = epochs[min(max(int(c.snapshot or 0), 0), len(epochs) - 1)]
        block = min(max(int(c.block or 0), 0), embedded.ARCHITECTURE["num_blocks"] - 1)
        image, smooth = timeline_gallery(block, epoch)
        return {self.timeline: shown(image), self.timeline_note: f"block {block} · epoch {epoch} of {epochs[-1]} · smoothness {smooth:.3f}"}

    # --- buttons and clicks

    def unit_clicked(self, model: str | None, weights: str, block: float, evt: gr.SelectData) -> Any:
        """A click on the gallery: enlarge the unit under the pointer, with where it writes back (fc2)."""
        loaded = self.load(model, weights)
        b = block_index(loaded, block)
        unit = token_mixing_gallery(loaded, b)[1].unit_at(int(evt.index[0]), int(evt.index[1]) - LABEL_MARGIN)
        return gr.skip() if unit is None else self.unit_picture(loaded, b, unit)

    def latency(self, model: str | None, weights: str) -> str:
        loaded = self.load(model, weights)
        return f"**{measure_latency(loaded):.1f} ms** per image ({loaded.name}, one image at a time, median of 10 forward passes on {loaded.device}), measured just now"

    def export(self, image: str | None, model: str | None, weights: str, request: gr.Request | None = None) -> dict:
        """/explain: every view of the image as the summary (JSON), the figures (PNG) and one zip with the PNGs,
        SVGs, arrays.npz and summary.json."""
        analysis = Analysis.of(self.load(model, weights), require_image(image), session_of(request), with_gradients=True)
        folder = export_folder(analysis)
        pngs = [(str(f), f.stem.replace("_", " ")) for f in sorted((folder / "explanation").glob("*.png"))]
        return {self.export_json: analysis.summary(), self.export_gallery: pngs, self.export_file: str(folder / "explanation.zip")}

    def deep_link(self, request: gr.Request) -> dict:
        """?model=…&weights=…&block=…&view=…&step=…&unit=…&example=…&present=1: a slide as a bookmark."""
        q = request.query_params if request else {}
        out: dict = {}
        if q.get("model"):
            out[self.model] = q["model"]
            out[self.weights] = weights_for(q["model"])
        if q.get("weights") in WEIGHTS_CHOICES:
            out[self.weights] = q["weights"]
        for key, component, most in (("block", self.block, MAX_BLOCK), ("unit", self.unit_index, 10**6)):
            if str(q.get(key, "")).isdigit():  # clamped here to the slider, and by each view to its model's depth
                out[component] = min(int(q[key]), most)
        if str(q.get("step", "")).isdigit() and int(q["step"]) >= 1:
            out[self.step] = min(int(q["step"]), len(STEP_TITLES))
        if q.get("view") in VIEWS:
            out[self.tabs] = gr.Tabs(selected=q["view"])
            out[self.view] = q["view"]
        if q.get("present") in ("1", "true", "yes"):
            out[self.present] = True
        if "example" in q:  # only ever a name from the examples folder, looked up, never made into a path
            name = q["example"]
            if name in EXAMPLES:
                out[self.image] = str(EXAMPLES[name])
            else:
                out[self.link_note] = f"⚠️ `example={name[:60]}` is not one of the examples ({', '.join(EXAMPLES)}); it was ignored."
        return out

    # --- layout and wiring

    def build(self) -> gr.Blocks:
        choices = model_choices()
        with gr.Blocks(title="MLP-Mixer Explorer", delete_cache=(FILE_LIFETIME_S, FILE_LIFETIME_S)) as demo:
            self.view = gr.State("predict")  # the open tab: what a new image or model redraws
            self.unit_index = gr.Number(-1, visible=False)  # ?unit=N: the token-mixing unit to enlarge
            gr.Markdown(INTRO)
            self.link_note = gr.Markdown(elem_id="link-note")
            with gr.Row():
                with gr.Column(scale=2):
                    self.image = ImageInput(label="Image", type="filepath", sources=["upload", "webcam", "clipboard"], height=300, elem_id="image")
                with gr.Column(scale=3):
                    self.model = gr.Dropdown(choices, value=self.default_model, label="Model", allow_custom_value=True, elem_id="model")
                    self.weights = gr.Radio(list(WEIGHTS_CHOICES), value=weights_for(self.default_model), label="Weights", elem_id="weights")
                    with gr.Row():
                        self.top_k = gr.Slider(1, MAX_TOP_K, value=5, step=1, label="Top-k")
                        self.block = gr.Slider(0, MAX_BLOCK, value=0, step=1, label="Block", elem_id="block")
                    with gr.Row():
                        self.button = gr.Button("Classify and explain", variant="primary", elem_id="run", scale=3)
                        self.present = gr.Checkbox(False, label="Presentation mode", elem_id="present", scale=1)
                    self.status = gr.Markdown(elem_id="status")
            examples = gr.Examples(list(map(str, EXAMPLES.values())), inputs=[self.image], label="Examples (sources and licenses: assets/examples/SOURCES.md)")

            tabs: dict[str, gr.Tab] = {}
            with gr.Tabs(selected="predict") as self.tabs:
                with gr.Tab("Predictions", id="predict") as tabs["predict"]:
                    teaching_text("predict")
                    self.labels = gr.Label(label="Predictions", elem_id="labels")
                with gr.Tab("Guided tour", id="tour") as tabs["tour"]:
                    with gr.Row():
                        previous = gr.Button("← Previous", scale=1)
                        self.step = gr.Slider(1, len(STEP_TITLES), value=1, step=1, label="Step", scale=4, elem_id="step")
                        following = gr.Button("Next →", scale=1, elem_id="next")
                    self.tour_text = gr.Markdown(elem_id="tour-text")
                    self.tour_image = gr.Image(label="This step on your image", format="png", interactive=False, elem_id="tour-image")
                with gr.Tab("Token mixing", id="token-mixing") as tabs["token-mixing"]:
                    teaching_text("token-mixing")
                    self.gallery_note = gr.Markdown()
                    with gr.Row():
                        self.gallery = gr.Image(label="Token-mixing units (click one)", format="png", interactive=False, elem_id="gallery", scale=3)
                        self.unit = gr.Image(label="Selected unit", format="png", interactive=False, elem_id="unit", scale=2)
                with gr.Tab("Stem", id="stem") as tabs["stem"]:
                    teaching_text("stem")
                    self.stem = gr.Image(label="Stem filters", format="png", interactive=False, elem_id="stem")
                with gr.Tab("Activations", id="activations") as tabs["activations"]:
                    teaching_text("activations")
                    with gr.Row():
                        self.channel = gr.Number(-1, label="Channel (-1: norm over all channels)", precision=0)
                        self.scale = gr.Radio([SHARED_SCALE, OWN_SCALE], value=SHARED_SCALE, label="Colour scale")
                        self.patch = gr.Number(0, label="Patch for the top-channels table (row-major index)", precision=0)
                    self.activations = gr.Plot(label="Per-layer activations", show_label=False, elem_id="activations")
                    self.top_table = gr.Dataframe(headers=["block", "patch", "channel", "activation"], label="Top channels of the patch, in the chosen block", interactive=False)
                    self.updates = gr.Plot(label="Residual updates per block", show_label=False, elem_id="updates")
                with gr.Tab("Evidence", id="evidence") as tabs["evidence"]:
                    teaching_text("evidence")
                    self.class_index = gr.Number(-1, label="Class index (-1: the predicted class)", precision=0)
                    self.evidence = gr.Plot(label="Per-patch class evidence and saliency", show_label=False, elem_id="evidence")
                with gr.Tab("Logit lens", id="logit-lens") as tabs["logit-lens"]:
                    teaching_text("logit-lens")
                    self.lens = gr.Plot(label="Logit lens", show_label=False, elem_id="lens")
                    self.lens_table = gr.Dataframe(headers=["block", "lens top-1", "its probability", "final class's probability"], interactive=False)
                with gr.Tab("Patch shuffle", id="shuffle") as tabs["shuffle"]:
                    teaching_text("shuffle")
                    self.shuffle_md = gr.Markdown()
                    self.shuffle = gr.Image(label="Patch shuffle", format="png", interactive=False, elem_id="shuffle")
                with gr.Tab("Architecture", id="architecture") as tabs["architecture"]:
                    teaching_text("architecture")
                    with gr.Row():
                        with gr.Column(scale=2):
                            self.arch = gr.Markdown()
                            latency_button = gr.Button("Measure latency here")
                            latency = gr.Markdown()
                        self.arch_plot = gr.Plot(label="Where the parameters and FLOPs are", show_label=False, elem_id="arch-plot", scale=3)
                with gr.Tab("Compare", id="compare") as tabs["compare"]:
                    teaching_text("compare")
                    with gr.Row():
                        self.model_b = gr.Dropdown(choices, value=embedded.EMBEDDED_NAME, label="Second model", allow_custom_value=True)
                        self.weights_b = gr.Radio(list(WEIGHTS_CHOICES), value="random", label="Second model's weights")
                    compare_button = gr.Button("Compare")
                    self.compare_plot = gr.Plot(label="Token-mixing smoothness per block", show_label=False, elem_id="compare-plot")
                    with gr.Row():
                        with gr.Column():
                            self.gallery_a, self.note_a, self.labels_a = gr.Image(format="png", interactive=False, label="First model"), gr.Markdown(), gr.Label(label="First model")
                        with gr.Column():
                            self.gallery_b, self.note_b, self.labels_b = gr.Image(format="png", interactive=False, label="Second model"), gr.Markdown(), gr.Label(label="Second model")
                with gr.Tab("Training timeline", id="timeline") as tabs["timeline"]:
                    teaching_text("timeline")
                    snapshots = len(embedded.read_timeline())
                    self.snapshot = gr.Slider(0, max(snapshots - 1, 0), value=max(snapshots - 1, 0), step=1, label="Snapshot (from initialisation to the end of training)")
                    self.timeline_note = gr.Markdown()
                    self.timeline = gr.Image(label="Embedded model: token-mixing units during training", format="png", interactive=False)
                with gr.Tab("Export", id="export") as tabs["export"]:
                    gr.Markdown("Every view of the current image: figures as PNG (charts also as SVG), arrays as `arrays.npz`, the numbers as `summary.json`. The same as `python -m explorer explain` and the `/explain` endpoint.")
                    export_button = gr.Button("Export all views")
                    self.export_file = gr.File(label="explanation.zip", elem_id="export-file")
                    self.export_gallery = gr.Gallery(label="Figures", columns=4, height="auto")
                    self.export_json = gr.JSON(label="summary.json")
                with gr.Tab("Models", id="models") as tabs["models"]:
                    gr.Markdown("Every Mixer-family model timm knows, and the embedded default trained for this app. S tokens, C channels, D_S and D_C the token- and channel-MLP widths.")
                    gr.Dataframe(catalogue_rows(), headers=["name", "pretrained weights here", "family", "labels", "params", "patch", "image", "S", "C", "D_S", "D_C", "depth"], interactive=False, wrap=True)
            self.wire(demo, tabs, examples, previous, following, latency_button, latency, compare_button, export_button)
        demo.queue(max_size=64, default_concurrency_limit=2)
        return demo

    @property
    def controls(self) -> list[gr.components.Component]:
        return [self.image, self.model, self.weights, self.top_k, self.block, self.present, self.channel, self.scale, self.patch,
                self.class_index, self.step, self.snapshot, self.model_b, self.weights_b, self.unit_index]

    @property
    def view_outputs(self) -> list[gr.components.Component]:
        return [self.view, self.tour_text, self.tour_image, self.gallery, self.gallery_note, self.unit, self.stem, self.activations, self.top_table,
                self.updates, self.evidence, self.lens, self.lens_table, self.shuffle_md, self.shuffle, self.arch, self.arch_plot, self.compare_plot,
                self.gallery_a, self.note_a, self.labels_a, self.gallery_b, self.note_b, self.labels_b, self.timeline, self.timeline_note]

    def view_handler(self, view: str | None) -> Callable:
        """The handler that draws one tab (view given) or the open tab (view None, read from the state)."""

        @on_gpu
        @user_errors
        def draw(request: gr.Request, open_view: str, *values: Any) -> dict:  # Gradio passes the request first
            return self.show(view or open_view, Controls(*values), session_of(request))

        return draw

    def wire(self, demo, tabs, examples, previous, following, latency_button, latency, compare_button, export_button) -> None:
        private = dict(api_visibility="private")
        inputs, outputs = [self.view, *self.controls], self.view_outputs
        redraw = self.view_handler(None)
        predictions = [self.image, self.model, self.weights, self.top_k]

        # /predict and /explain are the public endpoints; everything else serves the page only.
        self.button.click(on_gpu(user_errors(self.classify)), predictions, [self.labels, self.status], api_name="predict").then(redraw, inputs, outputs, **private)
        export_button.click(on_gpu(user_errors(self.export)), [self.image, self.model, self.weights], [self.export_json, self.export_gallery, self.export_file], api_name="explain")

        # A new image (upload, webcam, clipboard, an example, a deep link) or another model: the predictions, then
        # the open tab. (`input` and the examples' own event, not `change`, which Gradio fires twice per upload.)
        model_changed = self.model.input(weights_for, self.model, self.weights, **private)
        for event in (self.image.input, examples.load_input_event.then, model_changed.then, self.weights.input):
            event(on_gpu(user_errors(self.image_changed)), predictions, [self.labels, self.status], **private).then(redraw, inputs, outputs, **private)

        # Opening a tab draws that tab only.
        for name, tab in tabs.items():
            tab.select(self.view_handler(name), inputs, outputs, **private)

        # A person changing a control of the open view redraws it (`input`, not `change`: a deep link sets many
        # controls at once and draws once).
        for control in (self.block, self.scale, self.step, self.snapshot, self.present):
            control.input(redraw, inputs, outputs, trigger_mode="always_last", **private)
        for control in (self.channel, self.class_index, self.patch):
            control.submit(redraw, inputs, outputs, **private)
        self.present.change(None, self.present, self.present, js=TOGGLE_PRESENTATION, **private)
        previous.click(lambda k: max(int(k) - 1, 1), self.step, self.step, **private).then(redraw, inputs, outputs, **private)
        following.click(lambda k: min(int(k) + 1, len(STEP_TITLES)), self.step, self.step, **private).then(redraw, inputs, outputs, **private)
        self.gallery.select(user_errors(self.unit_clicked), [self.model, self.weights, self.block], self.unit, **private)
        latency_button.click(user_errors(self.latency), [self.model, self.weights], latency, **private)
        compare_button.click(self.view_handler("compare"), inputs, outputs, **private)

        # A deep link sets the controls (an example becomes the image) and predicts. It draws its tab through the
        # tab's own `select`, which Gradio fires when the page opens on it (a second draw would race the first).
        link = [self.model, self.weights, self.block, self.unit_index, self.step, self.tabs, self.view, self.present, self.image, self.link_note]
        demo.load(self.deep_link, None, link, **private).then(on_gpu(user_errors(self.image_changed)), predictions, [self.labels, self.status], **private)


SHARED_SCALE, OWN_SCALE = "one scale for all blocks", "each block its own"


def session_of(request: gr.Request | None) -> str | None:
    return getattr(request, "session_hash", None)


def teaching_text(view: str) -> None:
    gr.Markdown(VIEW_TEXT[view], elem_classes=["teaching"])


def architecture_markdown(card, loaded: LoadedModel) -> str:
    rows = [
        ("family", card.family), ("patch size", f"{card.patch_size}×{card.patch_size}"), ("image size", f"{card.img_size}×{card.img_size}"),
        ("tokens S", card.tokens), ("channels C", card.channels), ("token-MLP width D_S", card.tokens_mlp_dim),
        ("channel-MLP width D_C", card.channels_mlp_dim), ("depth", card.depth), ("parameters", f"{card.params:,}"),
        ("GFLOPs per image (a multiply-add counts as 2)", f"{card.gflops:.2f}"), ("labels", loaded.label_set),
    ]
    text = f"### {card.name}\n\n| property | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    if card.paper_row:
        r = card.paper_row
        text += (f"\n\n**Paper, Table 1 ({r['model']}):** {r['layers']} layers · patch {r['patch']} · hidden C {r['hidden']} · "
                 f"D_S {r['tokens_mlp_dim']} · D_C {r['channels_mlp_dim']} · S {r['sequence_length']} · {r['params_m']}M parameters")
    else:
        text += "\n\n*The paper's Table 1 has no row for this model.*"
    return text


def build_app(default_model: str | None = None) -> gr.Blocks:
    return App(default_model).build()


def keep_memory_flat() -> None:
    """glibc gives each worker thread its own heap and, after large frees, raises the size above which it maps
    memory directly, so a server whose threads allocate tensors of megabytes grows and stays grown. Two heaps
    and a fixed 256 KB threshold (larger tensors are mapped, and unmapped when freed) keep it near what it uses.
    Only on glibc; a setting of the server process, made before it starts serving."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt  # noqa: B018 - glibc has it, musl and macOS do not
    except (OSError, AttributeError):
        return
    m_mmap_threshold, m_arena_max = -3, -8
    libc.mallopt(m_arena_max, 2)
    libc.mallopt(m_mmap_threshold, 256 << 10)


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, **kwargs: Any) -> None:
    """Serve on 127.0.0.1:7860 unless GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (or host/port) say otherwise."""
    keep_memory_flat()
    demo.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=MAX_FILE_SIZE,
        state_session_capacity=MAX_SESSIONS,
        allowed_paths=[str(EXAMPLES_DIR)],
        css=CSS,
        **kwargs,
    )
