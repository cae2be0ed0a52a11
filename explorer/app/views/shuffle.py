"""Patch shuffle: a Mixer has no position embeddings; permuting its token-mixing weights undoes a shuffle exactly."""
from __future__ import annotations

import gradio as gr
import numpy as np

from explorer.analysis import shuffle
from explorer.analysis.analysis import Analysis
from explorer.app import presenters as show
from explorer.app.views.base import CAPTION, Components, Controls, Session, View, described, drawn, image_figure, \
    no_image, shown, teaching_text
from explorer.render import mpl as figures
from explorer.text.i18n import t


def lay_out(ui: Components) -> None:
    teaching_text("shuffle.text")
    ui.shuffle_md = gr.Markdown(elem_classes=[CAPTION])
    ui.shuffle = image_figure("shuffle.image", "shuffle")


def top1(logits: np.ndarray) -> tuple[int, float]:
    """(class index, its softmax probability) of (num_classes,) logits."""
    probabilities = np.exp(logits - logits.max())
    probabilities /= probabilities.sum()
    return int(probabilities.argmax()), float(probabilities.max())


def alt_text(analysis: Analysis, view: shuffle.ShuffleView) -> str:
    """The figure in words: the three predictions (original, shuffled, token mixing permuted too) and how close
    the last comes back to the first."""
    names, result = analysis.class_names, view.result
    (original, p), (shuffled, ps), (restored, pr) = (top1(result.logits), top1(result.shuffled_logits),
                                                     top1(result.restored_logits))
    return t("shuffle.alt", model=analysis.loaded.name, label=names[original], p=p, shuffled=names[shuffled],
             p_shuffled=ps, restored=names[restored], p_restored=pr, difference=result.max_abs_logit_diff)


def draw(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.shuffle_md: no_image(), ui.shuffle: None}
    view = shuffle.view(s.analysis)
    picture = shown(drawn(figures.shuffle_figure, view, large=False))  # its words: the large line above
    return {ui.shuffle_md: show.shuffle_text(s.analysis), ui.shuffle: described(picture, alt_text(s.analysis, view))}


VIEW = View("shuffle", "shuffle.title", "shuffle.text", lay_out, draw, outputs=("shuffle_md", "shuffle"),
            place="patches", opened_from_map=True, figures=("#shuffle",))
