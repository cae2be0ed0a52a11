"""Teach it your own classes: a lesson (class name -> images) learned by the paper's few-shot probe on the model's
frozen pre-logits (explorer.analysis.probe), and the probe's answer on any image the visitor looks at.

    lesson = Lesson().with_images("mug", [("mug1.jpg", "mug1.jpg"), ...])   # decoded now; lesson.skipped names
                                                                           # the bad ones, the others are in
    learned = learn(loaded, lesson, progress)      # features (kept in explorer.memo), ridge fit, leave-one-out
    probe_answer(learned, image_features(analysis))   # the probe's scores on the image being looked at

A lesson is plain, immutable data: the app keeps one per visitor (a gr.State), so nobody else ever sees it. Each
image is decoded when it is added (a bad one is named and left out, the others stay) and kept as pixels with
their shorter side at most KEPT_SIDE, above any Mixer's resize (256 for 224-pixel models): the upload itself can
go, and any model can be taught from the same lesson.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Sequence

import numpy as np
import torch
from PIL import Image

from explorer import memo
from explorer.analysis.image import image_digest
from explorer.analysis.probe import RidgeProbe, fit_probe, layout, leading_directions, pre_logits
from explorer.errors import ExplorerError, LessonError
from explorer.images import ImageSource, load_image
from explorer.model.loading import LoadedModel
from explorer.progress import Progress
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis

MIN_CLASSES, MAX_CLASSES, MAX_IMAGES = 2, 10, 20  # classes in a lesson; images in one class
MAX_NAME = 40  # characters of a class name
KEPT_SIDE = 288  # pixels of an image's shorter side, at most
THUMBNAIL = 96  # pixels of a thumbnail's longer side
BATCH = 8  # images per forward pass while learning (the progress bar moves once per batch)


@dataclass(frozen=True)
class Example:
    """One image of a class, as it was added."""

    name: str  # what it was called (a file name, "webcam snapshot", an example's name)
    pixels: np.ndarray  # (H, W, 3) uint8, shorter side at most KEPT_SIDE
    thumbnail: np.ndarray  # (h, w, 3) uint8, longer side at most THUMBNAIL
    digest: str  # of the kept pixels


def example_of(source: ImageSource, name: str) -> Example:
    """Decode an image (explorer.images: every format the app reads, or an ImageError naming it) and keep it small."""
    image = load_image(source)
    scale = KEPT_SIDE / min(image.size)
    if scale < 1:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.BICUBIC)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL, THUMBNAIL))
    pixels = np.asarray(image)
    return Example(name, pixels, np.asarray(thumbnail), image_digest(pixels))


@dataclass(frozen=True)
class Lesson:
    """A visitor's classes, in the order they were named, each with its images; and what was learned last."""

    classes: tuple[tuple[str, tuple[Example, ...]], ...] = ()
    learned: Learned | None = None
    skipped: tuple[str, ...] = ()  # the images the last change left out, each named with why

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.classes]

    def images(self, name: str) -> tuple[Example, ...]:
        return dict(self.classes).get(name, ())

    @property
    def digests(self) -> tuple[tuple[str, str], ...]:
        """(class, image digest) of every image: what a probe was learned from."""
        return tuple((name, e.digest) for name, images in self.classes for e in images)

    @property
    def stale(self) -> bool:
        """Whether the classes changed since the last Learn."""
        return self.learned is not None and self.learned.digests != self.digests

    def with_images(self, name: str, sources: Sequence[tuple[ImageSource, str]]) -> Lesson:
        """This lesson with the images (source, name) added to class `name` (a new class if it has none yet);
        its `skipped` says why each image left out was left out. Raises LessonError when the class cannot be named
        or made."""
        name = " ".join(str(name or "").split())[:MAX_NAME]
        if not name:
            raise LessonError(t("errors.teach.unnamed"))
        if name not in self.names and len(self.classes) >= MAX_CLASSES:
            raise LessonError(t("errors.teach.too_many_classes", most=MAX_CLASSES, name=repr(name)))
        kept, skipped = list(self.images(name)), []
        for source, label in sources:
            if len(kept) >= MAX_IMAGES:
                skipped.append(t("errors.teach.class_full", image=label, name=repr(name), most=MAX_IMAGES))
                continue
            try:
                example = example_of(source, label)
            except ExplorerError as exc:  # the decoder names files; bytes and arrays it cannot name
                skipped.append(str(exc) if label in str(exc) else f"{label}: {exc}")
                continue
            if any(e.digest == example.digest for e in kept):
                skipped.append(t("errors.teach.already_in", image=label, name=repr(name)))
                continue
            kept.append(example)
        if not kept:
            return replace(self, skipped=tuple(skipped))
        classes = dict(self.classes)
        classes[name] = tuple(kept)
        return replace(self, classes=tuple(classes.items()), skipped=tuple(skipped))

    def without(self, name: str) -> Lesson:
        """This lesson with class `name` (and its images) gone."""
        return replace(self, classes=tuple((n, images) for n, images in self.classes if n != name), skipped=())


def model_key(loaded: LoadedModel) -> tuple[str, str, str]:
    """What a feature depends on: the model and its weights (not the Python object, which the loader may rebuild)."""
    return loaded.name, loaded.weights, loaded.source


