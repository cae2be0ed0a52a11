"""The Gradio app. Handlers only translate between components and the `explorer` API; nothing is computed here.

Layout: the image and model pickers on top, one tab per view below. Endpoints for API clients:
`/predict` (image, model, weights, top_k) and `/explain` (image, model, weights). Deep links select the model,
weights, block and view: `?model=mixer_b16_224&weights=random&block=3&view=token-mixing`.
"""
from __future__ import annotations

import functools
import logging
import os
from typing import Any, Callable

import gradio as gr
import numpy as np

from explorer import embedded, figures
from explorer.activations import channel_maps, top_channels
from explorer.catalogue import catalogue
from explorer.errors import ExplorerError
from explorer.explain import architecture_card_cached, stem_gallery, timeline_gallery, token_mixing, token_mixing_gallery
from explorer.figures import activations_figure, unit_figure
from explorer.inference import predict
from explorer.loading import WEIGHTS_CHOICES, LoadedModel, availability, default_model_name, load_model
from explorer.recent import RecentExplanations
from explorer.teaching import VIEW_TEXT
from explorer.tour import STEP_TITLES, tour

log = logging.getLogger("explorer.ui")

try:  # On a ZeroGPU Space, GPU work must run inside functions decorated with spaces.GPU; elsewhere nothing changes.
    import spaces

    on_gpu = spaces.GPU
except ImportError:

    def on_gpu(fn: Callable) -> Callable:
        return fn

EXAMPLES_DIR = embedded.ASSETS / "examples"
MAX_FILE_SIZE = "10mb"
MAX_TOP_K = 50
LABEL_MARGIN = 36  # px above each drawn figure: gr.Image lays its label badge over the picture's top-left
MAX_SESSIONS = 256  # Gradio keeps a copy of every component's config per session (~0.3 MB here); the oldest go
FILE_LIFETIME_S = 3600  # Gradio deletes its copies of served files after an hour (explorer.recent does the same)
VIEWS = ("predict", "tour", "token-mixing", "stem", "activations", "evidence", "logit-lens", "shuffle", "architecture", "compare", "timeline", "export", "models")

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
    return [[e.name, e.family, e.patch_size, e.img_size, e.tokens, e.channels, e.tokens_mlp_dim, e.channels_mlp_dim, e.depth, f"{e.params / 1e6:.2f}M", e.label_set, availability(e.name)] for e in catalogue()]


def require_image(image: str | None) -> str:
    if image is None:
        raise gr.Error("Upload an image first (or pick one of the examples).")
    return image


def loaded_model(model: str | None, weights: str | None, progress: gr.Progress | None = None) -> LoadedModel:
    if progress is not None:
        progress(0.1, desc=f"loading {model or 'the default model'} ({weights} weights)")
    return load_model(model or None, weights or "pretrained")


def block_index(loaded: LoadedModel, block: float | None) -> int:
    """The block slider's value, clamped to this model's depth (models differ: 8 to 36 blocks)."""
    return min(max(int(block or 0), 0), len(loaded.model.blocks) - 1)


def shown(pixels: np.ndarray) -> np.ndarray:
    """A drawn figure with LABEL_MARGIN white rows on top, where gr.Image lays its label badge."""
    return np.pad(pixels, ((LABEL_MARGIN, 0), (0, 0), (0, 0)), constant_values=255)


def label_scores(predictions) -> dict[str, float]:
    scores: dict[str, float] = {}
    for p in predictions:  # ImageNet-21k repeats some descriptions: keep every class visible
        scores[p.label if p.label not in scores else f"{p.label} (#{p.index})"] = p.probability
    return scores


# ---------------------------------------------------------------------------------------------- handlers


@on_gpu
@user_errors
def classify(image: str | None, model: str | None, weights: str, top_k: float, progress: gr.Progress = gr.Progress()) -> tuple[dict[str, float], str]:
    """/predict: the image file, model name, weights choice and k -> (label scores, status line)."""
    loaded = loaded_model(model, weights, progress)
    k = max(1, min(int(top_k or 5), MAX_TOP_K))
    return label_scores(predict(require_image(image), loaded, top_k=k)), loaded.status()


recent = RecentExplanations()


