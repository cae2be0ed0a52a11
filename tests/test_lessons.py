"""What Teach it and Patch drop show (explorer.app.lessons), and the page's own handlers driving them in-process:
add images from the examples, Learn, and the open view draws the probe's answer beside the model's own."""
from __future__ import annotations

import json
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from conftest import EXAMPLES
from explorer.analysis import patch_drop
from explorer import load_model
from explorer.analysis.analysis import Analysis
from explorer.analysis.teach import MAX_CLASSES, MAX_IMAGES, MIN_CLASSES, Lesson, learn
from explorer.app.lessons import drop_text, image_label, teach_screen
from explorer.text.i18n import speaking

LOCALES = Path(__file__).resolve().parents[1] / "explorer" / "text" / "locales"


def catalogue(tag: str) -> dict[str, str]:
    """A language's words as its file holds them (explorer/text/locales), read apart from the code under test."""
    return json.loads((LOCALES / f"{tag}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def app():
    from explorer.app.wiring import build

    return build("embedded")[1]


def test_an_empty_lesson_says_what_to_do():
    screen = teach_screen(Lesson(), load_model("embedded"), None)
    assert "No classes yet" in screen.summary and "Learn" in screen.summary
    assert screen.summary == catalogue("en")["lessons.none"].format(min=MIN_CLASSES, max=MAX_CLASSES,
                                                                     images=MAX_IMAGES)
    with speaking("zh-CN"):  # the visitor's language: the same words, from the Chinese catalogue
        chinese = teach_screen(Lesson(), load_model("embedded"), None).summary
    assert chinese == catalogue("zh-CN")["lessons.none"].format(min=MIN_CLASSES, max=MAX_CLASSES, images=MAX_IMAGES)
    assert screen.learned is None and screen.probe_scores is None and screen.model_scores is None
    assert screen.gallery == []


def test_the_screen_of_a_learned_lesson_on_an_image():
    loaded = load_model("embedded")
    lesson = Lesson().with_images("ship", [(EXAMPLES / "cifar10-ship.jpg", "ship"), (EXAMPLES / "rocket.jpg", "r")])
    lesson = lesson.with_images("animal", [(EXAMPLES / "cifar10-frog.jpg", "f"), (EXAMPLES / "chelsea-cat.jpg", "c")])
    lesson = lesson.__class__(lesson.classes, learn(loaded, lesson))
    analysis = Analysis(loaded, EXAMPLES / "cifar10-horse.jpg")
    screen = teach_screen(lesson, loaded, analysis)
    assert "Leave-one-out accuracy" in screen.summary and "**ship** (2)" in screen.summary
    assert set(screen.probe_scores) == {"ship", "animal"} and all(0 <= v <= 1 for v in screen.probe_scores.values())
    assert max(screen.probe_scores, key=screen.probe_scores.get) == screen.answer.label
    with torch.inference_mode():  # the model's own top 3, from timm's forward on the preprocessed image
        probabilities = loaded.model(loaded.transform(Image.open(EXAMPLES / "cifar10-horse.jpg").convert("RGB"))[None])
    top = probabilities.softmax(-1)[0].topk(3)
    expected = {loaded.class_names[i]: p for p, i in zip(top.values.tolist(), top.indices.tolist())}
    assert list(screen.model_scores) == list(expected)
    assert list(screen.model_scores.values()) == pytest.approx(list(expected.values()), abs=1e-5)
    assert [caption for _, caption in screen.gallery] == ["ship", "ship", "animal", "animal"]
    # another model: the probe does not answer for it, and the summary says to press Learn
    random = load_model("embedded", "random")
    other = teach_screen(lesson, random, Analysis(random, EXAMPLES / "cifar10-horse.jpg"))
    assert other.answer is None and "press **Learn** to teach" in other.summary
    # images added since: the old probe still answers, and the summary says the classes changed
    added = lesson.with_images("ship", [(EXAMPLES / "coffee.jpg", "coffee")])
    assert "changed since" in teach_screen(added, loaded, analysis).summary


def test_drop_text_names_both_curves_and_the_mean_token():
    loaded = load_model("embedded")
    text = drop_text(patch_drop.view(Analysis(loaded, EXAMPLES / "cifar10-ship.jpg")))
    assert "50% of the patches dropped" in text and "random weights" in text and "mean token" in text


def test_drop_text_speaks_spanish_with_the_curves_numbers():
    loaded = load_model("embedded")
    view = patch_drop.view(Analysis(loaded, EXAMPLES / "cifar10-ship.jpg"))
    with speaking("es"):
        text = drop_text(view)
    words = catalogue("es")
    half = int(np.argmin(np.abs(view.trained.shares - 0.5)))  # the share nearest half the patches
    draws = view.trained.top1_holds.shape[1]

    def name(label: str) -> str:  # a CIFAR-10 class is said in Spanish too
        return words.get(f"cifar10.{label}", label)

    trained = words["lessons.drop"].format(share=0.5, weights="preentrenados", label=name(view.trained_label),
                                           held=int(view.trained.top1_holds[half].sum()), draws=draws,
                                           p=view.trained.mean_probability[half],
                                           intact=view.trained.mean_probability[0])
    random = words["lessons.drop_random"].format(label=name(view.random_label),
                                                 held=int(view.random.top1_holds[half].sum()), draws=draws,
                                                 p=view.random.mean_probability[half])
    assert text == trained + random and "50% de los parches quitados" in text


def test_an_example_is_named_by_its_name():
    assert image_label(str(EXAMPLES / "chelsea-cat.jpg")) == "chelsea-cat"


def test_the_handlers_teach_two_classes_from_the_examples_and_the_view_answers(app):
    from explorer.app.views import Controls, draw

    ui = app.ui
    lesson = Lesson()
    for name, example in (("cat", "chelsea-cat"), ("cat", "cifar10-frog"), ("ship", "cifar10-ship"),
                          ("ship", "rocket")):
        out = app.taught(lesson, name, str(EXAMPLES / f"{example}.jpg"))
        lesson = out[ui.lesson]
    assert lesson.names == ["cat", "ship"] and out[ui.teach_class].choices == [("cat", "cat"), ("ship", "ship")]
    lesson = app.learned(lesson, "embedded", "pretrained", progress=lambda *a, **k: None)[ui.lesson]
    assert lesson.learned is not None and lesson.learned.classes == ("cat", "ship")
    controls = Controls(str(EXAMPLES / "cifar10-horse.jpg"), "embedded", "pretrained", 5, 0, False, -1,
                        "one scale for all blocks", 0, -1, 1, 0, "embedded", "random", -1, "channel", lesson)
    shown = draw(ui, "teach", controls, session=None)
    assert set(shown[ui.teach_answer]) == {"cat", "ship"} and shown[ui.teach_model]
    assert shown[ui.teach_plot].data[-1].name == "this image"  # the image among the training images
    with pytest.raises(gr.Error, match="Name the class"):
        from explorer.app.inputs import user_errors

        user_errors(app.taught)(lesson, "", str(EXAMPLES / "coffee.jpg"))
    assert np.isfinite(lesson.learned.points).all()


def test_each_visitors_lesson_is_kept_an_hour_and_when_gradio_drops_it_its_features_go(app):
    """Gradio deletes a session's state after its time to live and hands it to the delete callback (the hour itself
    is Gradio's to keep): the state is set to an hour, and what the callback is handed, a learned lesson, leaves
    no feature of its images behind."""
    from explorer import memo
    from explorer.analysis.teach import model_key

    state = app.ui.lesson
    assert state.time_to_live == 3600
    loaded = load_model("embedded")
    lesson = Lesson().with_images("ship", [(EXAMPLES / "cifar10-ship.jpg", "ship")])
    lesson = lesson.with_images("frog", [(EXAMPLES / "cifar10-frog.jpg", "frog")])
    learn(loaded, lesson)
    keys = [(*model_key(loaded), e.digest) for _, images in lesson.classes for e in images]
    assert all(memo.TAUGHT_FEATURES.peek(k) is not None for k in keys)
    state.delete_callback(lesson)
    assert all(memo.TAUGHT_FEATURES.peek(k) is None for k in keys)


def test_files_dropped_into_a_class_keep_the_good_ones_and_name_the_bad_one(app, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    out = app.taught_files(Lesson(), "ships", [str(EXAMPLES / "cifar10-ship.jpg"), str(bad),
                                               str(EXAMPLES / "rocket.jpg")])
    lesson = out[app.ui.lesson]
    assert [e.name for e in lesson.images("ships")] == ["cifar10-ship", "rocket"]
    assert len(lesson.skipped) == 1 and "broken.jpg" in lesson.skipped[0]
    assert out[app.ui.teach_files] is None  # the drop box empties for the next class
    assert "broken.jpg" in teach_screen(lesson, load_model("embedded"), None).summary
