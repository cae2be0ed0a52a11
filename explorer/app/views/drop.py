"""Patch drop: how many patches the model can lose (computed when the view first opens on an image, never on
upload, and kept in its analysis)."""
from __future__ import annotations

import gradio as gr

from explorer.analysis import patch_drop
from explorer.app.lessons import drop_text
from explorer.app.views.base import Components, Controls, Session, SubPlace, View, no_image, teaching_text
from explorer.render import plotly as plots
from explorer.text.i18n import label


def lay_out(ui: Components) -> None:
    teaching_text("drop.text")
    ui.drop_md = gr.Markdown(elem_id="drop-text")
    ui.drop_plot = gr.Plot(label=label("drop.plot"), show_label=False, elem_id="drop-plot")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.drop_md: no_image(), ui.drop_plot: plots.empty_plot(no_image(), large=c.present)}
    view = patch_drop.view(s.analysis)
    return {ui.drop_md: drop_text(view), ui.drop_plot: plots.patch_drop_plot(view, large=c.present)}


VIEW = View("drop", "drop.title", "drop.text", lay_out, draw, outputs=("drop_md", "drop_plot"), place="drop",
            opened_from_map=True, sub_place=SubPlace(under="patches", label="map.drop", tip="map.drop_tip"),
            charts=("#drop-plot",))
