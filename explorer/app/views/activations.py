"""Activations: how strongly each patch is represented after every block, and each block's residual updates."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import NO_IMAGE, Components, Controls, Session, View, teaching_text
from explorer.render import plotly as plots

SHARED_SCALE, OWN_SCALE = "one scale for all blocks", "each block its own"
TEXT = (
    "How strongly each patch is represented after every block (the norm of its feature vector, or one channel), "
    "over the image: drag the slider under the chart to walk through the blocks, hover a patch for its value. "
    "Choose one colour scale for all blocks to compare depths. The bars show how much each block's token-mixing and"
    " channel-mixing updates change the residual stream."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    with gr.Row(elem_classes=["view-controls"]):  # set before a lecture: lecture mode hides them
        ui.channel = gr.Number(-1, label="Channel (-1: norm over all channels)", precision=0)
        ui.scale = gr.Radio([SHARED_SCALE, OWN_SCALE], value=SHARED_SCALE, label="Colour scale")
        ui.patch = gr.Number(0, label="Patch for the top-channels table (row-major index)", precision=0)
        ui.open_channel = gr.Button("Open the channel's page →", elem_id="open-channel")
    ui.activations = gr.Plot(label="Per-layer activations", show_label=False, elem_id="activations")
    ui.top_table = gr.Dataframe(headers=["block", "patch", "channel", "activation"], elem_id="top-channels",
                                label="Top channels of the patch, in the chosen block", interactive=False)
    ui.updates = gr.Plot(label="Residual updates per block", show_label=False, elem_id="updates")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    a = s.analysis
    if a is None:
        return {ui.activations: plots.empty_plot(NO_IMAGE, large=c.present), ui.top_table: [], ui.updates: None}
    b = show.block_index(a.loaded, c.block)
    maps = a.activations(show.optional_index(c.channel))
    return {
        ui.activations: plots.activations_plot(maps, shared_scale=c.scale == SHARED_SCALE, large=c.present, block=b),
        ui.top_table: show.top_channel_rows(a, b, c.patch),
        ui.updates: plots.updates_plot(a.updates(), large=c.present),
    }


VIEW = View("activations", "Activations", TEXT, lay_out, draw, outputs=("activations", "top_table", "updates"),
            place="channel-mixing", opened_from_map=True, controls=("block", "channel", "scale", "patch"),
            link=("block",), charts=("#activations", "#updates"))
