"""The Gradio app. Handlers only translate between components and the `explorer` API; nothing is computed here."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import gradio as gr

from explorer import embedded
from explorer.catalogue import catalogue
from explorer.errors import ExplorerError
from explorer.inference import predict
from explorer.loading import WEIGHTS_CHOICES, availability, default_model_name, load_model

log = logging.getLogger("explorer.ui")

EXAMPLES_DIR = embedded.ASSETS / "examples"
MAX_FILE_SIZE = "10mb"
MAX_TOP_K = 50

INTRO = """# MLP-Mixer Explorer
Classify an image with an **MLP-Mixer** ([Tolstikhin et al., 2021](https://arxiv.org/abs/2105.01601)): a per-patch
linear stem, then blocks of *token mixing* (an MLP across patches) and *channel mixing* (an MLP across features),
global average pooling and a linear head. No attention, no convolutions beyond the stem.
"""


class ImageInput(gr.Image):
    """An image upload that hands the raw file to `explorer.images`, which decodes odd images (16-bit, CMYK,
    alpha, EXIF rotation) consistently with the CLI and explains files it cannot read, instead of Gradio
    failing on them before our code runs."""

    def preprocess(self, payload: Any) -> str | None:
        if payload is None:
            return None
        if getattr(payload, "path", None):
            return str(payload.path)
        try:
            return super().preprocess(payload)  # a data: URL (webcam, clipboard)
        except Exception as exc:
            raise gr.Error(f"The image could not be read: {exc}") from None


def model_choices() -> list[tuple[str, str]]:
    """Dropdown entries: the name, its label set and size, and whether its weights can be had here."""
    return [(f"{e.name} · {e.label_set} · {e.params / 1e6:.1f}M params · {availability(e.name)}", e.name) for e in catalogue()]


def catalogue_rows() -> list[list[Any]]:
    return [[e.name, e.patch_size, e.img_size, e.tokens, e.channels, e.tokens_mlp_dim, e.channels_mlp_dim, e.depth, f"{e.params / 1e6:.2f}M", e.label_set, availability(e.name)] for e in catalogue()]


def classify(image: str | None, model: str | None, weights: str, top_k: float) -> tuple[dict[str, float], str]:
    """Handler of /predict: the image file, model name, weights choice and k -> (label scores, status line)."""
    if image is None:
        raise gr.Error("Upload an image first (or pick one of the examples).")
    try:
        loaded = load_model(model or None, weights or "pretrained")
        predictions = predict(image, loaded, top_k=max(1, min(int(top_k or 5), MAX_TOP_K)))
    except ExplorerError as exc:
        raise gr.Error(str(exc)) from None
    except Exception as exc:  # never a traceback in front of people; the log keeps it for us
        log.exception("classify failed")
        raise gr.Error(f"Something went wrong while classifying: {type(exc).__name__}: {exc}") from None
    scores: dict[str, float] = {}
    for p in predictions:  # ImageNet-21k repeats some descriptions: keep every class visible
        scores[p.label if p.label not in scores else f"{p.label} (#{p.index})"] = p.probability
    return scores, loaded.status()


def weights_for(model: str | None) -> str:
    """Architectures without pretrained weights can only run with random weights: switch the radio for them."""
    return "random" if model and availability(model).startswith("no pretrained") else "pretrained"


def build_app(default_model: str | None = None) -> gr.Blocks:
    default_model = default_model or default_model_name()
    examples = sorted(str(p) for p in EXAMPLES_DIR.glob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    with gr.Blocks(title="MLP-Mixer Explorer") as demo:
        gr.Markdown(INTRO)
        with gr.Tab("Classify"):
            with gr.Row():
                with gr.Column():
                    image = ImageInput(label="Image", type="filepath", sources=["upload", "webcam", "clipboard"], height=320)
                    model = gr.Dropdown(model_choices(), value=default_model, label="Model", allow_custom_value=True)
                    weights = gr.Radio(list(WEIGHTS_CHOICES), value=weights_for(default_model), label="Weights")
                    top_k = gr.Slider(1, MAX_TOP_K, value=5, step=1, label="Top-k")
                    button = gr.Button("Classify", variant="primary")
                with gr.Column():
                    labels = gr.Label(label="Predictions")
                    status = gr.Markdown(elem_id="status")
            gr.Examples(examples, inputs=[image], label="Examples (see assets/examples/SOURCES.md)")
        with gr.Tab("Models"):
            gr.Markdown("Every MLP-Mixer timm knows, and the embedded default trained for this app. Sizes from the paper's notation: S tokens, C channels, D_S and D_C the token- and channel-MLP widths.")
            gr.Dataframe(catalogue_rows(), headers=["name", "patch", "image", "S", "C", "D_S", "D_C", "depth", "params", "labels", "pretrained weights here"], interactive=False, wrap=True)

        inputs, outputs = [image, model, weights, top_k], [labels, status]
        button.click(classify, inputs, outputs, api_name="predict")
        image.upload(classify, inputs, outputs, api_visibility="private")
        model.change(weights_for, model, weights, api_visibility="private")
    demo.queue(max_size=64, default_concurrency_limit=2)
    return demo


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, **kwargs: Any) -> None:
    """Serve on 127.0.0.1:7860 unless GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (or host/port) say otherwise."""
    demo.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        max_file_size=MAX_FILE_SIZE,
        allowed_paths=[str(EXAMPLES_DIR)],
        **kwargs,
    )
