"""The Gradio app. Handlers only translate between components and the `explorer` API; nothing is computed here.

Layout: the image and model pickers on top, one tab per view below. An image is analysed once (one forward
pass, explorer.analysis.analysis.Analysis) when it arrives; a tab's views are computed and drawn when the tab is
opened, from that analysis. Endpoints for API clients, which are also the MCP server's four tools (at
/gradio_api/mcp/ unless EXPLORER_MCP=0): `/predict` (classify: image, model, weights, top_k), `/explain`
(explain_image: image, model, weights), `/token_mixing_weights` (model, weights, block) and `/list_models`.
Presentation mode (`present=1`) turns the page into slides that keys and presenter clickers step through.
Deep links reproduce a slide:
`?model=embedded&example=chelsea-cat&view=evidence`, `?model=mixer_b16_224&weights=random&block=3&view=token-mixing&unit=5`.
"""
from __future__ import annotations

import ctypes
import functools
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import gradio as gr
import numpy as np
import torch

from explorer import memo
from explorer.model import embedded
from explorer.render import mpl as figures
from explorer.render import plotly as plots
from explorer.analysis.analysis import MAX_BATCH, Analysis, image_digest
from explorer.analysis.architecture import measure_latency
from explorer.model.catalogue import catalogue
from explorer.model.embedded import EXAMPLES, EXAMPLES_DIR
from explorer.errors import ExplorerError
from explorer.export import export_folder, overview_figures
from explorer.model.loading import WEIGHTS_CHOICES, LoadedModel, availability, default_model_name, device_name, load_model
from explorer.analysis.model_views import architecture_card, token_mixing
from explorer.render.galleries import stem_gallery, timeline_gallery, token_mixing_gallery
from explorer.text.guidance import fallback_banner, label_note, view_note
from explorer.text.teaching import VIEW_TEXT
from explorer.analysis.tour import STEP_TITLES
from explorer.render.mpl import unit_page_figure
from explorer.units import KINDS, Unit, feature_visualisation, reference_index, unit_count, unit_page

log = logging.getLogger("explorer.app.ui")

try:  # On a ZeroGPU Space, GPU work must run inside functions decorated with spaces.GPU; elsewhere nothing changes.
    import spaces

    on_gpu = spaces.GPU
except ImportError:

    def on_gpu(fn: Callable) -> Callable:
        return fn

MAX_FILE_SIZE = "10mb"
MAX_TOP_K = 50
MAX_BLOCK = 35  # the deepest model timm has (resmlp_36) has 36 blocks; each view clamps to its own model
LABEL_MARGIN = 36  # px above each drawn picture: gr.Image lays its label badge over the picture's top-left
MAX_SESSIONS = 256  # Gradio keeps a copy of every component's config per session (~0.3 MB here); the oldest go
FILE_LIFETIME_S = 3600  # Gradio deletes its copies of served files after an hour (explorer.memo does the same)
VIEWS = ("predict", "tour", "token-mixing", "stem", "activations", "evidence", "logit-lens", "shuffle", "unit", "architecture", "compare", "timeline", "export", "models")
NO_IMAGE = "Upload an image (or pick an example) to see this view."
TOUR_PROMPT = "The tour walks one Mixer layer on your image, with this model's real shapes: **upload an image or pick an example above** to start."
STEP_KEYS = ("previous", "next", "first", "last")
PRESENTATION_TEXT_SCALE = 2.2  # matplotlib's 9-10 pt, shown at ~0.8x on a 1280-px screen, to the ~23 px body text
UNIT_PAGE_TEXT_SCALE = 1.6  # a unit's page has five panels and long titles: larger would crowd them

# The drawn pictures (gr.Image of a matplotlib figure) and the Plotly charts: what lecture mode fits to the screen
# and a phone lays out apart, in the CSS and the page's script alike.
FIGURES = ("#tour-image", "#shuffle", "#gallery", "#unit", "#stem", "#timeline", "#unit-page")
CHARTS = ("#activations", "#evidence", "#lens", "#updates", "#compare-plot", "#arch-plot")


def each(ids: tuple[str, ...], inner: str = "", scope: str = "") -> str:
    """A CSS selector list: `inner` within each of the elements `ids`, inside `scope` (e.g. ".presentation ")."""
    return ", ".join(f"{scope}{i}{inner}" for i in ids)


