"""Answers already given are served again without queueing (explorer.app.answers), equal to fresh ones, never for
another model, weights or top-k, and kept in a bounded store: through the real server and gradio_client, as an
API client or a lecture hall calls /predict, and in-process for the page's own event and the bound."""
from __future__ import annotations

import functools
import shutil

import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from conftest import EXAMPLES, free_port

from explorer import memo
from explorer.app import answers
from explorer.app.handlers import App

CAT = EXAMPLES / "chelsea-cat.jpg"


@pytest.fixture(scope="module")
def served():
    """The real app (embedded model) on a free port, in this process so that the test can read its queue, with
    App's two predicting handlers counted (wrapped before the app is built, so the wired events call them)."""
    from explorer.app.server import launch
    from explorer.app.wiring import build

    calls = {"classify": 0, "image_changed": 0, "model_changed": 0}
    originals = {name: getattr(App, name) for name in calls}

    def counted(name):
        @functools.wraps(originals[name])  # the same name, signature (gr.Request) and docstring
        def handler(self, *args, **kwargs):
            calls[name] += 1
            return originals[name](self, *args, **kwargs)

        return handler

    for name in calls:
        setattr(App, name, counted(name))
    try:
        demo, app = build("embedded")
    finally:
        for name, original in originals.items():
            setattr(App, name, original)
    port = free_port()
    launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True, mcp=False)
    try:
        yield demo, f"http://127.0.0.1:{port}/", calls, app
    finally:
        demo.close()


def predict(url: str, path, model="embedded", weights="pretrained", top_k=5):
    return Client(url, verbose=False).predict(handle_file(str(path)), model, weights, top_k, api_name="/predict")


def queued_predictions(demo) -> int:
    """How many /predict events joined the queue (Gradio counts an event when it queues it, not when the kept
    answer was served in the request that asked)."""
    return demo._queue.events_recorded_per_fn["predict"]


def test_a_repeat_is_served_without_queueing_and_equals_a_fresh_answer(served, tmp_path):
    demo, url, calls, _ = served
    memo.clear()
    fresh = predict(url, CAT)
    ran, queued = calls["classify"], queued_predictions(demo)
    # the same bytes under another name, uploaded again (as every client does): the digest is the key, not the path
    copy = tmp_path / "another-name.jpg"
    shutil.copy(CAT, copy)
    again = predict(url, copy)
    assert again == fresh and fresh[0]["label"] == "cat" and "CIFAR-10" in fresh[1]
    assert calls["classify"] == ran and queued_predictions(demo) == queued  # neither run nor queued

    memo.clear()  # forgets the kept answers too: the next one is computed afresh, and is the same
    recomputed = predict(url, copy)
    assert calls["classify"] == ran + 1 and queued_predictions(demo) == queued + 1
    assert recomputed == fresh


def test_an_answer_for_another_model_weights_or_top_k_is_never_served(served):
    demo, url, calls, _ = served
    memo.clear()
    kept = predict(url, CAT, top_k=5)
    ran = calls["classify"]

    fewer = predict(url, CAT, top_k=3)
    assert [c["label"] for c in fewer[0]["confidences"]] == [c["label"] for c in kept[0]["confidences"][:3]]
    assert len(fewer[0]["confidences"]) == 3 and len(kept[0]["confidences"]) == 5
    random = predict(url, CAT, weights="random")
    assert "random" in random[1] and random[0]["confidences"] != kept[0]["confidences"]
    other = predict(url, CAT, model="mixer_s32_224", weights="random")
    assert "mixer_s32_224" in other[1] and "ImageNet" in other[1]
    assert calls["classify"] == ran + 3  # each asked its own handler

    # top-k as the handler reads it: 3.0 is 3, already answered
    assert predict(url, CAT, top_k=3.0) == fewer and calls["classify"] == ran + 3


def test_bad_input_still_gets_its_message_and_is_not_kept(served, tmp_path):
    demo, url, calls, _ = served
    text = tmp_path / "notes.png"
    text.write_bytes(b"not a picture at all")
    for _ in range(2):  # an error is not kept: the second call runs the handler again and says the same
        ran = calls["classify"]
        with pytest.raises(Exception, match="is not an image format this app can read"):
            predict(url, text)
        assert calls["classify"] == ran + 1
    # refused while decoding the inputs (not among the choices): the probe misses, the queue says why
    with pytest.raises(Exception, match="bogus"):
        predict(url, CAT, weights="bogus")
    assert predict(url, CAT)[0]["label"] == "cat"  # and the server goes on serving


