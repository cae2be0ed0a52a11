"""Token mixing: a block's token-mixing units as maps over the patch grid (the paper's Figure 1), one enlarged."""
from __future__ import annotations

import gradio as gr
import numpy as np

from explorer.analysis.model_views import token_mixing
from explorer.app import presenters as show
from explorer.app.views.base import CAPTION, Components, Controls, Session, View, described, image_figure, load, \
    shown, teaching_text
from explorer.model.loading import LoadedModel
from explorer.render import mpl as figures
from explorer.render.galleries import token_mixing_gallery
from explorer.text.guidance import view_note
from explorer.text.i18n import label, t


def lay_out(ui: Components) -> None:
    teaching_text("token_mixing.text")
    ui.gallery_note = gr.Markdown(elem_classes=[CAPTION])
    with gr.Row():
        ui.gallery = image_figure("token_mixing.gallery", "gallery", scale=3)
        with gr.Column(scale=2):
            ui.unit = image_figure("token_mixing.unit", "unit")
            ui.open_token = gr.Button(label("token_mixing.open_unit"), elem_id="open-token-unit")


def gallery_alt(loaded: LoadedModel, block: int) -> str:
    """The gallery in words: the model, the block, how many units over which grid, and their smoothness."""
    view = token_mixing(loaded, block)
    units, rows, columns = view.maps.shape
    return t("token_mixing.alt", model=loaded.name, block=block, units=units, rows=rows, columns=columns,
             smoothness=view.smoothness)


def unit_picture(loaded: LoadedModel, block: int, unit: int) -> dict:
    """One token-mixing unit enlarged, with where it writes back (fc2), described by its strongest weight."""
    view = token_mixing(loaded, block)
    outputs = None if view.outputs is None else view.outputs[unit]
    pixels = shown(figures.drawn_once(figures.token_unit_figure(view.maps[unit], outputs, unit, block)))
    weights = view.maps[unit]  # (grid_h, grid_w)
    strongest = int(np.abs(weights).argmax())  # row-major, as the page counts patches
    alt = t("token_mixing.unit_alt", model=loaded.name, block=block, unit=unit, rows=weights.shape[0],
            columns=weights.shape[1], patch=strongest, value=float(weights.flat[strongest]))
    return described(pixels, alt)


def draw(ui: Components, c: Controls, s: Session) -> dict:
    b = show.block_index(s.loaded, c.block)
    note = f"{show.token_mixing_note(s.loaded, b)}\n\n{view_note('token-mixing', s.loaded)}"
    out = {ui.gallery: described(shown(token_mixing_gallery(s.loaded, b)[0]), gallery_alt(s.loaded, b)),
           ui.gallery_note: note}
    unit = show.enlarged_unit(s.loaded, b, c.unit_index)
    if unit is not None:
        out[ui.unit] = unit_picture(s.loaded, b, unit)
    return out


def stepped(ui: Components, action: show.Step, c: Controls) -> dict:
    """The enlarged unit moves along the gallery's order."""
    loaded = load(c.model, c.weights)
    return {ui.unit_index: show.gallery_stepped(action, loaded, show.block_index(loaded, c.block), c.unit_index)}


VIEW = View("token-mixing", "token_mixing.title", "token_mixing.text", lay_out, draw,
            outputs=("gallery", "gallery_note", "unit"),
            place="token-mixing", opened_from_map=True, controls=("block", "unit_index"), link=("block", "unit"),
            figures=("#gallery", "#unit"), stepped=stepped)
