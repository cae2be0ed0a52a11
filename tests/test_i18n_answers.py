"""The backend's own words in the visitor's language: the status line, the fallback banner, the predictions' note,
error messages, the embedded model's CIFAR-10 class names and the live region's announcement come from the
catalogue of the language being spoken, with this model's values; a real server answers a browser's
`Accept-Language` in that language and a client without one in English. Expected texts are read from the JSON
catalogue files here, never through the code under test."""
from __future__ import annotations

import copy
import json
import pickle
import re
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
import torch
from gradio_client import Client, handle_file

from conftest import EXAMPLES, ROOT, tiny_model
from explorer import load_model
from explorer.app.inputs import require_image, user_errors
from explorer.app.presenters import announcement, predicted_labels, weights_for
from explorer.errors import ImageError
from explorer.images import decode
from explorer.model.loading import LoadedModel, availability
from explorer.text.guidance import fallback_banner, label_note
from explorer.text.i18n import speaking
from explorer.text.words import Words

LOCALES = ROOT / "explorer" / "text" / "locales"
CIFAR10 = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
LANGUAGES = ("en", "zh-CN", "es")


def catalogue(tag: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{tag}.json").read_text(encoding="utf-8"))


def embedded_status(words: dict[str, str], weights: str = "pretrained") -> str:
    """The status line of the embedded model, as the catalogue writes it."""
    source = ("assets/embedded.safetensors" if weights == "pretrained"
              else words["status.source.random"].format(seed=0))
    labels = "CIFAR-10" if weights == "pretrained" else words["status.untrained_head"].format(labels="CIFAR-10")
    return words["status.line"].format(model="embedded", weights=words[f"status.weights.{weights}"], source=source,
                                       device="cpu", labels=labels)


@pytest.fixture(scope="module")
def embedded():
    return load_model("embedded")


@pytest.fixture(scope="module")
def fallen():
    return load_model("mixer_s16_224", "pretrained")  # timm has no pretrained weights for it: the embedded stands in


@pytest.mark.parametrize("tag", LANGUAGES)
def test_the_status_line_is_said_in_the_language_spoken(tag):
    words = catalogue(tag)
    with speaking(tag):
        assert load_model("embedded").status() == embedded_status(words)
        assert load_model("embedded", "random").status() == embedded_status(words, "random")


@pytest.mark.parametrize("tag", LANGUAGES)
def test_a_fallen_back_models_status_and_banner_say_why_in_the_language_spoken(tag, fallen):
    words = catalogue(tag)
    why = words["status.reason"].format(why=words["errors.loading.no_pretrained"].format(model="mixer_s16_224"))
    classes = words["guidance.list_separator"].join(words[f"cifar10.{name}"] for name in CIFAR10)
    requested = words["status.requested"].format(model="mixer_s16_224", weights=words["status.weights.pretrained"])
    with speaking(tag):
        banner, status = fallback_banner(fallen), fallen.status()
    assert banner == words["guidance.banner"].format(labels="CIFAR-10", count=10, classes=classes, size="32×32",
                                                     why=why)
    assert status == words["status.fallen"].format(running=words["status.running"].format(model=embedded_status(words)),
                                                   requested=requested, reason=why)


def test_a_model_loaded_once_is_described_in_each_visitors_language(fallen):
    """The loader keeps one model for everyone: what it keeps in words is said anew for each language."""
    said = {}
    for tag in ("es", "zh-CN", "en", "es"):
        with speaking(tag):
            said.setdefault(tag, set()).add((fallen.fallback_reason, str(load_model("embedded", "random").source)))
    assert all(len(texts) == 1 for texts in said.values())  # the same language, the same words
    texts = {tag: next(iter(found)) for tag, found in said.items()}
    assert len(set(texts.values())) == 3
    assert texts["es"][1] == catalogue("es")["status.source.random"].format(seed=0)
    assert texts["zh-CN"][0] == catalogue("zh-CN")["status.reason"].format(
        why=catalogue("zh-CN")["errors.loading.no_pretrained"].format(model="mixer_s16_224"))


@pytest.mark.parametrize("tag", ("zh-CN", "es"))
def test_the_predictions_note_is_in_the_language_spoken(tag, embedded):
    words = catalogue(tag)
    picture = np.full((32, 32, 3), 0.4)  # one flat colour: the "unlike" note
    classes = words["guidance.list_separator"].join(words[f"cifar10.{name}"] for name in CIFAR10)
    knows = words["guidance.knows.small"].format(count=10, classes=classes, size="32×32")
    with speaking(tag):
        note = label_note(embedded, picture, 0.9)
    assert note == words["guidance.note.unlike"].format(knows=knows, why=words["guidance.unlike.flat"])


@pytest.mark.parametrize("tag", ("zh-CN", "es"))
def test_error_messages_are_in_the_language_spoken(tag):
    words = catalogue(tag)
    with speaking(tag):
        with pytest.raises(gr.Error) as missing:
            require_image(None)
        with pytest.raises(ImageError) as empty:
            decode(b"")
        with pytest.raises(gr.Error) as unknown:  # an explorer error, turned into the message a person sees
            user_errors(load_model)("resnet_zzz")
    assert missing.value.message == words["errors.inputs.no_image"] and missing.value.title == words["common.error"]
    assert str(empty.value) == words["errors.images.empty"].format(name=words["errors.images.the_upload"])
    assert unknown.value.message.startswith(words["errors.loading.unknown_model"].split("{name}")[0])
    assert "'resnet_zzz'" in unknown.value.message


def test_the_cifar10_names_are_translated_only_where_people_read_them(embedded):
    probabilities = torch.zeros(10)
    probabilities[CIFAR10.index("ship")], probabilities[CIFAR10.index("truck")] = 0.7, 0.3
    with speaking("zh-CN"):
        shown = predicted_labels(embedded, probabilities, 2)
    assert shown == {catalogue("zh-CN")["cifar10.ship"]: 0.7, catalogue("zh-CN")["cifar10.truck"]: 0.3}
    assert embedded.class_names == CIFAR10  # the identifiers programs read stay as they are
    other = LoadedModel(name="mixer_s16_224", model=tiny_model("mixer_s16_224", num_classes=3), weights="random",
                        source="test", device=None, class_names=("ship", "tabby", "truck"), label_set="test",
                        data_config={}, transform=None)
    with speaking("es"):  # a head that is not CIFAR-10's: its names are shown as they are, even where they match
        shown = predicted_labels(other, torch.tensor([0.5, 0.3, 0.2]), 3)
    assert set(shown) == {"ship", "tabby", "truck"}


@pytest.mark.parametrize("tag", LANGUAGES)
def test_the_announcement_names_the_top1_and_its_probability(tag):
    with speaking(tag):
        said = announcement({"perro": 0.05, "barco": 0.93, "camión": 0.02})
        silent = announcement(None)
    assert said == catalogue(tag)["announce.answer"].format(label="barco", probability="93%") and silent == ""


def test_words_are_english_to_programs_and_said_in_the_readers_language_copied_or_not():
    """A model's words live in gr.State (deep-copied) and Ray's workers (pickled): they stay words, not English."""
    requested = Words("status.requested", model="mixer_s16_224", weights=Words("status.weights.random"))
    en, es = catalogue("en"), catalogue("es")
    assert json.dumps(requested) == json.dumps(en["status.requested"].format(
        model="mixer_s16_224", weights=en["status.weights.random"]))  # what a program reads: English
    for kept in (requested, copy.deepcopy(requested), pickle.loads(pickle.dumps(requested))):
        with speaking("es"):
            said = (str(kept), f"{kept}")
        assert said == (es["status.requested"].format(model="mixer_s16_224", weights=es["status.weights.random"]),) * 2


def test_what_can_run_here_is_said_in_spanish_and_still_decides_the_same_weights():
    es = catalogue("es")
    with speaking("es"):
        said = {name: str(availability(name)) for name in ("embedded", "mixer_s16_224")}
        weights = weights_for("mixer_s16_224"), weights_for("embedded")
    assert said == {"embedded": es["status.available.assets"], "mixer_s16_224": es["status.available.random_only"]}
    assert weights == ("random", "pretrained")  # decided by what is available, not by its words


def test_every_key_kept_as_words_exists():
    """Words("key", ...) is said later, out of the lookups tests/test_i18n.py finds: its keys are checked here."""
    code = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "explorer").rglob("*.py"))
    kept = set(re.findall(r"""\bWords\(\s*["']([\w.-]+)["']""", code))
    assert {"status.source.random", "errors.loading.no_pretrained"} <= kept  # the pattern finds them
    assert sorted(kept - set(catalogue("en"))) == []


# ---------------------------------------------------------------------------------------------- a real server


@pytest.fixture(scope="module")
def ship() -> Path:
    return EXAMPLES / "cifar10-ship.jpg"


def test_a_browser_asking_for_spanish_is_answered_in_spanish_and_a_plain_client_in_english(app_url, ship):
    es, en = catalogue("es"), catalogue("en")
    spanish = Client(app_url, verbose=False, headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.8"})
    label, status = spanish.predict(handle_file(str(ship)), "embedded", "pretrained", 3, api_name="/predict")
    assert status == embedded_status(es)
    assert label["label"] == es["cifar10.ship"]
    assert {c["label"] for c in label["confidences"]} <= {es[f"cifar10.{name}"] for name in CIFAR10}

    label, status = Client(app_url, verbose=False).predict(handle_file(str(ship)), "embedded", "pretrained", 3,
                                                           api_name="/predict")
    assert status == embedded_status(en) and label["label"] == "ship"

    with pytest.raises(Exception) as refused:  # an error message, in Spanish too
        spanish.predict(handle_file(str(ship)), "resnet_zzz", "pretrained", 3, api_name="/predict")
    assert es["errors.loading.unknown_model"].split("{name}")[0] in str(refused.value)