# Presentation (lecture) mode: the header, controls and examples fold into one thin bar (image thumbnail, model,
# weights, block), the teaching texts give way to the view, and type is large with strong contrast (the colour
# maps are colour-blind safe already). Figures are sized to what is left of the screen, so a slide never scrolls:
# the fallback banner keeps to two lines (its whole reason shows outside lecture mode), the views' own fields are
# set before the lecture, and a unit's page is drawn as one row whose title names the unit (no heading above it).
LECTURE = ".presentation "
CSS = """
.offscreen { display: none !important; }
#banner { padding: 0.5rem 1rem; border-radius: 0.5rem; background: #fff4d6; border: 1px solid #e0b000; }
.presentation { --body-text-color: #000; --block-label-text-color: #000; --body-text-color-subdued: #111; }
.presentation #intro, .presentation #examples, .presentation #top-k, .presentation #run-row, .presentation #status, .presentation #predict-note,
.presentation .teaching, .presentation #image .source-selection, .presentation #image label { display: none !important; }
.presentation #header { flex-wrap: nowrap !important; align-items: center; gap: 0.75rem; }
.presentation #image-col { flex: 0 0 96px !important; min-width: 96px !important; }
.presentation #image, .presentation #image .image-container { height: 72px !important; min-height: 0 !important; }
.presentation #controls-col { flex-direction: row !important; align-items: center; gap: 0.75rem; }
.presentation #controls-col > .form { flex: 3 1 0 !important; flex-direction: row !important; min-width: 0 !important; }
.presentation #controls-col > .form > * { flex: 1 1 0 !important; min-width: 0 !important; }
.presentation #controls-col > .row { flex: 1 1 0 !important; min-width: 0 !important; }
.presentation #image .icon-button-wrapper, .presentation #step, .presentation .form:has(> #step) { display: none !important; }
.presentation #banner p { font-size: 1rem !important; line-height: 1.3 !important; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.presentation #tour-nav button { padding: 0.3rem 1rem; }
.presentation .prose, .presentation .prose p, .presentation #tour-text p { font-size: 1.45rem !important; line-height: 1.45 !important; }
.presentation .prose h3 { font-size: 2rem !important; }
.presentation button, .presentation label, .presentation .tab-container button { font-size: 1.2rem !important; }
.presentation #labels h2 { font-size: 2.4rem !important; }
.presentation #unit-text, .presentation .view-controls, .presentation .form:has(> .view-controls), .presentation #unit-nav .form { display: none !important; }
.presentation #unit-nav button { padding: 0.3rem 1rem; }
.presentation #tour-image, .presentation #shuffle, .presentation #gallery, .presentation #stem, .presentation #timeline { height: auto !important; }
""" + f"""
{each(FIGURES, " img", LECTURE)} {{ max-height: calc(100vh - 395px); width: auto !important; object-fit: contain; }}
{each(FIGURES, " label", LECTURE)} {{ display: none !important; }}
{each(CHARTS, " [data-testid=plotly]", LECTURE)} {{ height: max(340px, calc(100vh - 330px)); }}
@media (max-width: 760px) {{
  /* a phone: a chart keeps the width it was laid out for (two maps and their colour bars side by side) and scrolls sideways */
  {each(CHARTS)} {{ overflow-x: auto !important; }}
  {each(CHARTS, " [data-testid=plotly]")} {{ min-width: 720px; }}
  /* a drawn figure shrinks, and with it the white rows kept on top for its label badge and tool bar: they get a strip of their own */
  {each(FIGURES, " .image-container")} {{ padding-top: 26px; }}
}}
"""
# ←/→ and PageUp/PageDown (what presenter clickers send), Home/End: step the tour, the training timeline or the
# token-mixing units of the open view, through hidden buttons. Keys typed into a field, or sent to a chart, stay there.
# Esc leaves lecture mode.
# In lecture mode each drawn figure and chart ends at the bottom of the screen, wherever what is above it (a banner,
# a note of two lines, a view's controls) left it: the CSS above guesses, this measures, on every change of the
# page and of the window.
PAGE_JS = """
() => {
  const figures = "FIGURE_IMAGES";
  const charts = "CHART_BOXES";
  const lecturing = () => document.querySelector("gradio-app")?.classList.contains("presentation");
  let fitted = false;  // sizes were set in lecture mode: undo them when it ends
  const fit = () => {
    const lecture = lecturing();
    if (!lecture && !fitted) return;
    fitted = lecture;
    const room = (element, least) => lecture && element.offsetParent ? `${Math.max(least, Math.floor(innerHeight - element.getBoundingClientRect().top - scrollY - 16))}px` : "";
    for (const img of document.querySelectorAll(figures)) {
      const height = room(img, 200);
      if (img.style.maxHeight !== height) img.style.maxHeight = height;
    }
    let resized = false;
    for (const box of document.querySelectorAll(charts)) {  // a chart below the fold keeps a readable 340 px
      const height = room(box, 340);
      if (box.style.height !== height) { box.style.height = height; resized = true; }
    }
    if (resized) dispatchEvent(new Event("resize"));  // Plotly (responsive) fills its new box
  };
  let pending = false;
  const soon = () => {  // once per frame at most, and only around lecture mode: a normal page pays nothing
    if (pending || !(fitted || lecturing())) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; fit(); });
  };
  new MutationObserver(soon).observe(document.body, {childList: true, subtree: true, attributes: true, attributeFilter: ["class", "style", "src", "hidden"]});
  addEventListener("resize", soon);
  const actions = {ArrowRight: "next", PageDown: "next", ArrowLeft: "previous", PageUp: "previous", Home: "first", End: "last"};
  const steppable = ["#tour-text", "#snapshot", "#gallery", "#unit-page"];
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.target.closest("input, textarea, select, [contenteditable=true], .js-plotly-plot")) return;
    if (event.key === "Escape" && lecturing() && !document.fullscreenElement) {  // the way back: the checkbox is folded away on a slide
      document.querySelector("#present input")?.click();
      return;
    }
    const action = actions[event.key];
    if (!action || event.altKey || event.ctrlKey || event.metaKey) return;
    if (!steppable.some((id) => document.querySelector(id)?.offsetParent)) return;  // the open view has no steps
    event.preventDefault();
    document.querySelector(`#key-${action}`)?.click();
  });
  if (new URLSearchParams(location.search).get("present") === "1") document.querySelector("gradio-app")?.classList.add("presentation");
}
""".replace("FIGURE_IMAGES", each(FIGURES, " img")).replace("CHART_BOXES", each(CHARTS, " [data-testid=plotly]"))
# Gradio's status tracker announces each finished event to screen readers through keys its English locale lacks
# ("common.complete" was read out as such): the words here.
SCREEN_READER_WORDS = gr.I18n(en={"common.complete": "Done", "common.error": "Error"})
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


    async def async_move_resource_to_block_cache(self, url_or_file_path: str | Path | None) -> str | None:
        """An image given as a URL (API and MCP clients) is fetched here by Gradio, which refuses addresses on
        this machine or a private network (SSRF protection): say so instead of failing with no message."""
        try:
            return await super().async_move_resource_to_block_cache(url_or_file_path)
        except Exception as exc:
            if not str(url_or_file_path).startswith(("http://", "https://")):
                raise
            why = "addresses on this machine or on a private network are not fetched" if "failed validation" in str(exc) else f"{type(exc).__name__}: {exc}"
            raise gr.Error(f"The image at {str(url_or_file_path)[:200]} could not be fetched ({why}).") from None


