"""The stem: the RGB pattern each channel of the per-patch linear map responds to (the paper's Figure 7)."""
from __future__ import annotations

import gradio as gr

from explorer.app.views.base import CAPTION, Components, Controls, Session, View, image_figure, shown, \
    teaching_text
from explorer.render.galleries import stem_gallery
from explorer.text.guidance import view_note

TEXT = (
    "The stem is one linear map applied to every patch: each tile is the RGB pattern one channel responds to "
    "(Figure 7 of the paper), in the model's own order. What to look for depends on the model: see the note below "
    "the heading."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    ui.stem_note = gr.Markdown(elem_classes=[CAPTION])
    ui.stem = image_figure("Stem filters", "stem")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    return {ui.stem: shown(stem_gallery(s.loaded)[0]), ui.stem_note: view_note("stem", s.loaded)}


VIEW = View("stem", "Stem", TEXT, lay_out, draw, outputs=("stem", "stem_note"), place="stem", opened_from_map=True,
            figures=("#stem",))
