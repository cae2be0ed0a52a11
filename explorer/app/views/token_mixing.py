"""Token mixing: a block's token-mixing units as maps over the patch grid (the paper's Figure 1), one enlarged."""
from __future__ import annotations

import gradio as gr
import numpy as np

from explorer.analysis.model_views import token_mixing
from explorer.app import presenters as show
from explorer.app.views.base import CAPTION, Components, Controls, Session, View, image_figure, load, shown, \
    teaching_text
from explorer.model.loading import LoadedModel
from explorer.render import mpl as figures
from explorer.render.galleries import token_mixing_gallery
from explorer.text.guidance import view_note

TEXT = (
    "Each tile is one hidden unit of a block's token-mixing MLP: its weights over the patch grid (red positive, "
    "blue negative). Units are sorted from low to high spatial frequency and each sits beside its opposite-phase "
    "partner, as in Figure 5 of the paper. Trained early blocks show smooth, local, often paired detectors; "
    "untrained ones are noise. Click a tile to enlarge it."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    ui.gallery_note = gr.Markdown(elem_classes=[CAPTION])
    with gr.Row():
        ui.gallery = image_figure("Token-mixing units (click one)", "gallery", scale=3)
        with gr.Column(scale=2):
            ui.unit = image_figure("Selected unit", "unit")
            ui.open_token = gr.Button("Open this unit's page →", elem_id="open-token-unit")


def unit_picture(loaded: LoadedModel, block: int, unit: int) -> np.ndarray:
    """One token-mixing unit enlarged, with where it writes back (fc2)."""
    view = token_mixing(loaded, block)
    outputs = None if view.outputs is None else view.outputs[unit]
    return shown(figures.drawn_once(figures.token_unit_figure(view.maps[unit], outputs, unit, block)))


def draw(ui: Components, c: Controls, s: Session) -> dict:
    b = show.block_index(s.loaded, c.block)
    note = f"{show.token_mixing_note(s.loaded, b)}\n\n{view_note('token-mixing', s.loaded)}"
    out = {ui.gallery: shown(token_mixing_gallery(s.loaded, b)[0]), ui.gallery_note: note}
    unit = show.enlarged_unit(s.loaded, b, c.unit_index)
    if unit is not None:
        out[ui.unit] = unit_picture(s.loaded, b, unit)
    return out


def stepped(ui: Components, action: show.Step, c: Controls) -> dict:
    """The enlarged unit moves along the gallery's order."""
    loaded = load(c.model, c.weights)
    return {ui.unit_index: show.gallery_stepped(action, loaded, show.block_index(loaded, c.block), c.unit_index)}


VIEW = View("token-mixing", "Token mixing", TEXT, lay_out, draw, outputs=("gallery", "gallery_note", "unit"),
            place="token-mixing", opened_from_map=True, controls=("block", "unit_index"), link=("block", "unit"),
            figures=("#gallery", "#unit"), stepped=stepped)