class ModelInput(gr.Dropdown):
    """The model picker. It takes any timm Mixer-family name (with or without a pretrained tag), not only the
    listed ones, so API and MCP clients are not told otherwise (Gradio would list the choices as the only
    values); a name that is not a Mixer gets explorer's own message."""

    is_template = True

    def api_info(self) -> dict[str, Any]:
        return {"type": "string", "description": "a model name, e.g. " + ", ".join(c[1] for c in self.choices[:3])}


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
    return [[availability(e.name), e.name, e.family, e.label_set, f"{e.params / 1e6:.2f}M", e.patch_size, e.img_size, e.tokens, e.channels, e.tokens_mlp_dim, e.channels_mlp_dim, e.depth] for e in catalogue()]


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


def drawn(figure: Callable[..., Any], view: Any, large: bool, scale: float = 0.0) -> np.ndarray:
    """A matplotlib figure of a view as pixels; in presentation mode its text as large as the body text (or
    `scale` times larger, for figures of many panels)."""
    with figures.large_text((scale or PRESENTATION_TEXT_SCALE) if large else 1.0):
        return figures.drawn_once(figure(view))


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
    unit_kind: str = "channel"


class App:
    """The components, the per-view renderers and their wiring."""

    def __init__(self, default_model: str | None = None):
        self.default_model = default_model or default_model_name()
        memo.pin_images(image_digest(path) for path in EXAMPLES.values())  # a second click on an example answers at once
        self.stop_flags: dict[str | None, threading.Event] = {}  # per session, while its feature visualisation runs: Stop sets it
        self.renderers: dict[str, Callable[[Controls, str | None], dict]] = {
            "predict": self.show_predictions, "tour": self.show_tour, "token-mixing": self.show_token_mixing, "stem": self.show_stem,
            "activations": self.show_activations, "evidence": self.show_evidence, "logit-lens": self.show_lens, "shuffle": self.show_shuffle,
            "architecture": self.show_architecture, "compare": self.show_compare, "timeline": self.show_timeline, "unit": self.show_unit,
        }

    # --- what every handler starts from

    def load(self, model: str | None, weights: str | None) -> LoadedModel:
        return load_model(model or None, weights or "pretrained")

    def analysis(self, c: Controls, session: str | None) -> Analysis | None:
        """The analysis of the current image on the current model (kept per session in explorer.memo)."""
        return None if c.image is None else self.analysis_of(c.image, self.load(c.model, c.weights), session)

    def analysis_of(self, image: str | None, loaded: LoadedModel, session: str | None) -> Analysis:
        """The analysis of an image (made, or kept from before), as the session's current one."""
        return Analysis.of(loaded, require_image(image), session)

    # --- /predict and the predictions shown on every upload

    def classify(self, image: str | None, model: str | None, weights: str, top_k: float, request: gr.Request | None = None) -> dict:
        """Classify an image with an MLP-Mixer-family model: the k most likely labels with their probabilities.

        Args:
            image: the image to classify (a URL, a data URI or an uploaded file; JPEG, PNG, WebP, GIF, BMP, TIFF).
            model: a model name from list_models, e.g. "mixer_b16_224.goog_in21k_ft_in1k", or "embedded" (a small CIFAR-10 model that always runs). Empty: the best model that runs here.
            weights: "pretrained" (the model's trained weights) or "random" (its random initialisation, to compare).
            top_k: how many labels to return, 1 to 50.
        Returns:
            the labels with their probabilities (highest first), and one line naming the model that actually ran, its weights, the device and its label set (and why, if the model asked for could not run and the embedded one ran instead).
        """
        return self.predictions(self.analysis_of(image, self.load(model, weights), session_of(request)), top_k)

    def predictions(self, analysis: Analysis, top_k: float) -> dict:
        """The labels and the status line of an analysis (what /predict returns)."""
        k = max(1, min(int(top_k or 5), MAX_TOP_K))
        return {self.labels: label_scores(analysis.top_k(k)), self.status: analysis.loaded.status()}

    def image_changed(self, image: str | None, model: str | None, weights: str, top_k: float, block: float | None = None, request: gr.Request | None = None) -> dict:
        """A new image (upload, example, webcam, deep link) or model: the predictions and their note (none without an
        image), the status line, the fallback banner and the block slider's range (this model's blocks)."""
        loaded = self.load(model, weights)
        if image is None:
            shown_now = {self.labels: None, self.status: loaded.status(), self.predict_note: ""}
        else:
            analysis = self.analysis_of(image, loaded, session_of(request))
            shown_now = {**self.predictions(analysis, top_k), self.predict_note: predictions_note(analysis)}
        banner = fallback_banner(loaded)
        return {**shown_now, self.banner: gr.Markdown(banner, visible=bool(banner)),  # shown only with something to say
                self.block: gr.Slider(value=block_index(loaded, block), maximum=len(loaded.model.blocks) - 1)}

    # --- one renderer per tab: it computes (through the analysis) and draws its own components only

    def show(self, view: str, c: Controls, session: str | None) -> dict:
        renderer = self.renderers.get(view)
        return {self.view: view, **(renderer(c, session) if renderer else {})}

    def show_predictions(self, c: Controls, session: str | None) -> dict:
        """The predictions themselves are drawn on every new image; here, what this model knows beside them."""
        return {self.predict_note: predictions_note(self.analysis(c, session))}

    def show_tour(self, c: Controls, session: str | None) -> dict:
        analysis = self.analysis(c, session)
        if analysis is None:
            return {self.tour_text: TOUR_PROMPT, self.tour_image: None}
        steps = analysis.tour()
        k = min(max(int(c.step or 1), 1), len(steps))  # 1-based, as the slider and ?step= count
        step = steps[k - 1]
        return {self.tour_text: f"### Step {k} of {len(steps)}: {step.title}\n\n{step.text}", self.tour_image: shown(drawn(figures.tour_figure, step, large=c.present))}

    def show_token_mixing(self, c: Controls, session: str | None) -> dict:
        loaded = self.load(c.model, c.weights)
        b = block_index(loaded, c.block)
        view = token_mixing(loaded, b)
        units, (h, w) = len(view.maps), view.maps.shape[1:]
        note = (f"**{loaded.name}** ({loaded.weights}) · block {b} · {units} units of {h}×{w} patches · "
                f"smoothness {view.smoothness:.3f} (mean correlation of each map with itself shifted by one patch: ≈0 for noise)")
        out = {self.gallery: shown(token_mixing_gallery(loaded, b)[0]), self.gallery_note: f"{note}\n\n{view_note('token-mixing', loaded)}"}
        if c.unit is not None and int(c.unit) >= 0:
            out[self.unit] = self.unit_picture(loaded, b, min(int(c.unit), units - 1))
        return out

    def unit_picture(self, loaded: LoadedModel, block: int, unit: int) -> np.ndarray:
        view = token_mixing(loaded, block)
        return shown(figures.drawn_once(figures.token_unit_figure(view.maps[unit], None if view.outputs is None else view.outputs[unit], unit, block)))

    def show_stem(self, c: Controls, session: str | None) -> dict:
        loaded = self.load(c.model, c.weights)
        return {self.stem: shown(stem_gallery(loaded)[0]), self.stem_note: view_note("stem", loaded)}

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
        return {self.shuffle_md: text, self.shuffle: shown(drawn(figures.shuffle_figure, view, large=False))}  # its words are in the large line above

    def unit_of(self, model: str | None, weights: str, block: float, kind: str, index: float | None) -> tuple[LoadedModel, Unit]:
        """The unit the controls name, clamped to this model: block, kind and index."""
        loaded = self.load(model, weights)
        kind = kind if kind in KINDS else "channel"
        count = unit_count(loaded.model, kind)
        return loaded, Unit(block_index(loaded, block), kind, min(max(int(index or 0), 0), count - 1))

    def show_unit(self, c: Controls, session: str | None) -> dict:
        """A unit's page: its weights, its feature visualisation (shipped, made before, or on request), its top
        dataset examples, and where it fires on the current image."""
        loaded, unit = self.unit_of(c.model, c.weights, c.block, c.unit_kind, c.unit)
        analysis = self.analysis(c, session)
        reference = reference_index(loaded, uploads=[c.image] if c.image is not None else [])  # the shipped set where there is one
        page = unit_page(loaded, unit, reference, image_analysis=analysis, feature=False)
        count = unit_count(loaded.model, unit.kind)
        missing = page.feature is None
        text = (f"### {page.title} (of {count} {'channels' if unit.kind == 'channel' else 'token-mixing units'})\n\n{page.text}\n\n"
                f"Top examples from **{page.examples.reference}**." + ("" if analysis is not None else " Upload an image to see where the unit fires on it.")
                + ("\n\nThe feature visualisation of this unit is not computed yet: press the button (on a large model on a CPU it takes minutes)." if missing else ""))
        figure = functools.partial(unit_page_figure, slide=c.present)  # a slide: one row across the screen
        return {self.unit_md: text, self.unit_page_image: shown(drawn(figure, page, large=c.present, scale=UNIT_PAGE_TEXT_SCALE)),
                self.unit_feature_button: gr.Button(visible=missing), self.unit_stop: gr.Button(visible=missing)}

    def compute_feature(self, model: str | None, weights: str, block: float, kind: str, unit: float | None, request: gr.Request, progress=gr.Progress()) -> Any:
        """The feature visualisation of the page's unit, with a progress bar over the page; Stop cancels it
        (explorer.memo keeps it; the page is drawn again after)."""
        loaded, u = self.unit_of(model, weights, block, kind, unit)
        session = session_of(request)
        stop = self.stop_flags[session] = threading.Event()
        try:
            feature_visualisation(loaded, u.block, u.kind, u.index, progress=lambda step, total: progress((step, total), desc="optimising the image"), cancel=stop.is_set)
        finally:
            self.stop_flags.pop(session, None)
        return gr.skip()

    def stop_feature(self, request: gr.Request) -> None:
        stop = self.stop_flags.get(session_of(request))
        if stop is not None:
            stop.set()

    def unit_page_from(self, kind: str, index: float | None) -> dict:
        """A gallery tile or a channel opens its unit's page."""
        if index is None or int(index) < 0:
            raise gr.Error("Pick a unit first: click a tile of the gallery, or type a channel number.")
        return {self.unit_kind: kind, self.unit_index: int(index), self.tabs: gr.Tabs(selected="unit"), self.view: "unit"}

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
        return gr.skip() if unit is None else {self.unit: self.unit_picture(loaded, b, unit), self.unit_index: unit}

    def stepped(self, action: str, view: str, step: float, snapshot: float, unit: float | None, model: str | None, weights: str, block: float, kind: str) -> dict:
        """A key (PAGE_JS) pressed on a view with steps: the tour's step, the timeline's snapshot, the enlarged
        token-mixing unit (in the gallery's order) or the unit page's unit moves to the previous, next, first or last one."""

        def moved(position: int, count: int) -> int:
            return {"previous": max(position - 1, 0), "next": min(position + 1, count - 1), "first": 0, "last": count - 1}[action]

        if view == "tour":
            return {self.step: moved(int(step) - 1, len(STEP_TITLES)) + 1}
        if view == "timeline":
            return {self.snapshot: moved(int(snapshot), len(embedded.read_timeline()))}
        if view == "unit":
            loaded, current = self.unit_of(model, weights, block, kind, unit)
            return {self.unit_index: moved(current.index, unit_count(loaded.model, current.kind))}
        if view == "token-mixing":
            loaded = self.load(model, weights)
            order = [int(u) for u in token_mixing(loaded, block_index(loaded, block)).order]
            current = order.index(int(unit)) if unit is not None and int(unit) in order else -1
            return {self.unit_index: order[0 if current < 0 and action == "next" else moved(max(current, 0), len(order))]}
        return {}

    def latency(self, model: str | None, weights: str) -> str:
        loaded = self.load(model, weights)
        threads = f", {torch.get_num_threads()} threads" if loaded.device.type == "cpu" else ""
        return (f"**{measure_latency(loaded):.1f} ms** per image ({loaded.name}, one image at a time, median of 10 forward passes on "
                f"{device_name(loaded.device)}{threads}), measured just now: press again to measure again")

    def explain_image(self, image: str | None, model: str | None, weights: str, request: gr.Request | None = None) -> dict:
        """Explain how an MLP-Mixer-family model classifies an image, as numbers: predictions, the logit lens (the model's guess after every block), the per-patch evidence for the top class, the patch-shuffle test and the architecture.

        Args:
            image: the image to explain (a URL, a data URI or an uploaded file).
            model: a model name from list_models, or "embedded" (a small CIFAR-10 model that always runs). Empty: the best model that runs here.
            weights: "pretrained" or "random".
        Returns:
            summary.json (model, top_k, logit_lens per block, evidence, shuffle, token_mixing_smoothness per block, architecture), the figures of the image's views, and explanation.zip with every figure, arrays.npz and summary.json.
        """
        analysis = Analysis.of(self.load(model, weights), require_image(image), session_of(request), with_gradients=True)
        folder = export_folder(analysis)
        pngs = [(str(f), f.stem.replace("_", " ")) for f in overview_figures(folder / "explanation")]
        return {self.export_json: analysis.summary(), self.export_gallery: pngs, self.export_file: str(folder / "explanation.zip")}

    # --- tools for programs (gradio_client, MCP assistants) that have no view of their own

    def token_mixing_weights(self, model: str | None, weights: str, block: float) -> dict:
        """Read the learned token-mixing weights of one layer of an MLP-Mixer-family model: each hidden unit of the layer's token-mixing MLP weighs every patch of the image, so its weights form a map over the patch grid (the paper's Figure 1 shows these maps).

        Args:
            model: a model name from list_models, or "embedded" (a small CIFAR-10 model that always runs). Empty: the best model that runs here.
            weights: "pretrained" (learned maps) or "random" (the initialisation, noise: to compare).
            block: which layer, 0 for the first; larger than the model's last layer means the last.
        Returns:
            a JSON object {model, weights, block, depth, units, grid: [rows, cols], shape: [units, rows, cols], order: unit indices from the lowest to the highest spatial frequency (the gallery's order), smoothness: mean correlation of each map with itself shifted by one patch (about 0 for noise)}, and a picture of the layer's maps in that order.
        """
        loaded = self.load(model, weights)
        b = block_index(loaded, block)
        view = token_mixing(loaded, b)
        units, h, w = view.maps.shape
        summary = {"model": loaded.name, "weights": loaded.weights, "block": b, "depth": len(loaded.model.blocks), "units": units, "grid": [h, w],
                   "shape": [units, h, w], "order": [int(u) for u in view.order], "smoothness": round(view.smoothness, 4), "status": loaded.status()}
        return {self.tool_json: summary, self.tool_image: token_mixing_gallery(loaded, b)[0]}

    @staticmethod
    def list_models() -> list[dict]:
        """List the MLP-Mixer-family models this app can run (every Mixer, gMixer, ResMLP and gMLP that timm has, and the embedded CIFAR-10 model), with their sizes, label sets and whether their pretrained weights can be had here.

        Returns:
            one JSON object per model: name (what the other tools take as model), family, label_set, params, patch_size, img_size, tokens S, channels C, tokens_mlp_dim D_S, channels_mlp_dim D_C, depth, num_classes, and available (whether pretrained weights run here, and if not why not).
        """
        return [{**e.as_dict(), "available": availability(e.name)} for e in catalogue()]

    def deep_link(self, request: gr.Request) -> dict:
        """?model=…&weights=…&block=…&view=…&step=…&unit=…&example=…&present=1: a slide as a bookmark."""
        q = request.query_params if request else {}
        out: dict = {}
        if q.get("model"):
            out[self.model] = q["model"]
            out[self.weights] = weights_for(q["model"])
        if q.get("weights") in WEIGHTS_CHOICES:
            out[self.weights] = q["weights"]
        notes = []
        depth = next((e.depth for e in catalogue() if e.name == (q.get("model") or self.default_model)), MAX_BLOCK + 1)
        for key, component, first, last in (("block", self.block, 0, depth - 1), ("step", self.step, 1, len(STEP_TITLES)), ("unit", self.unit_index, 0, 10**6)):
            if key not in q:
                continue
            value = int(q[key]) if str(q[key]).lstrip("-").isdigit() else None
            clamped = first if value is None else min(max(value, first), last)
            if value != clamped:
                notes.append(f"`{key}={str(q[key])[:20]}` is outside {first}–{last}: showing {key} {clamped}.")
            out[component] = clamped
        out[self.block] = gr.Slider(value=out.get(self.block, 0), maximum=depth - 1)  # this model's blocks, not the deepest's
        if q.get("kind") in KINDS:
            out[self.unit_kind] = q["kind"]
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
                notes.append(f"`example={name[:60]}` is not one of the examples ({', '.join(EXAMPLES)}); it was ignored.")
        if notes:
            out[self.link_note] = "⚠️ " + " ".join(notes)
        return out

    # --- layout and wiring

    def build(self) -> gr.Blocks:
        choices = model_choices()
        with gr.Blocks(title="MLP-Mixer Explorer", delete_cache=(FILE_LIFETIME_S, FILE_LIFETIME_S)) as demo:
            self.view = gr.State("predict")  # the open tab: what a new image or model redraws
            gr.Markdown(INTRO, elem_id="intro")
            self.banner = gr.Markdown(elem_id="banner", visible=False)  # the embedded model standing in for an ImageNet one
            self.link_note = gr.Markdown(elem_id="link-note")
            with gr.Row(elem_id="header"):
                with gr.Column(scale=2, min_width=96, elem_id="image-col"):
                    self.image = ImageInput(label="Image", type="filepath", sources=["upload", "webcam", "clipboard"], height=300, elem_id="image")
                with gr.Column(scale=3, elem_id="controls-col"):
                    self.model = ModelInput(choices, value=self.default_model, label="Model", allow_custom_value=True, elem_id="model")
                    self.weights = gr.Radio(list(WEIGHTS_CHOICES), value=weights_for(self.default_model), label="Weights", elem_id="weights")
                    with gr.Row():
                        self.top_k = gr.Slider(1, MAX_TOP_K, value=5, step=1, label="Top-k", elem_id="top-k")
                        self.block = gr.Slider(0, MAX_BLOCK, value=0, step=1, label="Block", elem_id="block")
                    with gr.Row(elem_id="run-row"):
                        self.button = gr.Button("Classify and explain", variant="primary", elem_id="run", scale=3)
                        self.present = gr.Checkbox(False, label="Presentation mode", elem_id="present", scale=1)
                    self.status = gr.Markdown(elem_id="status")
            with gr.Column(elem_id="examples"):
                examples = gr.Examples(list(map(str, EXAMPLES.values())), inputs=[self.image], label="Examples (sources and licenses: assets/examples/SOURCES.md)")
            with gr.Row(elem_classes=["offscreen"]):  # pressed by the keyboard (PAGE_JS)
                keys = {action: gr.Button(action, elem_id=f"key-{action}") for action in STEP_KEYS}

            tabs: dict[str, gr.Tab] = {}
            with gr.Tabs(selected="predict", overflow_behavior="wrap") as self.tabs:  # every view one click away
                with gr.Tab("Predictions", id="predict") as tabs["predict"]:
                    teaching_text("predict")
                    self.labels = gr.Label(label="Predictions", elem_id="labels")
                    self.predict_note = gr.Markdown(elem_id="predict-note")
                with gr.Tab("Guided tour", id="tour") as tabs["tour"]:
                    with gr.Row(elem_id="tour-nav", equal_height=True):
                        previous = gr.Button("← Previous", scale=1)
                        self.step = gr.Slider(1, len(STEP_TITLES), value=1, step=1, label="Step (or ←/→ on the keyboard)", scale=4, elem_id="step")
                        following = gr.Button("Next →", scale=1, elem_id="next")
                    with gr.Row():  # a slide: the step's words beside its figure
                        self.tour_text = gr.Markdown(TOUR_PROMPT, elem_id="tour-text")
                        self.tour_image = gr.Image(label="This step on your image", format="png", interactive=False, elem_id="tour-image", scale=2, min_width=320)  # a phone: below the words
                with gr.Tab("Token mixing", id="token-mixing") as tabs["token-mixing"]:
                    teaching_text("token-mixing")
                    self.gallery_note = gr.Markdown()
                    with gr.Row():
                        self.gallery = gr.Image(label="Token-mixing units (click one)", format="png", interactive=False, elem_id="gallery", scale=3)
                        with gr.Column(scale=2):
                            self.unit = gr.Image(label="Selected unit", format="png", interactive=False, elem_id="unit")
                            open_token = gr.Button("Open this unit's page →", elem_id="open-token-unit")
                with gr.Tab("Stem", id="stem") as tabs["stem"]:
                    teaching_text("stem")
                    self.stem_note = gr.Markdown()
                    self.stem = gr.Image(label="Stem filters", format="png", interactive=False, elem_id="stem")
                with gr.Tab("Activations", id="activations") as tabs["activations"]:
                    teaching_text("activations")
                    with gr.Row(elem_classes=["view-controls"]):  # set before a lecture: lecture mode hides them
                        self.channel = gr.Number(-1, label="Channel (-1: norm over all channels)", precision=0)
                        self.scale = gr.Radio([SHARED_SCALE, OWN_SCALE], value=SHARED_SCALE, label="Colour scale")
                        self.patch = gr.Number(0, label="Patch for the top-channels table (row-major index)", precision=0)
                        open_channel = gr.Button("Open the channel's page →", elem_id="open-channel")
                    self.activations = gr.Plot(label="Per-layer activations", show_label=False, elem_id="activations")
                    self.top_table = gr.Dataframe(headers=["block", "patch", "channel", "activation"], label="Top channels of the patch, in the chosen block", interactive=False)
                    self.updates = gr.Plot(label="Residual updates per block", show_label=False, elem_id="updates")
                with gr.Tab("Evidence", id="evidence") as tabs["evidence"]:
                    teaching_text("evidence")
                    self.class_index = gr.Number(-1, label="Class index (-1: the predicted class)", precision=0, elem_classes=["view-controls"])
                    self.evidence = gr.Plot(label="Per-patch class evidence and saliency", show_label=False, elem_id="evidence")
                with gr.Tab("Logit lens", id="logit-lens") as tabs["logit-lens"]:
                    teaching_text("logit-lens")
                    self.lens = gr.Plot(label="Logit lens", show_label=False, elem_id="lens")
                    self.lens_table = gr.Dataframe(headers=["block", "lens top-1", "its probability", "final class's probability"], interactive=False)
                with gr.Tab("Patch shuffle", id="shuffle") as tabs["shuffle"]:
                    teaching_text("shuffle")
                    self.shuffle_md = gr.Markdown()
                    self.shuffle = gr.Image(label="Patch shuffle", format="png", interactive=False, elem_id="shuffle")
                with gr.Tab("Unit", id="unit") as tabs["unit"]:
                    teaching_text("unit")
                    with gr.Row(elem_id="unit-nav", equal_height=True):
                        unit_previous = gr.Button("← Previous unit", scale=1)
                        self.unit_kind = gr.Radio(list(KINDS), value="channel", label="Kind: a channel of the block's output, or a token-mixing unit", scale=2, elem_id="unit-kind")
                        self.unit_index = gr.Number(-1, label="Unit (the block is the Block slider above)", precision=0, scale=1, elem_id="unit-index")
                        unit_next = gr.Button("Next unit →", scale=1)
                    self.unit_md = gr.Markdown(elem_id="unit-text")
                    with gr.Row():
                        self.unit_feature_button = gr.Button("Compute the feature visualisation", visible=False, variant="primary", elem_id="unit-feature")
                        self.unit_stop = gr.Button("Stop", visible=False, elem_id="unit-stop")
                    self.unit_page_image = gr.Image(label="Unit page", format="png", interactive=False, elem_id="unit-page")
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
                    with gr.Row(equal_height=True):  # one row: the chart keeps the height of a slide
                        self.model_b = gr.Dropdown(choices, value=embedded.EMBEDDED_NAME, label="Second model", allow_custom_value=True, scale=3)
                        self.weights_b = gr.Radio(list(WEIGHTS_CHOICES), value="random", label="Second model's weights", scale=2)
                        compare_button = gr.Button("Compare", scale=1)
                    self.compare_plot = gr.Plot(label="Token-mixing smoothness per block", show_label=False, elem_id="compare-plot")
                    with gr.Row():
                        with gr.Column():
                            self.gallery_a, self.note_a, self.labels_a = gr.Image(format="png", interactive=False, label="First model"), gr.Markdown(), gr.Label(label="First model")
                        with gr.Column():
                            self.gallery_b, self.note_b, self.labels_b = gr.Image(format="png", interactive=False, label="Second model"), gr.Markdown(), gr.Label(label="Second model")
                with gr.Tab("Training timeline", id="timeline") as tabs["timeline"]:
                    teaching_text("timeline")
                    snapshots = len(embedded.read_timeline())
                    self.snapshot = gr.Slider(0, max(snapshots - 1, 0), value=max(snapshots - 1, 0), step=1, label="Snapshot (from initialisation to the end of training)", elem_id="snapshot")
                    self.timeline_note = gr.Markdown()
                    self.timeline = gr.Image(label="Embedded model: token-mixing units during training", format="png", interactive=False, elem_id="timeline")
                with gr.Tab("Export", id="export") as tabs["export"]:
                    gr.Markdown("Every view of the current image: figures as PNG (charts also as SVG), arrays as `arrays.npz`, the numbers as `summary.json`. The same as `python -m explorer explain` and the `/explain` endpoint.")
                    export_button = gr.Button("Export all views")
                    self.export_file = gr.File(label="explanation.zip", elem_id="export-file")
                    self.export_gallery = gr.Gallery(label="Figures", columns=3, height="auto", object_fit="contain")  # wide figures whole, not cropped square
                    self.export_json = gr.JSON(label="summary.json")
                with gr.Tab("Models", id="models") as tabs["models"]:
                    gr.Markdown("Every Mixer-family model timm knows, and the embedded default trained for this app. S tokens, C channels, D_S and D_C the token- and channel-MLP widths.")
                    gr.Dataframe(catalogue_rows(), headers=["pretrained weights here", "name", "family", "labels", "params", "patch", "image", "S", "C", "D_S", "D_C", "depth"], interactive=False, wrap=True)
            with gr.Row(visible=False):  # the token_mixing_weights tool's outputs (programs only)
                self.tool_json, self.tool_image = gr.JSON(), gr.Image(format="png", type="numpy")
                self.tool_button = gr.Button()
            gr.api(self.list_models, api_name="list_models", queue=False)
            self.wire(demo, tabs, examples, previous, following, latency_button, latency, compare_button, export_button, keys,
                      (open_token, open_channel, unit_previous, unit_next))
        demo.queue(max_size=64, default_concurrency_limit=2)
        return demo

    @property
    def controls(self) -> list[gr.components.Component]:
        return [self.image, self.model, self.weights, self.top_k, self.block, self.present, self.channel, self.scale, self.patch,
                self.class_index, self.step, self.snapshot, self.model_b, self.weights_b, self.unit_index, self.unit_kind]

    @property
    def view_outputs(self) -> list[gr.components.Component]:
        return [self.view, self.predict_note, self.tour_text, self.tour_image, self.gallery, self.gallery_note, self.unit, self.stem, self.stem_note, self.activations, self.top_table,
                self.updates, self.evidence, self.lens, self.lens_table, self.shuffle_md, self.shuffle, self.arch, self.arch_plot, self.compare_plot,
                self.gallery_a, self.note_a, self.labels_a, self.gallery_b, self.note_b, self.labels_b, self.timeline, self.timeline_note,
                self.unit_md, self.unit_page_image, self.unit_feature_button, self.unit_stop]

    def view_handler(self, view: str | None) -> Callable:
        """The handler that draws one tab (view given) or the open tab (view None, read from the state)."""

        @on_gpu
        @user_errors
        def draw(request: gr.Request, open_view: str, *values: Any) -> dict:  # Gradio passes the request first
            return self.show(view or open_view, Controls(*values), session_of(request))

        return draw

    def wire(self, demo, tabs, examples, previous, following, latency_button, latency, compare_button, export_button, keys, unit_buttons) -> None:
        open_token, open_channel, unit_previous, unit_next = unit_buttons
        private = dict(api_visibility="private")
        inputs, outputs = [self.view, *self.controls], self.view_outputs
        redraw = self.view_handler(None)
        predictions = [self.image, self.model, self.weights, self.top_k]
        image_inputs, image_outputs = [*predictions, self.block], [self.labels, self.status, self.predict_note, self.banner, self.block]

        # The public endpoints, which are also the MCP tools: /predict (classify), /explain (explain_image),
        # /token_mixing_weights and /list_models (weights-only views, kept per model: not queued, so an MCP client
        # gets the picture as an image). Everything else serves the page only. Forward passes of new
        # images run up to MAX_BATCH at once, so that concurrent ones share a batch (explorer.model.batching).
        forward = dict(concurrency_id="forward", concurrency_limit=MAX_BATCH)
        self.button.click(on_gpu(user_errors(self.classify)), predictions, [self.labels, self.status], api_name="predict", **forward).then(redraw, inputs, outputs, **private)
        export_button.click(on_gpu(user_errors(self.explain_image)), [self.image, self.model, self.weights], [self.export_json, self.export_gallery, self.export_file], api_name="explain")
        self.tool_button.click(user_errors(self.token_mixing_weights), [self.model, self.weights, self.block], [self.tool_json, self.tool_image], api_name="token_mixing_weights", queue=False)

        # A new image (upload, webcam, clipboard, an example, a deep link) or another model: the predictions, then
        # the open tab. (`input` and the examples' own event, not `change`, which Gradio fires twice per upload.)
        model_changed = self.model.input(weights_for, self.model, self.weights, **private)
        for event in (self.image.input, examples.load_input_event.then, model_changed.then, self.weights.input):
            event(on_gpu(user_errors(self.image_changed)), image_inputs, image_outputs, **private, **forward).then(redraw, inputs, outputs, **private)

        # Opening a tab draws that tab only.
        for name, tab in tabs.items():
            tab.select(self.view_handler(name), inputs, outputs, **private)

        # A person changing a control of the open view redraws it (`input`, not `change`: a deep link sets many
        # controls at once and draws once).
        for control in (self.block, self.scale, self.step, self.snapshot, self.present):
            control.input(redraw, inputs, outputs, trigger_mode="always_last", **private)
        for control in (self.channel, self.class_index, self.patch):  # as typed (the latest value wins), not only on Enter
            control.input(redraw, inputs, outputs, trigger_mode="always_last", **private)
        self.present.change(None, self.present, self.present, js=TOGGLE_PRESENTATION, **private)
        self.gallery.select(user_errors(self.unit_clicked), [self.model, self.weights, self.block], [self.unit, self.unit_index], **private)
        opened = [self.unit_kind, self.unit_index, self.tabs, self.view]
        open_token.click(user_errors(functools.partial(self.unit_page_from, "token")), self.unit_index, opened, **private).then(self.view_handler("unit"), inputs, outputs, **private)
        open_channel.click(user_errors(functools.partial(self.unit_page_from, "channel")), self.channel, opened, **private).then(self.view_handler("unit"), inputs, outputs, **private)
        for control in (self.unit_index, self.unit_kind):
            control.input(redraw, inputs, outputs, trigger_mode="always_last", **private)
        computing = self.unit_feature_button.click(user_errors(self.compute_feature), [self.model, self.weights, self.block, self.unit_kind, self.unit_index], self.unit_page_image, **private)
        computing.then(redraw, inputs, outputs, **private)
        self.unit_stop.click(self.stop_feature, None, None, **private)
        latency_button.click(user_errors(self.latency), [self.model, self.weights], latency, **private)
        # The tour's and the unit page's buttons and the keyboard (hidden buttons) step the open view alike.
        steppers = [*keys.items(), ("previous", previous), ("next", following), ("previous", unit_previous), ("next", unit_next)]
        for action, button in steppers:
            button.click(user_errors(functools.partial(self.stepped, action)), [self.view, self.step, self.snapshot, self.unit_index, self.model, self.weights, self.block, self.unit_kind],
                         [self.step, self.snapshot, self.unit_index], **private).then(redraw, inputs, outputs, **private)
        compare_button.click(self.view_handler("compare"), inputs, outputs, **private)

        # A deep link sets the controls (an example becomes the image) and predicts. It draws its tab through the
        # tab's own `select`, which Gradio fires when the page opens on it (a second draw would race the first).
        link = [self.model, self.weights, self.block, self.unit_index, self.unit_kind, self.step, self.tabs, self.view, self.present, self.image, self.link_note]
        demo.load(self.deep_link, None, link, **private).then(on_gpu(user_errors(self.image_changed)), image_inputs, image_outputs, **private)


