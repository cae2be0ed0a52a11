"""The stem: the RGB pattern each channel of the per-patch linear map responds to (the paper's Figure 7)."""
from __future__ import annotations

import gradio as gr
import numpy as np

from explorer.app.views.base import CAPTION, Components, Controls, Session, View, described, image_figure, shown, \
    teaching_text
from explorer.model.weights import stem_filters
from explorer.render.galleries import stem_gallery
from explorer.text.guidance import view_note
from explorer.text.i18n import t


def lay_out(ui: Components) -> None:
    teaching_text("stem.text")
    ui.stem_note = gr.Markdown(elem_classes=[CAPTION])
    ui.stem = image_figure("stem.image", "stem")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    filters = stem_filters(s.loaded.model)  # (C, p, p, 3): one RGB pattern per channel
    strongest = int(np.sqrt((filters ** 2).sum(axis=(1, 2, 3))).argmax())  # the channel with the largest weights
    alt = t("stem.alt", model=s.loaded.name, channels=len(filters), size=filters.shape[1], strongest=strongest)
    return {ui.stem: described(shown(stem_gallery(s.loaded)[0]), alt), ui.stem_note: view_note("stem", s.loaded)}


VIEW = View("stem", "stem.title", "stem.text", lay_out, draw, outputs=("stem", "stem_note"), place="stem",
            opened_from_map=True, figures=("#stem",))
