"""The training timeline: the embedded model's token-mixing units at points during its training."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import CAPTION, Components, Controls, Session, View, image_figure, shown, \
    teaching_text
from explorer.model import embedded
from explorer.render.galleries import timeline_gallery

TEXT = (
    "The embedded model's token-mixing weights saved at points during its training, from random initialisation to "
    "the end: drag the slider to watch structure emerge from noise."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    last = max(len(embedded.read_timeline()) - 1, 0)
    ui.snapshot = gr.Slider(0, last, value=last, step=1, label="Snapshot (from initialisation to the end of training)",
                            elem_id="snapshot")
    ui.timeline_note = gr.Markdown(elem_classes=[CAPTION])
    ui.timeline = image_figure("Embedded model: token-mixing units during training", "timeline")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    slide = show.timeline_slide(c.snapshot, c.block)
    if slide is None:
        return {ui.timeline: None, ui.timeline_note: "No training timeline is shipped with the embedded model."}
    block, epoch, last = slide
    image, smooth = timeline_gallery(block, epoch)
    note = f"block {block} · epoch {epoch} of {last} · smoothness {smooth:.3f}"
    return {ui.timeline: shown(image), ui.timeline_note: note}


def stepped(ui: Components, action: show.Step, c: Controls) -> dict:
    return {ui.snapshot: show.snapshot_stepped(action, c.snapshot)}


VIEW = View("timeline", "Training timeline", TEXT, lay_out, draw, outputs=("timeline", "timeline_note"),
            controls=("snapshot", "block"), link=("block",), figures=("#timeline",), stepped=stepped)
