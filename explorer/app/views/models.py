"""Models: every Mixer-family model timm knows, and the embedded default."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import Components, View

TEXT = ("Every Mixer-family model timm knows, and the embedded default trained for this app. S tokens, C channels, "
        "D_S and D_C the token- and channel-MLP widths.")
COLUMNS = ["pretrained weights here", "name", "family", "labels", "params", "patch", "image", "S", "C", "D_S", "D_C",
           "depth"]


def lay_out(ui: Components) -> None:
    gr.Markdown(TEXT)
    gr.Dataframe(show.catalogue_rows(), headers=COLUMNS, interactive=False, wrap=True)


VIEW = View("models", "Models", TEXT, lay_out, draw=None, outputs=())  # the same for every image
