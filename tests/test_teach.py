"""Teach it, below the app: a lesson keeps the good images and names the bad ones, learning is the probe of
explorer.analysis.probe on the same features, features are computed once and forgotten with the lesson, and the
probe answers on an image's one analysis as it would on the image itself.

The images are real held-out CIFAR-10 pictures (the shipped unit index's sprite, never trained on)."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import EXAMPLES, counted_passes
from explorer import load_model, memo
from explorer.analysis.analysis import Analysis
from explorer.analysis.probe import fit_probe, leading_directions, pre_logits
from explorer.analysis.teach import MAX_CLASSES, MAX_IMAGES, Lesson, forget, learn, model_key, probe_answer
from explorer.analysis.teach import image_features
from explorer.errors import LessonError


@pytest.fixture(scope="module")
def held_out() -> dict[str, list[np.ndarray]]:
    """class -> 6 held-out CIFAR-10 images (32x32x3 uint8) of airplane, cat and frog."""
    from explorer.units.index import read_index
    from explorer.units.reference import SHIPPED_INDEX

    index = read_index(SHIPPED_INDEX)
    found: dict[str, list[np.ndarray]] = {"airplane": [], "cat": [], "frog": []}
    for i, name in enumerate(index.names):
        cls = name.split("/")[-2]
        if cls in found and len(found[cls]) < 6:
            found[cls].append(index.sprite[i])
    return found


@pytest.fixture(scope="module")
def embedded():
    return load_model("embedded")


def lesson_of(images: dict[str, list[np.ndarray]], per_class: int = 6) -> Lesson:
    lesson = Lesson()
    for cls, pictures in images.items():
        lesson = lesson.with_images(cls, [(p, f"{cls}-{i}.png") for i, p in enumerate(pictures[:per_class])])
    return lesson


def test_a_bad_image_is_named_and_left_out_and_nothing_else_is_lost(tmp_path):
    bad = tmp_path / "holiday.jpg"
    bad.write_text("not a picture")
    lesson = Lesson().with_images("cat", [(EXAMPLES / "chelsea-cat.jpg", "chelsea-cat")])
    lesson = lesson.with_images("cat", [(bad, "holiday.jpg"), (EXAMPLES / "cifar10-frog.jpg", "frog"),
                                        (b"\x89PNG broken", "pasted.png")])
    assert [e.name for e in lesson.images("cat")] == ["chelsea-cat", "frog"]
    assert len(lesson.skipped) == 2
    assert "holiday.jpg" in lesson.skipped[0] and lesson.skipped[1].startswith("pasted.png")
    again = lesson.with_images("cat", [(EXAMPLES / "cifar10-frog.jpg", "frog")])  # the same image twice: once
    assert len(again.images("cat")) == 2 and "already" in again.skipped[0]


def test_limits_and_names(held_out):
    cats = held_out["cat"]
    with pytest.raises(LessonError, match="Name the class"):
        Lesson().with_images("  ", [(cats[0], "a.png")])
    lesson = Lesson()
    for k in range(MAX_CLASSES):
        lesson = lesson.with_images(f"class {k}", [(cats[k % len(cats)], "a.png")])
    with pytest.raises(LessonError, match=f"at most {MAX_CLASSES} classes"):
        lesson.with_images("one too many", [(cats[0], "a.png")])
    assert lesson.without("class 3").names == [f"class {k}" for k in range(MAX_CLASSES) if k != 3]
    rng = np.random.default_rng(0)
    many = [(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), f"{i}.png") for i in range(MAX_IMAGES + 2)]
    full = Lesson().with_images("noise", many)
    assert len(full.images("noise")) == MAX_IMAGES
    assert [why.split(":")[0] for why in full.skipped] == [f"{MAX_IMAGES}.png", f"{MAX_IMAGES + 1}.png"]
    with pytest.raises(LessonError, match="at least 2 classes"):
        learn(load_model("embedded"), full)


def test_a_large_photo_is_kept_small_and_any_model_can_learn_from_it(embedded):
    from PIL import Image

    assert Image.open(EXAMPLES / "astronaut.jpg").size == (512, 512)  # a photo larger than any model's input
    lesson = Lesson().with_images("astronaut", [(EXAMPLES / "astronaut.jpg", "astronaut")])
    lesson = lesson.with_images("cat", [(EXAMPLES / "chelsea-cat.jpg", "cat")])
    kept = lesson.images("astronaut")[0]
    # shorter side 288: above a 224-pixel model's 256 resize, so no model sees it upsampled
    assert kept.pixels.shape == (288, 288, 3) and kept.pixels.dtype == np.uint8 and kept.thumbnail.shape == (96, 96, 3)
    for loaded in (embedded, load_model("resmlp_12_224", "random")):  # 32- and 224-pixel inputs
        learned = learn(loaded, lesson)
        assert learned.counts == (1, 1) and learned.skipped == () and np.isfinite(learned.points).all()


def ridge(x: np.ndarray, targets: np.ndarray, strength: float) -> tuple[np.ndarray, np.ndarray]:
    """Ridge regression with an unpenalised intercept, solved in the primal by NumPy: (weights (D, K), bias (K,))."""
    mean = x.mean(axis=0)
    centred = x - mean
    weights = np.linalg.solve(centred.T @ centred + strength * np.eye(x.shape[1]), centred.T @ targets)
    return weights, targets.mean(axis=0) - mean @ weights


def test_learning_is_the_probe_on_the_images_pre_logits(held_out, embedded):
    """The expected probe computed without explorer: features from timm's forward on pixels normalised by hand, a
    ridge solved in the primal at the strength the probe chose, its leave-one-out by refitting without each image."""
    import torch

    lesson = lesson_of(held_out)
    learned = learn(embedded, lesson)
    config = embedded.model.pretrained_cfg  # the 32x32 sprites are already the model's input size
    pixels = np.stack([e.pixels for _, images in lesson.classes for e in images]) / 255.0  # (18, 32, 32, 3)
    batch = torch.tensor((pixels - config["mean"]) / config["std"], dtype=torch.float32).permute(0, 3, 1, 2)
    with torch.inference_mode():
        model = embedded.model
        features = model.forward_head(model.forward_features(batch), pre_logits=True).double().numpy()  # (18, D)
    labels = np.repeat(np.arange(3), 6)
    targets = np.where(labels[:, None] == np.arange(3), 1.0, -1.0)  # +1 for the class, -1 for the others
    x = (features - features.mean(axis=0)) / features.std(axis=0)
    strength = learned.probe.regularisation
    weights, bias = ridge(x, targets, strength)
    assert learned.classes == ("airplane", "cat", "frog") and learned.counts == (6, 6, 6)
    np.testing.assert_array_equal(learned.labels, labels)
    np.testing.assert_allclose(learned.probe.weights, weights, atol=1e-4)
    np.testing.assert_allclose(learned.probe.scores(features), x @ weights + bias, atol=1e-4)
    held_out_class = []
    for i in range(len(x)):  # leave-one-out, by refitting on the other 17
        rest = np.arange(len(x)) != i
        w, b = ridge(x[rest], targets[rest], strength)
        held_out_class.append(int((x[i] @ w + b).argmax()))
    np.testing.assert_array_equal(learned.probe.loo_predicted, held_out_class)
    assert learned.probe.loo_accuracy == pytest.approx(np.mean(np.array(held_out_class) == labels))
    assert learned.probe.loo_accuracy >= 0.6  # three of its own classes, 6 shots: far above 1/3
    again = learn(embedded, lesson)  # deterministic
    np.testing.assert_array_equal(again.points, learned.points)


def test_the_leading_directions_are_the_probes_own_and_orthonormal(held_out, embedded):
    for classes, own in ((["cat", "frog"], 1), (["airplane", "cat", "frog"], 2)):
        images = [p for c in classes for p in held_out[c]]
        features = pre_logits(embedded, images)
        probe = fit_probe(features, np.repeat(np.arange(len(classes)), 6), len(classes))
        directions, found = leading_directions(probe, features)
        assert found == own
        np.testing.assert_allclose(directions.T @ directions, np.eye(2), atol=1e-9)
        # the first direction lies in the span of the probe's weights: the probe's scores change along it
        weights = probe.weights / np.linalg.norm(probe.weights, axis=0)
        inside = weights @ np.linalg.lstsq(weights, directions[:, 0], rcond=None)[0]
        np.testing.assert_allclose(inside, directions[:, 0], atol=1e-8)


def test_features_are_computed_once_per_model_and_forgotten_with_the_lesson(held_out, embedded):
    lesson = lesson_of(held_out, per_class=3)
    forget(lesson)
    steps = []
    with counted_passes(embedded.model) as counts:
        learn(embedded, lesson, lambda done, total: steps.append((done, total)))
        assert counts["forward"] == 2  # 9 images, batches of 8
        noise = np.random.default_rng(7).integers(0, 256, (32, 32, 3), dtype=np.uint8)  # seen by no other test
        learn(embedded, lesson.with_images("cat", [(noise, "one more")]))
        assert counts["forward"] == 3  # only the new image
    assert steps == [(0, 9), (8, 9), (9, 9)]
    keys = [(*model_key(embedded), e.digest) for _, images in lesson.classes for e in images]
    assert all(memo.TAUGHT_FEATURES.peek(k) is not None for k in keys)
    forget(lesson)
    assert all(memo.TAUGHT_FEATURES.peek(k) is None for k in keys)


def test_the_probe_answers_from_the_images_one_analysis(held_out, embedded):
    lesson = Lesson().with_images("ship", [(EXAMPLES / "cifar10-ship.jpg", "ship"), (held_out["airplane"][0], "a")])
    lesson = lesson.with_images("animal", [(EXAMPLES / "cifar10-frog.jpg", "frog"), (held_out["cat"][0], "c")])
    learned = learn(embedded, lesson)
    analysis = Analysis(embedded, EXAMPLES / "cifar10-horse.jpg")
    with counted_passes(embedded.model) as counts:
        answer = probe_answer(learned, image_features(analysis))
    assert counts["forward"] == 0  # read off the analysis's one pass
    direct = learned.probe.scores(pre_logits(embedded, [EXAMPLES / "cifar10-horse.jpg"]))[0]
    np.testing.assert_allclose(answer.scores, direct, atol=1e-5)
    assert answer.label == learned.classes[int(direct.argmax())] and answer.point.shape == (2,)