SHARED_SCALE, OWN_SCALE = "one scale for all blocks", "each block its own"


def predictions_note(analysis: Analysis | None) -> str:
    """What the model knows, beside its predictions (with a word when the image or the answer is doubtful)."""
    return "" if analysis is None else label_note(analysis.loaded, analysis.picture, float(analysis.probabilities.max()))


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
    and a fixed 256 KB threshold (larger tensors are mapped, and unmapped when freed) keep it near what it uses:
    1.41 GB at the peak of 50 B/16 /explain, against 1.72 GB after 20 with glibc's defaults. The price is paid in
    page faults, each pass mapping its tensors afresh: a B/16 forward takes ~35% longer in the server than in a
    plain process. Only on glibc; a setting of the server process, made before it starts serving."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt  # noqa: B018 - glibc has it, musl and macOS do not
    except (OSError, AttributeError):
        return
    m_mmap_threshold, m_arena_max = -3, -8
    libc.mallopt(m_arena_max, 2)
    libc.mallopt(m_mmap_threshold, 256 << 10)


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, mcp: bool | None = None, **kwargs: Any) -> None:
    """Serve on 127.0.0.1:7860 unless GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (or host/port) say otherwise, with
    the MCP server at /gradio_api/mcp/ unless EXPLORER_MCP=0 (or mcp=False)."""
    keep_memory_flat()
    demo.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        mcp_server=os.environ.get("EXPLORER_MCP", "1") != "0" if mcp is None else mcp,
        max_file_size=MAX_FILE_SIZE,
        state_session_capacity=MAX_SESSIONS,
        allowed_paths=[str(EXAMPLES_DIR)],
        css=CSS,
        js=PAGE_JS,
        i18n=SCREEN_READER_WORDS,
        **kwargs,
    )
