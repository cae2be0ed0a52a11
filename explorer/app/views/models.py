"""Models: every Mixer-family model timm knows, and the embedded default."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import Components, View
from explorer.model.catalogue import catalogue
from explorer.model.published import SOURCE, TEST_SETS, published_top1
from explorer.text.i18n import label

# the table's headers stay English: the page translates no Dataframe headers, and this table is drawn once
COLUMNS = ["pretrained weights here", "name", "family", "labels", "params", "patch", "image", "S", "C", "D_S", "D_C",
           "depth", "top-1 % ImageNet / -R / Sketch / -A / V2"]


def published(name: str) -> str:
    numbers = published_top1(name)
    if numbers is None:
        return ""
    return " / ".join("–" if getattr(numbers, t) is None else f"{getattr(numbers, t):.1f}" for t in TEST_SETS)


def lay_out(ui: Components) -> None:
    gr.Markdown(label("models.text"))
    gr.Markdown(SOURCE)  # where the last column's numbers come from (a citation: as written)
    rows = [[*row, published(entry.name)] for row, entry in zip(show.catalogue_rows(), catalogue())]
    gr.Dataframe(rows, headers=COLUMNS, interactive=False, wrap=True)


VIEW = View("models", "models.title", "models.text", lay_out, draw=None, outputs=())  # the same for every image
