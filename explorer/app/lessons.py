"""What the "Teach it" and "Patch drop" views show, as plain values (no Gradio): the lesson's summary, its gallery,
the probe's answer beside the model's own, and the patch-drop curve in words. explorer.app.views draws them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.analysis.analysis import Analysis
from explorer.analysis.patch_drop import PatchDropView
from explorer.analysis.teach import MAX_CLASSES, MAX_IMAGES, MIN_CLASSES, Learned, Lesson, ProbeAnswer, model_key
from explorer.analysis.teach import probe_answer as answer_of
from explorer.app.inputs import example_of
from explorer.model.loading import LoadedModel


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
        return (f"**No classes yet.** Type a class name, then add images to it ({MIN_CLASSES}–{MAX_CLASSES} classes, "
                f"1–{MAX_IMAGES} images each): the current image (an upload, the webcam, a paste or an example) "
                "with **Add the current image**, or several files at once. Then press **Learn**.")
    counts = " · ".join(f"**{name}** ({len(images)})" for name, images in lesson.classes)
    return f"{len(lesson.classes)} class{'es' if len(lesson.classes) != 1 else ''}: {counts}"


def learned_lines(lesson: Lesson, loaded: LoadedModel) -> tuple[str, Learned | None]:
    learned = lesson.learned
    if learned is None:
        ready = sum(1 for _, images in lesson.classes if images)
        return ("Press **Learn** to fit the probe." if ready >= MIN_CLASSES else
                f"Name at least {MIN_CLASSES} classes with an image each, then press **Learn**."), None
    if learned.model != model_key(loaded):
        return (f"The probe was learned on **{learned.model_name}**: press **Learn** to teach "
                f"**{loaded.name}** ({loaded.weights} weights) the same classes."), None
    n, accuracy = len(learned.labels), learned.probe.loo_accuracy
    hits = round(accuracy * n)
    text = (f"**Leave-one-out accuracy {accuracy:.0%}** ({hits} of {n} training images named right by a probe fitted "
            f"without them) · ridge strength {learned.probe.regularisation:.3g}, picked by leave-one-out")
    if min(learned.counts) < 2:
        text += " · a class with one image cannot be left out and still be learned: add a second image to each"
    if lesson.stale:
        text += " · **the classes changed since: press Learn again**"
    return text, learned


def teach_screen(lesson: Lesson, loaded: LoadedModel, analysis: Analysis | None) -> TeachScreen:
    learned_text, learned = learned_lines(lesson, loaded)
    lines = [lesson_lines(lesson), *([learned_text] if lesson.classes or learned else [])]
    skipped = (*lesson.skipped, *(learned.skipped if learned else ()))
    if skipped:
        lines.append("⚠️ Left out: " + "; ".join(skipped))
    answer = None if learned is None or analysis is None else answer_of(learned, analysis.pre_logits())
    if learned is not None and analysis is None:
        lines.append("Upload an image (or pick an example) to see what the probe says about it.")
    probe_scores = None if answer is None else {
        name: float(np.clip((score + 1) / 2, 0, 1)) for name, score in zip(answer.classes, answer.scores)}
    model_scores = None if analysis is None else {p.label: p.probability for p in analysis.top_k(3)}
    gallery = [(e.thumbnail, name) for name, images in lesson.classes for e in images]
    return TeachScreen("\n\n".join(lines), learned, answer, probe_scores, model_scores, gallery)


def probe_line(lesson: Lesson | None, loaded: LoadedModel, analysis: Analysis | None) -> str:
    """One line under the model's predictions, whatever view is open: the probe's answer on this image ("" before
    Learn, without an image, or when the probe was learned on another model)."""
    learned = None if lesson is None else lesson.learned
    if learned is None or analysis is None or learned.model != model_key(loaded):
        return ""
    answer = answer_of(learned, analysis.pre_logits())
    return f"**Your probe:** {answer.label} (score {answer.scores[answer.predicted]:+.2f}; Teach it for more)"


def drop_text(view: PatchDropView) -> str:
    """The patch-drop curve in words: how the top-1 fares with half the patches gone, against random weights."""
    half = int(np.argmin(np.abs(view.trained.shares - 0.5)))
    seeds = view.trained.top1_holds.shape[1]
    trained = (f"With **{view.trained.shares[half]:.0%} of the patches dropped** (their tokens replaced by the mean "
               f"token), {view.weights} weights keep their top-1 (**{view.trained_label}**) in "
               f"{int(view.trained.top1_holds[half].sum())} of {seeds} draws, at a mean probability of "
               f"{view.trained.mean_probability[half]:.2f} (intact: {view.trained.mean_probability[0]:.2f})")
    if view.random is None:
        return trained + ". These are random weights already: load trained ones to compare."
    return (trained + f"; random weights keep theirs (**{view.random_label}**) in "
            f"{int(view.random.top1_holds[half].sum())} of {seeds}, at {view.random.mean_probability[half]:.2f}.")