def test_the_page_s_new_image_events_are_probed_and_a_repeat_runs_no_handler(served):
    demo, _, calls, app = served
    names = ("image_changed", "model_changed")
    kept = [fn for fn in demo.fns.values() if getattr(fn.fn, "__name__", "") in names]
    # the upload, the example click, the weights and the model: each answers a repeat unqueued
    assert len(kept) == 4 and all(hasattr(fn.fn, "cache") for fn in kept)
    image_changed = kept[0].fn
    memo.clear()

    def screen(block: int) -> tuple:  # the page's controls on the Predictions tab, the cat at `block`
        return ("predict", str(CAT), "embedded", "pretrained", 5, block, False, -1, "one scale for all blocks", 0, -1,
                1, 0, "embedded", "random", -1, "channel", None)

    first = image_changed(None, *screen(0))
    ran = calls["image_changed"]
    second = image_changed(None, *screen(0))
    assert calls["image_changed"] == ran
    assert second.keys() == first.keys() and second is not first
    labels, status = app.ui.labels, app.ui.status
    assert second[labels] == first[labels] and second[labels] is not first[labels]  # a copy each, equal
    assert second[status] == first[status] and "CIFAR-10" in first[status] and "cat" in first[labels]
    deeper = image_changed(None, *screen(1))  # the block is part of the answer
    assert calls["image_changed"] == ran + 1 and deeper[app.ui.block].value == 1


def test_the_kept_answers_stay_bounded_over_a_thousand_distinct_images(served, tmp_path):
    demo, _, calls, _ = served
    classify = next(fn.fn for fn in demo.fns.values() if fn.api_name == "predict")
    store = classify.cache
    memo.clear()
    rng = np.random.default_rng(0)
    paths = []
    for i in range(1000):
        path = tmp_path / f"{i:04d}.png"
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(path)
        paths.append(path)
    sizes = []
    for path in paths:
        classify(str(path), "embedded", "pretrained", 5)
        sizes.append((len(store), store._total_memory))
    assert max(n for n, _ in sizes) == memo.ANSWER_ENTRIES < len(paths)
    assert max(b for _, b in sizes) <= memo.ANSWER_BYTES
    # flat once full: the last 400 images leave as many answers and bytes as there were before them
    assert sizes[-1][0] == sizes[599][0] and sizes[-1][1] <= 1.1 * sizes[599][1]
    # the least recently asked went first: the first image is answered by its handler again, the last is kept
    ran = calls["classify"]
    classify(str(paths[-1]), "embedded", "pretrained", 5)
    assert calls["classify"] == ran
    classify(str(paths[0]), "embedded", "pretrained", 5)
    assert calls["classify"] == ran + 1


def test_keys_name_what_the_answer_depends_on(tmp_path):
    copy = tmp_path / "cat.jpg"
    shutil.copy(CAT, copy)
    asked = dict(image=str(CAT), model="embedded", weights="pretrained", top_k=5)
    assert answers.predict_key(asked) == answers.predict_key({**asked, "image": str(copy)})
    for change in (dict(model="mixer_s32_224"), dict(weights="random"), dict(top_k=4)):
        assert answers.predict_key(asked) != answers.predict_key({**asked, **change})
    assert answers.predict_key({**asked, "top_k": 500}) == answers.predict_key({**asked, "top_k": 50})
    start = (5, 1, False, -1, "one scale for all blocks", 0, -1, 1, 0, "embedded", "random", -1, "channel", None)
    screen = {"view": "predict", "values": (str(CAT), "embedded", "pretrained", *start)}
    moved = {**screen, "values": (str(copy), "embedded", "pretrained", 5, 2, *start[2:])}
    assert answers.screen_key(screen) != answers.screen_key(moved)  # another block: another screen
    assert answers.screen_key(screen) != answers.screen_key({**screen, "view": "evidence"})
    assert answers.screen_key(screen) == answers.screen_key({**screen, "values": (str(copy), *screen["values"][1:])})
    assert answers.predict_key({**asked, "model": ""}) != answers.predict_key(asked)  # "" is the default model


def test_a_screen_that_shows_a_visitor_s_classes_is_never_kept_for_another(tmp_path):
    from explorer.analysis.teach import Lesson

    def screen(lesson) -> dict:  # the Teach it tab open, the cat, this lesson
        return {"view": "teach", "values": (str(CAT), "embedded", "pretrained", 5, 0, False, -1,
                                            "one scale for all blocks", 0, -1, 1, 0, "embedded", "random", -1,
                                            "channel", lesson)}

    assert answers.screen_key(screen(None)) == answers.screen_key(screen(Lesson()))  # nothing of anyone's: kept
    taught = Lesson().with_images("mine", [(str(CAT), "cat")])
    # keys of calls that cannot be kept are all different: each is answered by its handler
    key = answers._readable(answers.screen_key)
    assert key(screen(taught)) != key(screen(taught))