@dataclass(frozen=True)
class Learned:
    """A lesson learned on one model: the probe and the training images laid out by its leading directions."""

    model: tuple[str, str, str]  # model_key of the model the features came from
    classes: tuple[str, ...]
    counts: tuple[int, ...]  # images per class that were learned from, in `classes` order
    digests: tuple[tuple[str, str], ...]  # Lesson.digests at the time
    names: tuple[str, ...]  # (N,) each training image's name
    labels: np.ndarray  # (N,) its class
    probe: RidgeProbe  # its loo_accuracy and loo_predicted: each image scored by a probe fitted without it
    directions: np.ndarray  # (D, 2) probe.leading_directions
    own_directions: int  # how many of the two are the probe's own (1 for two classes)
    points: np.ndarray  # (N, 2) the training images along the two directions
    skipped: tuple[str, ...] = ()  # images that could not be fed to the model, each named with why

    @property
    def model_name(self) -> str:
        return f"{self.model[0]} ({self.model[1]} weights)"


def features_of(loaded: LoadedModel, examples: Sequence[Example],
                progress: Progress | None = None) -> tuple[dict[str, np.ndarray], list[str]]:
    """digest -> (D,) pre-logits of each example (those computed before from explorer.memo, the rest in batches),
    and why an image could not be fed to the model, if any could not."""
    key, found, skipped = model_key(loaded), {}, []
    missing = []
    for e in examples:
        kept = memo.TAUGHT_FEATURES.peek((*key, e.digest))
        if kept is not None:
            found[e.digest] = kept
        elif e.digest not in {m.digest for m in missing}:
            missing.append(e)
    for start in range(0, len(missing), BATCH):
        chunk = missing[start:start + BATCH]
        if progress:
            progress(start, len(missing))
        try:
            rows = list(pre_logits(loaded, [e.pixels for e in chunk]))
        except Exception:  # one image spoils its batch: feed them one by one, to name it and keep the others
            rows = []
            for e in chunk:
                try:
                    rows.append(pre_logits(loaded, [e.pixels])[0])
                except Exception as exc:
                    rows.append(None)
                    skipped.append(t("errors.teach.model_refused", image=e.name, detail=f"{type(exc).__name__}: {exc}"))
        for e, row in zip(chunk, rows):
            if row is not None:
                found[e.digest] = memo.TAUGHT_FEATURES.put((*key, e.digest), row)
    if progress and missing:
        progress(len(missing), len(missing))
    return found, skipped


def learn(loaded: LoadedModel, lesson: Lesson, progress: Progress | None = None) -> Learned:
    """Fit the probe to the lesson on `loaded`'s frozen pre-logits. Raises LessonError when the lesson has fewer
    than two classes with an image."""
    ready = [(name, images) for name, images in lesson.classes if images]
    if len(ready) < MIN_CLASSES:
        raise LessonError(t("errors.teach.too_few_classes", least=MIN_CLASSES, count=len(ready)))
    found, skipped = features_of(loaded, [e for _, images in ready for e in images], progress)
    rows = [(c, e) for c, (_, images) in enumerate(ready) for e in images if e.digest in found]
    counts = tuple(sum(1 for c, _ in rows if c == k) for k in range(len(ready)))
    if sum(1 for n in counts if n) < MIN_CLASSES:
        raise LessonError(t("errors.teach.too_few_images", skipped="; ".join(skipped)))
    features = np.stack([found[e.digest] for _, e in rows])  # (N, D)
    labels = np.array([c for c, _ in rows])
    probe = fit_probe(features, labels, len(ready))
    directions, own = leading_directions(probe, features)
    return Learned(model_key(loaded), tuple(name for name, _ in ready), counts, lesson.digests,
                   tuple(e.name for _, e in rows), labels, probe, directions, own, layout(probe, features, directions),
                   tuple(skipped))


def forget(lesson: Lesson | None) -> None:
    """Forget the features of a lesson's images, whatever model they were computed on (its visitor left)."""
    if lesson is None:
        return
    digests = {e.digest for _, images in lesson.classes for e in images}
    with memo.TAUGHT_FEATURES.lock:
        keys = [key for key in memo.TAUGHT_FEATURES.entries if key[-1] in digests]
    memo.TAUGHT_FEATURES.discard(keys)


@dataclass(frozen=True)
class ProbeAnswer:
    """The probe on one image: its regression outputs (≈ +1 for the class, −1 for the others) per class."""

    classes: tuple[str, ...]
    scores: np.ndarray  # (K,)
    point: np.ndarray  # (2,) where the image lies among the training images

    @property
    def predicted(self) -> int:
        return int(self.scores.argmax())

    @property
    def label(self) -> str:
        return self.classes[self.predicted]


def probe_answer(learned: Learned, features: np.ndarray) -> ProbeAnswer:
    """(D,) pre-logits of an image (Analysis.pre_logits) -> the probe's answer on it."""
    row = np.asarray(features, dtype=np.float64)[None]
    return ProbeAnswer(learned.classes, learned.probe.scores(row)[0], layout(learned.probe, row, learned.directions)[0])


def image_features(analysis: Analysis) -> np.ndarray:
    """(C,) float64: the pooled features the head sees (timm's `forward_head(pre_logits=True)`) of the analysis's
    image, read off its one pass: what the probe answers from."""
    def make() -> np.ndarray:
        with torch.no_grad():
            pooled = analysis.loaded.model.forward_head(analysis.capture.features[None].float(), pre_logits=True)
        return pooled[0].double().cpu().numpy()

    return analysis.kept("pre_logits", make)
