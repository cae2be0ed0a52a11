"""Export: every view of the current image as files (what `python -m explorer explain` and /explain give)."""
from __future__ import annotations

import gradio as gr

from explorer.app.outputs import Pictures
from explorer.app.views.base import Components, View
from explorer.text.i18n import label



def lay_out(ui: Components) -> None:
    gr.Markdown(label("export.text"))
    ui.export_button = gr.Button(label("export.button"))
    ui.export_file = gr.File(label="explanation.zip", elem_id="export-file")
    # wide figures whole, not cropped square
    ui.export_gallery = Pictures(label=label("export.figures"), columns=3, height="auto", object_fit="contain")
    ui.export_json = gr.JSON(label="summary.json")


VIEW = View("export", "export.title", "export.text", lay_out, draw=None, outputs=())  # drawn by its button (/explain)
