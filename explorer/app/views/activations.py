"""Activations: how strongly each patch is represented after every block, and each block's residual updates."""
from __future__ import annotations

import gradio as gr

from explorer.analysis import activations
from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, no_image, teaching_text
from explorer.render import plotly as plots
from explorer.text.i18n import label, t

# the colour-scale radio's values (kept in deep links and the API); its labels are translated
SHARED_SCALE, OWN_SCALE = "one scale for all blocks", "each block its own"
COLUMNS = ("activations.column.block", "activations.column.patch", "activations.column.channel",
           "activations.column.activation")


def lay_out(ui: Components) -> None:
    teaching_text("activations.text")
    with gr.Row(elem_classes=["view-controls"]):  # set before a lecture: lecture mode hides them
        ui.channel = gr.Number(-1, label=label("activations.channel"), precision=0)
        ui.scale = gr.Radio([(label("activations.shared_scale"), SHARED_SCALE),
                             (label("activations.own_scale"), OWN_SCALE)], value=SHARED_SCALE,
                            label=label("activations.scale"))
        ui.patch = gr.Number(0, label=label("activations.patch"), precision=0)
        ui.open_channel = gr.Button(label("activations.open_channel"), elem_id="open-channel")
    ui.activations = gr.Plot(label=label("activations.plot"), show_label=False, elem_id="activations")
    ui.top_table = gr.Dataframe(headers=[label(key) for key in COLUMNS], elem_id="top-channels",
                                label=label("activations.table"), interactive=False)
    ui.updates = gr.Plot(label=label("activations.updates"), show_label=False, elem_id="updates")


def table(rows: list[list]) -> dict:
    """The top-channels table with its headers in the visitor's language (the page does not translate them)."""
    return gr.update(value=rows, headers=[t(key) for key in COLUMNS])


def draw(ui: Components, c: Controls, s: Session) -> dict:
    a = s.analysis
    if a is None:
        return {ui.activations: plots.empty_plot(no_image(), large=c.present), ui.top_table: table([]),
                ui.updates: None}
    b = show.block_index(a.loaded, c.block)
    maps = activations.view(a, show.optional_index(c.channel))
    return {
        ui.activations: plots.activations_plot(maps, shared_scale=c.scale == SHARED_SCALE, large=c.present, block=b),
        ui.top_table: table(show.top_channel_rows(a, b, c.patch)),
        ui.updates: plots.updates_plot(activations.updates(a), large=c.present),
    }


VIEW = View("activations", "activations.title", "activations.text", lay_out, draw,
            outputs=("activations", "top_table", "updates"), place="channel-mixing", opened_from_map=True,
            controls=("block", "channel", "scale", "patch"), link=("block",), charts=("#activations", "#updates"))
