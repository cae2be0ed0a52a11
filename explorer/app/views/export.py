"""Export: every view of the current image as files (what `python -m explorer explain` and /explain give)."""
from __future__ import annotations

import gradio as gr

from explorer.app.outputs import Pictures
from explorer.app.views.base import Components, View

TEXT = ("Every view of the current image: figures as PNG (charts also as SVG), arrays as `arrays.npz`, the numbers "
        "as `summary.json`. The same as `python -m explorer explain` and the `/explain` endpoint.")


def lay_out(ui: Components) -> None:
    gr.Markdown(TEXT)
    ui.export_button = gr.Button("Export all views")
    ui.export_file = gr.File(label="explanation.zip", elem_id="export-file")
    # wide figures whole, not cropped square
    ui.export_gallery = Pictures(label="Figures", columns=3, height="auto", object_fit="contain")
    ui.export_json = gr.JSON(label="summary.json")


VIEW = View("export", "Export", TEXT, lay_out, draw=None, outputs=())  # drawn by its button (/explain)