@on_gpu
@user_errors
def image_views(image: str | None, model: str | None, weights: str, channel: float, class_index: float, block: float, patch: float, progress: gr.Progress = gr.Progress()) -> tuple:
    """Every view of the current image: activations (norm or one channel), top channels of a patch, updates,
    evidence (top-1 or a chosen class), logit lens and patch shuffle."""
    empty = "Upload an image (or pick an example) to see this view."
    if image is None:
        return (None, [], None, None, None, [], None, empty)
    loaded = loaded_model(model, weights, progress)
    progress(0.4, desc="one forward pass, then every view")
    chosen = int(class_index) if class_index is not None and int(class_index) >= 0 else None
    if chosen is not None and chosen >= len(loaded.class_names):
        raise gr.Error(f"class index {chosen} is out of range: this model has {len(loaded.class_names)} classes (0 to {len(loaded.class_names) - 1})")
    entry = recent.get(loaded, image, chosen)
    result, drawn = entry.result, {name: shown(pixels) for name, pixels in entry.pictures().items()}
    summary, cap = result.summary, result.capture
    activations = drawn["activations"]
    channels = cap.blocks.shape[-1]
    if channel is not None and 0 <= int(channel):
        ch = min(int(channel), channels - 1)
        activations = shown(figures.drawn_once(activations_figure(result.image, channel_maps(cap, ch), f"channel {ch} of every block's output (of {channels})")))
    b = block_index(loaded, block)
    p = min(max(int(patch or 0), 0), cap.blocks.shape[1] - 1)
    top = [[b, p, ch, round(v, 4)] for ch, v in top_channels(cap, b, p)]
    sh = summary["shuffle"]
    shuffle_md = (
        f"**original:** {sh['top1']['label']} · **patches shuffled:** {sh['shuffled_top1']['label']} · "
        f"**token mixing permuted too:** {sh['restored_top1']['label']} · max |Δlogit| = {sh['max_abs_logit_diff']:.2e}"
    )
    lens_rows = [[s["block"], s["label"], round(s["probability"], 4)] for s in summary["logit_lens"]]
    return (activations, top, drawn["updates"], drawn["evidence"], drawn["logit_lens"], lens_rows, drawn["shuffle"], shuffle_md)


@user_errors
def model_views(model: str | None, weights: str, block: float) -> tuple:
    """Views of the weights alone: the block picker's range, token-mixing gallery, stem filters, architecture."""
    loaded = loaded_model(model, weights)
    b = block_index(loaded, block)
    gallery, note = block_gallery(loaded, b)
    card = architecture_card_cached(loaded)
    return (gr.Slider(maximum=len(loaded.model.blocks) - 1, value=b), gallery, note, stem_gallery(loaded)[0], architecture_markdown(card, loaded))


def block_gallery(loaded: LoadedModel, block: int) -> tuple[np.ndarray, str]:
    view = token_mixing(loaded, block)
    units, (h, w) = len(view.maps), view.maps.shape[1:]
    note = (f"**{loaded.name}** ({loaded.weights}) · block {block} · {units} units of {h}×{w} patches · "
            f"smoothness {view.smoothness:.3f} (mean correlation of each map with itself shifted by one patch: ≈0 for noise)")
    return token_mixing_gallery(loaded, block)[0], note


@user_errors
def gallery_for_block(model: str | None, weights: str, block: float) -> tuple[np.ndarray, str]:
    loaded = loaded_model(model, weights)
    return block_gallery(loaded, block_index(loaded, block))


@user_errors
def unit_view(model: str | None, weights: str, block: float, evt: gr.SelectData) -> np.ndarray | None:
    """A click on the gallery: enlarge the unit under the pointer, with where it writes back (fc2)."""
    loaded = loaded_model(model, weights)
    b = block_index(loaded, block)
    _, layout = token_mixing_gallery(loaded, b)
    unit = layout.unit_at(int(evt.index[0]), int(evt.index[1]))
    if unit is None:
        return gr.skip()
    view = token_mixing(loaded, b)
    return shown(figures.drawn_once(unit_figure(view.maps[unit], None if view.outputs is None else view.outputs[unit], unit, b)))


def architecture_markdown(card, loaded: LoadedModel) -> str:
    rows = [
        ("family", card.family), ("patch size", f"{card.patch_size}×{card.patch_size}"), ("image size", f"{card.img_size}×{card.img_size}"),
        ("tokens S", card.tokens), ("channels C", card.channels), ("token-MLP width D_S", card.tokens_mlp_dim),
        ("channel-MLP width D_C", card.channels_mlp_dim), ("depth", card.depth), ("parameters", f"{card.params:,}"),
        ("GFLOPs per image", f"{card.gflops:.2f}"), (f"latency on {card.device}", f"{card.latency_ms:.1f} ms"), ("labels", loaded.label_set),
    ]
    text = f"### {card.name}\n\n| | |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    if card.paper_row:
        r = card.paper_row
        text += (f"\n\n**Paper, Table 1 ({r['model']}):** {r['layers']} layers · patch {r['patch']} · hidden C {r['hidden']} · "
                 f"D_S {r['tokens_mlp_dim']} · D_C {r['channels_mlp_dim']} · S {r['sequence_length']} · {r['params_m']}M parameters")
    else:
        text += "\n\n*The paper's Table 1 has no row for this model.*"
    return text


