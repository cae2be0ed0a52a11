"""The page's components, made inside a gr.Blocks and found by name (`ui.labels`, `ui["labels"]`).

The image, its answer and the pickers in a column on the left; the model map, then one tab per view, on the right
(TABS: a view's id, its title and the function that lays it out; a new view is a new entry there, a renderer in
explorer.app.views and its handlers).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

import gradio as gr

from explorer.analysis.teach import Lesson, forget
from explorer.analysis.tour import STEP_TITLES
from explorer.app.inputs import ImageInput, ModelInput
from explorer.app.links import MAX_BLOCK
from explorer.app.model_map_view import model_map_component
from explorer.app.outputs import Picture, Pictures
from explorer.app.presenters import MAX_TOP_K, catalogue_rows, model_choices, weights_for
from explorer.app.server import FILE_LIFETIME_S
from explorer.model import embedded
from explorer.model.embedded import EXAMPLES
from explorer.model.loading import WEIGHTS_CHOICES
from explorer.text.teaching import VIEW_TEXT
from explorer.units.address import KINDS

SHARED_SCALE, OWN_SCALE = "one scale for all blocks", "each block its own"
LESSON_LIFETIME_S = 3600  # a visitor's "Teach it" classes live an hour after their last change
STEP_KEYS = ("previous", "next", "first", "last")  # the hidden buttons the page's keys press (page.js)
CAPTION = "slide-caption"  # a view's note over its figure: one line on a lecture slide (page.css)
TOUR_PROMPT = ("The tour walks one Mixer layer on your image, with this model's real shapes: **upload an image or "
               "pick an example above** to start.")
INTRO = """# MLP-Mixer Explorer
See inside an **MLP-Mixer** ([Tolstikhin et al., 2021](https://arxiv.org/abs/2105.01601)): a per-patch linear stem,
then blocks of *token mixing* (an MLP across patches) and *channel mixing* (an MLP across features), global average
pooling and a linear head. No attention, no convolutions beyond the stem, no position embeddings.
"""


class Components:
    """The page's components by name, and its tabs by view id."""

    def __init__(self) -> None:
        object.__setattr__(self, "parts", {})
        object.__setattr__(self, "tab", {})  # view id -> gr.Tab

    def __setattr__(self, name: str, component: Any) -> None:
        if name in self.parts:
            raise ValueError(f"two components are called {name!r}")
        self.parts[name] = component

    def __getattr__(self, name: str) -> Any:
        try:
            return self.parts[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self.parts[name]

    def named(self, names: Iterable[str]) -> list[Any]:
        return [self.parts[n] for n in names]


def teaching_text(view: str) -> None:
    gr.Markdown(VIEW_TEXT[view], elem_classes=["teaching"])


def image_figure(label: str, elem_id: str | None = None, **kwargs: Any) -> Picture:
    """A drawn picture (a matplotlib figure as PNG): shown, not edited."""
    return Picture(label=label, format="png", interactive=False, elem_id=elem_id, **kwargs)


# ---------------------------------------------------------------------------------------------- the tabs


def predictions_tab(ui: Components) -> None:  # the top-k itself stays beside the image (`side`)
    teaching_text("predict")
    ui.predict_note = gr.Markdown(elem_id="predict-note")


def tour_tab(ui: Components) -> None:
    with gr.Row(elem_id="tour-nav", equal_height=True):
        ui.tour_previous = gr.Button("← Previous", scale=1)
        ui.step = gr.Slider(1, len(STEP_TITLES), value=1, step=1, label="Step (or ←/→ on the keyboard)", scale=4,
                            elem_id="step")
        ui.tour_next = gr.Button("Next →", scale=1, elem_id="next")
    with gr.Row(elem_id="tour-slide"):  # the step's words beside its figure (a wide one on a slide: under it)
        ui.tour_text = gr.Markdown(TOUR_PROMPT, elem_id="tour-text")
        ui.tour_image = image_figure("This step on your image", "tour-image", scale=2, min_width=320)  # a phone: below


def token_mixing_tab(ui: Components) -> None:
    teaching_text("token-mixing")
    ui.gallery_note = gr.Markdown(elem_classes=[CAPTION])
    with gr.Row():
        ui.gallery = image_figure("Token-mixing units (click one)", "gallery", scale=3)
        with gr.Column(scale=2):
            ui.unit = image_figure("Selected unit", "unit")
            ui.open_token = gr.Button("Open this unit's page →", elem_id="open-token-unit")


def stem_tab(ui: Components) -> None:
    teaching_text("stem")
    ui.stem_note = gr.Markdown(elem_classes=[CAPTION])
    ui.stem = image_figure("Stem filters", "stem")


def activations_tab(ui: Components) -> None:
    teaching_text("activations")
    with gr.Row(elem_classes=["view-controls"]):  # set before a lecture: lecture mode hides them
        ui.channel = gr.Number(-1, label="Channel (-1: norm over all channels)", precision=0)
        ui.scale = gr.Radio([SHARED_SCALE, OWN_SCALE], value=SHARED_SCALE, label="Colour scale")
        ui.patch = gr.Number(0, label="Patch for the top-channels table (row-major index)", precision=0)
        ui.open_channel = gr.Button("Open the channel's page →", elem_id="open-channel")
    ui.activations = gr.Plot(label="Per-layer activations", show_label=False, elem_id="activations")
    ui.top_table = gr.Dataframe(headers=["block", "patch", "channel", "activation"], elem_id="top-channels",
                                label="Top channels of the patch, in the chosen block", interactive=False)
    ui.updates = gr.Plot(label="Residual updates per block", show_label=False, elem_id="updates")


def evidence_tab(ui: Components) -> None:
    teaching_text("evidence")
    ui.class_index = gr.Number(-1, label="Class index (-1: the predicted class)", precision=0,
                               elem_classes=["view-controls"])
    ui.evidence = gr.Plot(label="Per-patch class evidence and saliency", show_label=False, elem_id="evidence")


def lens_tab(ui: Components) -> None:
    teaching_text("logit-lens")
    ui.lens = gr.Plot(label="Logit lens", show_label=False, elem_id="lens")
    ui.lens_table = gr.Dataframe(headers=["block", "lens top-1", "its probability", "final class's probability"],
                                 interactive=False, elem_id="lens-table")


def shuffle_tab(ui: Components) -> None:
    teaching_text("shuffle")
    ui.shuffle_md = gr.Markdown(elem_classes=[CAPTION])
    ui.shuffle = image_figure("Patch shuffle", "shuffle")


def drop_tab(ui: Components) -> None:
    teaching_text("drop")
    ui.drop_md = gr.Markdown(elem_id="drop-text")
    ui.drop_plot = gr.Plot(label="Patch drop", show_label=False, elem_id="drop-plot")


def teach_tab(ui: Components) -> None:
    teaching_text("teach")
    with gr.Row(elem_id="teach-nav", equal_height=True):
        ui.teach_class = gr.Dropdown([], value=None, label="Class (type a new name, or pick one)",
                                     allow_custom_value=True, scale=2, elem_id="teach-class")
        ui.teach_add = gr.Button("Add the current image", scale=1, elem_id="teach-add")
        ui.teach_learn = gr.Button("Learn", variant="primary", scale=1, elem_id="teach-learn")
    with gr.Row(elem_classes=["view-controls"], equal_height=True):
        ui.teach_files = gr.File(file_count="multiple", file_types=["image"], height=130, scale=3,
                                 label="…or drop several images into this class", elem_id="teach-files")
        with gr.Column(scale=1, min_width=160):
            ui.teach_remove = gr.Button("Remove this class", size="sm", elem_id="teach-remove")
            ui.teach_clear = gr.Button("Start over", size="sm", elem_id="teach-clear")
    ui.teach_md = gr.Markdown(elem_id="teach-summary")
    with gr.Row():  # the two answers beside the chart of the training images
        with gr.Column(scale=1, min_width=220):
            ui.teach_answer = gr.Label(label="Your probe's answer", num_top_classes=3, elem_id="teach-answer")
            ui.teach_model = gr.Label(label="The model's own answer", num_top_classes=3, elem_id="teach-model")
        ui.teach_plot = gr.Plot(label="Your classes", show_label=False, elem_id="teach-plot", scale=2)
    ui.teach_gallery = Pictures(label="Your classes' images", columns=10, fit_columns=False, height="auto",
                                  object_fit="cover", allow_preview=False, elem_id="teach-gallery")


def unit_tab(ui: Components) -> None:
    teaching_text("unit")
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


def architecture_tab(ui: Components) -> None:
    teaching_text("architecture")
    with gr.Row():
        with gr.Column(scale=2, elem_id="arch-text"):
            ui.arch = gr.Markdown()
            ui.latency_button = gr.Button("Measure latency here")
            ui.latency = gr.Markdown()
        ui.arch_plot = gr.Plot(label="Where the parameters and FLOPs are", show_label=False, elem_id="arch-plot",
                               scale=3)


def compare_tab(ui: Components) -> None:
    teaching_text("compare")
    with gr.Row(equal_height=True, elem_id="compare-controls"):  # set before a lecture, like a view's fields
        ui.model_b = gr.Dropdown(model_choices(), value=embedded.EMBEDDED_NAME, label="Second model",
                                 allow_custom_value=True, scale=3)
        ui.weights_b = gr.Radio(list(WEIGHTS_CHOICES), value="random", label="Second model's weights", scale=2)
        ui.compare_button = gr.Button("Compare", scale=1)
    ui.compare_plot = gr.Plot(label="Token-mixing smoothness per block", show_label=False, elem_id="compare-plot")
    with gr.Row(elem_id="compare-sides"):
        for side, label in (("a", "First model"), ("b", "Second model")):
            with gr.Column():
                setattr(ui, f"gallery_{side}", Picture(format="png", interactive=False, label=label))
                setattr(ui, f"note_{side}", gr.Markdown())
                setattr(ui, f"labels_{side}", gr.Label(label=label))


def timeline_tab(ui: Components) -> None:
    teaching_text("timeline")
    last = max(len(embedded.read_timeline()) - 1, 0)
    ui.snapshot = gr.Slider(0, last, value=last, step=1, label="Snapshot (from initialisation to the end of training)",
                            elem_id="snapshot")
    ui.timeline_note = gr.Markdown(elem_classes=[CAPTION])
    ui.timeline = image_figure("Embedded model: token-mixing units during training", "timeline")


def export_tab(ui: Components) -> None:
    gr.Markdown("Every view of the current image: figures as PNG (charts also as SVG), arrays as `arrays.npz`, the "
                "numbers as `summary.json`. The same as `python -m explorer explain` and the `/explain` endpoint.")
    ui.export_button = gr.Button("Export all views")
    ui.export_file = gr.File(label="explanation.zip", elem_id="export-file")
    # wide figures whole, not cropped square
    ui.export_gallery = Pictures(label="Figures", columns=3, height="auto", object_fit="contain")
    ui.export_json = gr.JSON(label="summary.json")


def models_tab(ui: Components) -> None:
    gr.Markdown("Every Mixer-family model timm knows, and the embedded default trained for this app. S tokens, "
                "C channels, D_S and D_C the token- and channel-MLP widths.")
    gr.Dataframe(catalogue_rows(), headers=["pretrained weights here", "name", "family", "labels", "params", "patch",
                                            "image", "S", "C", "D_S", "D_C", "depth"], interactive=False, wrap=True)


# view id -> (tab title, layout); in the order of the page (every view one click away)
TABS: dict[str, tuple[str, Callable[[Components], None]]] = {
    "predict": ("Predictions", predictions_tab), "tour": ("Guided tour", tour_tab),
    "token-mixing": ("Token mixing", token_mixing_tab), "stem": ("Stem", stem_tab),
    "activations": ("Activations", activations_tab), "evidence": ("Evidence", evidence_tab),
    "logit-lens": ("Logit lens", lens_tab), "shuffle": ("Patch shuffle", shuffle_tab), "drop": ("Patch drop", drop_tab),
    "teach": ("Teach it", teach_tab), "unit": ("Unit", unit_tab),
    "architecture": ("Architecture", architecture_tab), "compare": ("Compare", compare_tab),
    "timeline": ("Training timeline", timeline_tab), "export": ("Export", export_tab), "models": ("Models", models_tab),
}


# ---------------------------------------------------------------------------------------------- the page


def side(ui: Components, default_model: str) -> None:
    """The image with its answer (the top-k) under it, the examples, then the model, its weights, top-k and the
    block, the run button and presentation mode: one column beside the views, always on screen."""
    with gr.Row(elem_id="header"):
        with gr.Column(min_width=96, elem_id="image-col"):
            ui.image = ImageInput(label="Image", type="filepath", sources=["upload", "webcam", "clipboard"], height=220,
                                  elem_id="image")
            ui.labels = gr.Label(label="Predictions", elem_id="labels")
            ui.probe_line = gr.Markdown(elem_id="probe-line")  # the visitor's probe, once it learned (Teach it)
            with gr.Column(elem_id="examples"):
                ui.examples = gr.Examples(list(map(str, EXAMPLES.values())), inputs=[ui.image], examples_per_page=12,
                                          label="Examples (sources and licenses: assets/examples/SOURCES.md)")
        with gr.Column(elem_id="controls-col"):
            ui.model = ModelInput(model_choices(), value=default_model, label="Model", allow_custom_value=True,
                                  elem_id="model")
            ui.weights = gr.Radio(list(WEIGHTS_CHOICES), value=weights_for(default_model), label="Weights",
                                  elem_id="weights")
            with gr.Row():
                ui.top_k = gr.Slider(1, MAX_TOP_K, value=5, step=1, label="Top-k", elem_id="top-k")
                ui.block = gr.Slider(0, MAX_BLOCK, value=0, step=1, label="Block", elem_id="block")
            with gr.Row(elem_id="run-row"):
                ui.button = gr.Button("Classify and explain", variant="primary", elem_id="run", scale=3)
                ui.present = gr.Checkbox(False, label="Presentation mode", elem_id="present", scale=1)
            ui.status = gr.Markdown(elem_id="status")


def page(default_model: str) -> tuple[gr.Blocks, Components]:
    """The Blocks with every component (no events yet: explorer.app.wiring adds them): the image and its answer on
    the left, the model map on top of the views on the right (a phone: one above the other)."""
    ui = Components()
    with gr.Blocks(title="MLP-Mixer Explorer", delete_cache=(FILE_LIFETIME_S, FILE_LIFETIME_S)) as demo:
        ui.view = gr.State("predict")  # the open tab: what a new image or model redraws
        # "Teach it": this visitor's classes, nobody else's; gone (with their features) when the page closes or an
        # hour after the last change
        ui.lesson = gr.State(Lesson(), time_to_live=LESSON_LIFETIME_S, delete_callback=forget)
        gr.Markdown(INTRO, elem_id="intro")
        ui.banner = gr.Markdown(elem_id="banner", visible=False)  # the embedded model standing in for an ImageNet one
        ui.link_note = gr.Markdown(elem_id="link-note")
        ui.address = gr.Textbox(elem_id="address", elem_classes=["offscreen"], container=False)  # the deep link shown
        with gr.Row(elem_id="page"):
            with gr.Column(scale=1, min_width=300, elem_id="side"):
                side(ui, default_model)
            with gr.Column(scale=3, elem_id="main"):
                ui.model_map = model_map_component(None, elem_id="model-map-box")
                with gr.Row(elem_classes=["offscreen"]):  # pressed by the keyboard (page.js)
                    for action in STEP_KEYS:
                        setattr(ui, f"key_{action}", gr.Button(action, elem_id=f"key-{action}"))
                with gr.Tabs(selected="predict", overflow_behavior="wrap", elem_id="views") as tabs:
                    ui.tabs = tabs
                    for view, (title, lay_out) in TABS.items():
                        with gr.Tab(title, id=view) as tab:
                            ui.tab[view] = tab
                            lay_out(ui)
        with gr.Row(visible=False):  # the token_mixing_weights tool's outputs (programs only)
            ui.tool_json, ui.tool_image = gr.JSON(), Picture(format="png", type="numpy")
            ui.tool_button = gr.Button()
    return demo, ui
