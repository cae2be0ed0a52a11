"""What the "Teach it" and "Patch drop" views show, as plain values (no Gradio): the lesson's summary, its gallery,
the probe's answer beside the model's own, and the patch-drop curve in words. explorer.app.views draws them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.analysis.analysis import Analysis
from explorer.analysis.patch_drop import PatchDropView
from explorer.analysis.teach import MAX_CLASSES, MAX_IMAGES, MIN_CLASSES, Learned, Lesson, ProbeAnswer, model_key
from explorer.analysis.teach import image_features
from explorer.analysis.teach import probe_answer as answer_of
from explorer.app.inputs import example_of
from explorer.model.loading import LoadedModel
from explorer.text.i18n import t
from explorer.text.teaching import weights_name


def image_label(image: str) -> str:
    """What an image added to a class is called: the example's name, or the uploaded file's."""
    return example_of(image) or Path(image).name


@dataclass(frozen=True)
class TeachScreen:
    """Everything the Teach it view shows, for one lesson, model and image."""

    summary: str  # markdown: the classes, the leave-one-out accuracy, what to do next, what was left out
    learned: Learned | None  # the probe that answers on this model (None: nothing learned, or on another model)
    answer: ProbeAnswer | None  # the probe on the image being looked at
    probe_scores: dict[str, float] | None  # gr.Label's value: each class's score, from −1…+1 to 0…1
    model_scores: dict[str, float] | None  # the model's own top 3
    gallery: list[tuple[np.ndarray, str]]  # every image of the lesson with its class


def lesson_lines(lesson: Lesson) -> str:
    if not lesson.classes:
        return t("lessons.none", min=MIN_CLASSES, max=MAX_CLASSES, images=MAX_IMAGES)
    counts = " · ".join(f"**{name}** ({len(images)})" for name, images in lesson.classes)
    return t("lessons.one_class" if len(lesson.classes) == 1 else "lessons.classes", count=len(lesson.classes),
             classes=counts)


def learned_lines(lesson: Lesson, loaded: LoadedModel) -> tuple[str, Learned | None]:
    learned = lesson.learned
    if learned is None:
        ready = sum(1 for _, images in lesson.classes if images)
        return (t("lessons.press_learn") if ready >= MIN_CLASSES else t("lessons.name_more", min=MIN_CLASSES)), None
    if learned.model != model_key(loaded):
        return t("lessons.other_model", learned=learned.model_name, model=loaded.name,
                 weights=weights_name(loaded.weights)), None
    n, accuracy = len(learned.labels), learned.probe.loo_accuracy
    hits = round(accuracy * n)
    text = t("lessons.accuracy", accuracy=accuracy, hits=hits, images=n, strength=learned.probe.regularisation)
    if min(learned.counts) < 2:
        text += t("lessons.one_image")
    if lesson.stale:
        text += t("lessons.stale")
    return text, learned


def teach_screen(lesson: Lesson, loaded: LoadedModel, analysis: Analysis | None) -> TeachScreen:
    learned_text, learned = learned_lines(lesson, loaded)
    lines = [lesson_lines(lesson), *([learned_text] if lesson.classes or learned else [])]
    skipped = (*lesson.skipped, *(learned.skipped if learned else ()))
    if skipped:
        lines.append(t("lessons.left_out", skipped="; ".join(skipped)))
    answer = None if learned is None or analysis is None else answer_of(learned, image_features(analysis))
    if learned is not None and analysis is None:
        lines.append(t("lessons.no_image"))
    probe_scores = None if answer is None else {
        name: float(np.clip((score + 1) / 2, 0, 1)) for name, score in zip(answer.classes, answer.scores)}
    model_scores = None if analysis is None else {str(p.label): p.probability for p in analysis.top_k(3)}  # said
    gallery = [(e.thumbnail, name) for name, images in lesson.classes for e in images]
    return TeachScreen("\n\n".join(lines), learned, answer, probe_scores, model_scores, gallery)


def probe_line(lesson: Lesson | None, loaded: LoadedModel, analysis: Analysis | None) -> str:
    """One line under the model's predictions, whatever view is open: the probe's answer on this image ("" before
    Learn, without an image, or when the probe was learned on another model)."""
    learned = None if lesson is None else lesson.learned
    if learned is None or analysis is None or learned.model != model_key(loaded):
        return ""
    answer = answer_of(learned, image_features(analysis))
    return t("lessons.probe_line", label=answer.label, score=float(answer.scores[answer.predicted]))


def drop_text(view: PatchDropView) -> str:
    """The patch-drop curve in words: how the top-1 fares with half the patches gone, against random weights."""
    half = int(np.argmin(np.abs(view.trained.shares - 0.5)))
    seeds = view.trained.top1_holds.shape[1]
    trained = t("lessons.drop", share=float(view.trained.shares[half]), weights=weights_name(view.weights),
                label=view.trained_label, held=int(view.trained.top1_holds[half].sum()), draws=seeds,
                p=float(view.trained.mean_probability[half]), intact=float(view.trained.mean_probability[0]))
    if view.random is None:
        return trained + t("lessons.drop_random_already")
    return trained + t("lessons.drop_random", label=view.random_label, held=int(view.random.top1_holds[half].sum()),
                       draws=seeds, p=float(view.random.mean_probability[half]))