@on_gpu
@user_errors
def compare(image: str | None, model_a: str | None, weights_a: str, model_b: str | None, weights_b: str, block: float) -> tuple:
    """Two models side by side: token-mixing units of the same block, and predictions on the same image."""
    views = []
    for model, weights in ((model_a, weights_a), (model_b, weights_b)):
        loaded = loaded_model(model, weights)
        gallery, note = block_gallery(loaded, block_index(loaded, block))
        scores = label_scores(predict(image, loaded, top_k=5)) if image is not None else None
        views += [gallery, note, scores]
    return tuple(views)


@user_errors
def timeline_view(block: float, snapshot: float) -> tuple[np.ndarray | None, str]:
    epochs = list(embedded.read_timeline())
    if not epochs:
        return None, "No training timeline is shipped with the embedded model."
    epoch = epochs[min(max(int(snapshot or 0), 0), len(epochs) - 1)]
    depth = embedded.ARCHITECTURE["num_blocks"]
    image, smooth = timeline_gallery(min(max(int(block or 0), 0), depth - 1), epoch)
    return image, f"epoch {epoch} of {epochs[-1]} · smoothness {smooth:.3f}"


@on_gpu
@user_errors
def export(image: str | None, model: str | None, weights: str, progress: gr.Progress = gr.Progress()) -> tuple[dict, list[tuple[str, str]], str]:
    """/explain: every view of the image as the summary (JSON), the figures (PNG) and one zip with the PNGs,
    SVGs, arrays.npz and summary.json."""
    loaded = loaded_model(model, weights, progress)
    progress(0.4, desc="computing every view")
    entry = recent.get(loaded, require_image(image), None)
    folder = entry.export_folder(loaded)
    pngs = [(str(f), f.stem.replace("_", " ")) for f in sorted((folder / "explanation").glob("*.png"))]
    return entry.result.summary, pngs, str(folder / "explanation.zip")


@functools.lru_cache(maxsize=8)
def tour_pictures(image: str, model: str | None, weights: str) -> tuple[tuple[str, str, np.ndarray], ...]:
    """The tour's steps for one upload and model, drawn once: (title, text, picture)."""
    return tuple((s.title, s.text, shown(figures.drawn_once(s.figure))) for s in tour(loaded_model(model, weights), image))


@on_gpu
@user_errors
def tour_step(image: str | None, model: str | None, weights: str, step: float) -> tuple[str, np.ndarray | None]:
    if image is None:
        return "Upload an image (or pick an example): the tour walks one Mixer layer on it, with this model's real shapes.", None
    steps = tour_pictures(image, model, weights)
    k = min(max(int(step or 1), 1), len(steps))  # 1-based, as the slider and ?step= count
    title, words, picture = steps[k - 1]
    return f"### Step {k} of {len(steps)}: {title}\n\n{words}", picture


def deep_link(request: gr.Request) -> tuple:
    """?model=…&weights=…&block=…&view=…&step=…&present=1 select the model, weights, block, tab, tour step and
    presentation mode, for bookmarks and slides."""
    q = request.query_params if request else {}
    model = q.get("model") or gr.skip()
    weights = q.get("weights") if q.get("weights") in WEIGHTS_CHOICES else gr.skip()
    block = int(q["block"]) if str(q.get("block", "")).isdigit() else gr.skip()
    view = gr.Tabs(selected=q["view"]) if q.get("view") in VIEWS else gr.skip()
    step = min(int(q["step"]), len(STEP_TITLES)) if str(q.get("step", "")).isdigit() and int(q["step"]) >= 1 else gr.skip()
    present = q.get("present") in ("1", "true", "yes") or gr.skip()
    return model, weights, block, view, step, present


def weights_for(model: str | None) -> str:
    """Architectures without pretrained weights can only run with random weights: switch the radio for them."""
    return "random" if model and availability(model).startswith("no pretrained") else "pretrained"


def teaching_text(view: str) -> None:
    gr.Markdown(VIEW_TEXT[view], elem_classes=["teaching"])


# ---------------------------------------------------------------------------------------------- layout


