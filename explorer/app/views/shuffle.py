"""Patch shuffle: a Mixer has no position embeddings; permuting its token-mixing weights undoes a shuffle exactly."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import CAPTION, NO_IMAGE, Components, Controls, Session, View, drawn, image_figure, \
    shown, teaching_text
from explorer.render import mpl as figures

TEXT = (
    "Mixer has no position embeddings: only the token-mixing weights know where a patch is. Shuffling the patches "
    "changes the prediction, but permuting every block's token-mixing weights the same way brings the original "
    "prediction back exactly (up to float rounding)."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    ui.shuffle_md = gr.Markdown(elem_classes=[CAPTION])
    ui.shuffle = image_figure("Patch shuffle", "shuffle")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.shuffle_md: NO_IMAGE, ui.shuffle: None}
    picture = shown(drawn(figures.shuffle_figure, s.analysis.shuffle(), large=False))  # its words: the large line above
    return {ui.shuffle_md: show.shuffle_text(s.analysis), ui.shuffle: picture}


VIEW = View("shuffle", "Patch shuffle", TEXT, lay_out, draw, outputs=("shuffle_md", "shuffle"), place="patches",
            opened_from_map=True, figures=("#shuffle",))
