"""The training timeline: the embedded model's token-mixing units at points during its training."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import CAPTION, Components, Controls, Session, View, described, image_figure, shown, \
    teaching_text
from explorer.model import embedded
from explorer.render.galleries import timeline_gallery
from explorer.text.i18n import label, t



def lay_out(ui: Components) -> None:
    teaching_text("timeline.text")
    last = max(len(embedded.read_timeline()) - 1, 0)
    ui.snapshot = gr.Slider(0, last, value=last, step=1, label=label("timeline.snapshot"), elem_id="snapshot")
    ui.timeline_note = gr.Markdown(elem_classes=[CAPTION])
    ui.timeline = image_figure("timeline.image", "timeline")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    slide = show.timeline_slide(c.snapshot, c.block)
    if slide is None:
        return {ui.timeline: None, ui.timeline_note: t("timeline.none")}
    block, epoch, last = slide
    image, smooth = timeline_gallery(block, epoch)
    note = t("timeline.note", block=block, epoch=epoch, last=last, smoothness=smooth)
    alt = t("timeline.alt", block=block, epoch=epoch, last=last, smoothness=smooth)
    return {ui.timeline: described(shown(image), alt), ui.timeline_note: note}


def stepped(ui: Components, action: show.Step, c: Controls) -> dict:
    return {ui.snapshot: show.snapshot_stepped(action, c.snapshot)}


VIEW = View("timeline", "timeline.title", "timeline.text", lay_out, draw, outputs=("timeline", "timeline_note"),
            controls=("snapshot", "block"), link=("block",), figures=("#timeline",), stepped=stepped)
