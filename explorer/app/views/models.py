"""Models: every Mixer-family model timm knows, and the embedded default."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import Components, View
from explorer.model.catalogue import catalogue
from explorer.model.published import SOURCE, TEST_SETS, published_top1

TEXT = ("Every Mixer-family model timm knows, and the embedded default trained for this app. S tokens, C channels, "
        "D_S and D_C the token- and channel-MLP widths. The last column: the weights' published top-1 on ImageNet, "
        f"ImageNet-R, Sketch, ImageNet-A and ImageNetV2 (from {SOURCE}); the corruption lab puts your own image "
        "under such shifts.")
COLUMNS = ["pretrained weights here", "name", "family", "labels", "params", "patch", "image", "S", "C", "D_S", "D_C",
           "depth", "top-1 % ImageNet / -R / Sketch / -A / V2"]


def published(name: str) -> str:
    numbers = published_top1(name)
    if numbers is None:
        return ""
    return " / ".join("–" if getattr(numbers, t) is None else f"{getattr(numbers, t):.1f}" for t in TEST_SETS)


def lay_out(ui: Components) -> None:
    gr.Markdown(TEXT)
    rows = [[*row, published(entry.name)] for row, entry in zip(show.catalogue_rows(), catalogue())]
    gr.Dataframe(rows, headers=COLUMNS, interactive=False, wrap=True)


VIEW = View("models", "Models", TEXT, lay_out, draw=None, outputs=())  # the same for every image
