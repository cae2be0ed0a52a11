"""Patch drop: how many patches the model can lose (computed when the view first opens on an image, never on
upload, and kept in its analysis)."""
from __future__ import annotations

import gradio as gr

from explorer.app.lessons import drop_text
from explorer.app.views.base import NO_IMAGE, Components, Controls, Session, View, teaching_text
from explorer.render import plotly as plots

TEXT = (
    "How many patches can the model lose? A growing share of the image's patches is dropped, 0% to 90%, each share "
    "drawn four times: a dropped patch's token is replaced, right after the stem, by the image's mean token (a "
    "Mixer has one token-mixing weight per position, so a patch cannot simply be taken out). The curves show the "
    "top-1's probability and how often the top-1 holds, beside random weights of the same architecture. Vision "
    "transformers keep much of their accuracy this way; CNNs collapse (Naseer et al., 2021)."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    ui.drop_md = gr.Markdown(elem_id="drop-text")
    ui.drop_plot = gr.Plot(label="Patch drop", show_label=False, elem_id="drop-plot")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.drop_md: NO_IMAGE, ui.drop_plot: plots.empty_plot(NO_IMAGE, large=c.present)}
    view = s.analysis.patch_drop()
    return {ui.drop_md: drop_text(view), ui.drop_plot: plots.patch_drop_plot(view, large=c.present)}


VIEW = View("drop", "Patch drop", TEXT, lay_out, draw, outputs=("drop_md", "drop_plot"), place="drop",
            opened_from_map=True, charts=("#drop-plot",))