def build_app(default_model: str | None = None) -> gr.Blocks:
    default_model = default_model or default_model_name()
    examples = sorted(str(p) for p in EXAMPLES_DIR.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    choices = model_choices()
    with gr.Blocks(title="MLP-Mixer Explorer", delete_cache=(FILE_LIFETIME_S, FILE_LIFETIME_S)) as demo:
        gr.Markdown(INTRO)
        with gr.Row():
            with gr.Column(scale=2):
                image = ImageInput(label="Image", type="filepath", sources=["upload", "webcam", "clipboard"], height=300, elem_id="image")
            with gr.Column(scale=3):
                model = gr.Dropdown(choices, value=default_model, label="Model", allow_custom_value=True, elem_id="model")
                weights = gr.Radio(list(WEIGHTS_CHOICES), value=weights_for(default_model), label="Weights", elem_id="weights")
                with gr.Row():
                    top_k = gr.Slider(1, MAX_TOP_K, value=5, step=1, label="Top-k")
                    block = gr.Slider(0, 30, value=0, step=1, label="Block", elem_id="block")
                with gr.Row():
                    button = gr.Button("Classify and explain", variant="primary", elem_id="run", scale=3)
                    present = gr.Checkbox(False, label="Presentation mode", elem_id="present", scale=1)
                status = gr.Markdown(elem_id="status")
        gr.Examples(examples, inputs=[image], label="Examples (sources and licenses: assets/examples/SOURCES.md)")

        with gr.Tabs(selected="predict") as tabs:
            with gr.Tab("Predictions", id="predict"):
                teaching_text("predict")
                labels = gr.Label(label="Predictions", elem_id="labels")
            with gr.Tab("Guided tour", id="tour"):
                with gr.Row():
                    previous = gr.Button("← Previous", scale=1)
                    step = gr.Slider(1, len(STEP_TITLES), value=1, step=1, label="Step", scale=4, elem_id="step")
                    following = gr.Button("Next →", scale=1, elem_id="next")
                tour_text = gr.Markdown(elem_id="tour-text")
                tour_image = gr.Image(label="This step on your image", format="png", interactive=False, elem_id="tour-image")
            with gr.Tab("Token mixing", id="token-mixing"):
                teaching_text("token-mixing")
                gallery_note = gr.Markdown()
                with gr.Row():
                    gallery = gr.Image(label="Token-mixing units (click one)", format="png", interactive=False, elem_id="gallery", scale=3)
                    unit = gr.Image(label="Selected unit", format="png", interactive=False, elem_id="unit", scale=2)
            with gr.Tab("Stem", id="stem"):
                teaching_text("stem")
                stem = gr.Image(label="Stem filters", format="png", interactive=False)
            with gr.Tab("Activations", id="activations"):
                teaching_text("activations")
                with gr.Row():
                    channel = gr.Number(-1, label="Channel (-1: norm over all channels)", precision=0)
                    patch = gr.Number(0, label="Patch for the top-channels table (row-major index)", precision=0)
                activations = gr.Image(label="Per-layer activations", format="png", interactive=False)
                top_table = gr.Dataframe(headers=["block", "patch", "channel", "activation"], label="Top channels of the patch, in the chosen block", interactive=False)
                updates = gr.Image(label="Residual updates per block", format="png", interactive=False)
            with gr.Tab("Evidence", id="evidence"):
                teaching_text("evidence")
                class_index = gr.Number(-1, label="Class index (-1: the predicted class)", precision=0)
                evidence = gr.Image(label="Per-patch class evidence and saliency", format="png", interactive=False)
            with gr.Tab("Logit lens", id="logit-lens"):
                teaching_text("logit-lens")
                lens = gr.Image(label="Logit lens", format="png", interactive=False)
                lens_table = gr.Dataframe(headers=["block", "top-1", "probability"], interactive=False)
            with gr.Tab("Patch shuffle", id="shuffle"):
                teaching_text("shuffle")
                shuffle_md = gr.Markdown()
                shuffle = gr.Image(label="Patch shuffle", format="png", interactive=False)
            with gr.Tab("Architecture", id="architecture"):
                teaching_text("architecture")
                arch = gr.Markdown()
            with gr.Tab("Compare", id="compare"):
                teaching_text("compare")
                with gr.Row():
                    model_b = gr.Dropdown(choices, value=embedded.EMBEDDED_NAME, label="Second model", allow_custom_value=True)
                    weights_b = gr.Radio(list(WEIGHTS_CHOICES), value="random", label="Second model's weights")
                compare_button = gr.Button("Compare")
                with gr.Row():
                    with gr.Column():
                        gallery_a, note_a, labels_a = gr.Image(format="png", interactive=False, label="First model"), gr.Markdown(), gr.Label(label="First model")
                    with gr.Column():
                        gallery_b, note_b, labels_b = gr.Image(format="png", interactive=False, label="Second model"), gr.Markdown(), gr.Label(label="Second model")
            with gr.Tab("Training timeline", id="timeline"):
                teaching_text("timeline")
                snapshots = len(embedded.read_timeline())
                snapshot = gr.Slider(0, max(snapshots - 1, 0), value=max(snapshots - 1, 0), step=1, label="Snapshot (from initialisation to the end of training)")
                timeline_note = gr.Markdown()
                timeline = gr.Image(label="Embedded model: token-mixing units during training", format="png", interactive=False)
            with gr.Tab("Export", id="export"):
                gr.Markdown("Every view of the current image: figures as PNG (charts also as SVG), arrays as `arrays.npz`, the numbers as `summary.json`. The same as `python -m explorer explain` and the `/explain` endpoint.")
                export_button = gr.Button("Export all views")
                export_file = gr.File(label="explanation.zip", elem_id="export-file")
                export_gallery = gr.Gallery(label="Figures", columns=4, height="auto")
                export_json = gr.JSON(label="summary.json")
            with gr.Tab("Models", id="models"):
                gr.Markdown("Every Mixer-family model timm knows, and the embedded default trained for this app. S tokens, C channels, D_S and D_C the token- and channel-MLP widths.")
                gr.Dataframe(catalogue_rows(), headers=["name", "family", "patch", "image", "S", "C", "D_S", "D_C", "depth", "params", "labels", "pretrained weights here"], interactive=False, wrap=True)

        # Wiring. /predict and /explain are the public endpoints; the rest serve the page only.
        private = dict(api_visibility="private")
        image_outputs = [activations, top_table, updates, evidence, lens, lens_table, shuffle, shuffle_md]
        image_inputs = [image, model, weights, channel, class_index, block, patch]
        model_outputs = [block, gallery, gallery_note, stem, arch]

        run = button.click(classify, [image, model, weights, top_k], [labels, status], api_name="predict")
        run.then(image_views, image_inputs, image_outputs, **private)
        uploaded = image.upload(classify, [image, model, weights, top_k], [labels, status], **private)
        uploaded.then(image_views, image_inputs, image_outputs, **private)
        for control in (channel, class_index, patch):
            control.submit(image_views, image_inputs, image_outputs, **private)
        model_changed = model.input(weights_for, model, weights, **private)
        for event in (model_changed.then, weights.input):
            event(model_views, [model, weights, block], model_outputs, **private)
        block.release(gallery_for_block, [model, weights, block], [gallery, gallery_note], **private)
        block.release(timeline_view, [block, snapshot], [timeline, timeline_note], **private)
        gallery.select(unit_view, [model, weights, block], unit, **private)
        snapshot.release(timeline_view, [block, snapshot], [timeline, timeline_note], **private)
        compare_button.click(compare, [image, model, weights, model_b, weights_b, block], [gallery_a, note_a, labels_a, gallery_b, note_b, labels_b], **private)
        export_button.click(export, [image, model, weights], [export_json, export_gallery, export_file], api_name="explain")

        tour_inputs = [image, model, weights, step]
        step.change(tour_step, tour_inputs, [tour_text, tour_image], **private)
        previous.click(lambda k: max(int(k) - 1, 1), step, step, **private)
        following.click(lambda k: min(int(k) + 1, len(STEP_TITLES)), step, step, **private)
        run.then(tour_step, tour_inputs, [tour_text, tour_image], **private)
        uploaded.then(tour_step, tour_inputs, [tour_text, tour_image], **private)
        present.change(None, present, present, js=TOGGLE_PRESENTATION, **private)

        loaded = demo.load(deep_link, None, [model, weights, block, tabs, step, present], **private)
        loaded.then(model_views, [model, weights, block], model_outputs, **private).then(timeline_view, [block, snapshot], [timeline, timeline_note], **private)
    demo.queue(max_size=64, default_concurrency_limit=2)
    return demo


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, **kwargs: Any) -> None:
    """Serve on 127.0.0.1:7860 unless GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (or host/port) say otherwise."""
    demo.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=MAX_FILE_SIZE,
        state_session_capacity=MAX_SESSIONS,
        allowed_paths=[str(EXAMPLES_DIR)],
        css=CSS,
        **kwargs,
    )
