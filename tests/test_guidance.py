"""What the app tells a person about the running model: true for its family and weights, honest when it falls back."""
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from conftest import EXAMPLES, tiny_model
from explorer import load_model
from explorer.analysis.analysis import Analysis
from explorer.text.guidance import fallback_banner, label_note, unlike_training_images, view_note
from explorer.model.loading import LoadedModel


@pytest.fixture(scope="module")
def embedded():
    return load_model("embedded")


def test_a_fallback_banner_names_the_ten_classes_and_why(embedded):
    fallen = load_model("mixer_s16_224", "pretrained")  # no pretrained weights exist: the embedded model stands in
    banner = fallback_banner(fallen)
    assert "ImageNet weights could not be loaded here" in banner and "32×32" in banner
    assert all(name in banner for name in embedded.class_names) and "no pretrained weights" in banner


def test_photos_are_not_flagged_but_text_and_flat_colour_are(embedded):
    for name in ("cifar10-horse", "cifar10-ship", "chelsea-cat", "coffee", "rocket", "astronaut"):
        picture = Analysis(embedded, EXAMPLES / f"{name}.jpg").picture
        assert unlike_training_images(picture) is None, name
    page = Image.new("RGB", (320, 320), "white")
    draw = ImageDraw.Draw(page)
    for row in range(0, 320, 24):
        draw.text((10, row), "Lorem ipsum dolor sit amet, consectetur", fill="black")
    assert "text" in unlike_training_images(Analysis(embedded, page).picture)
    assert "flat colour" in unlike_training_images(np.full((32, 32, 3), 0.4))


def test_the_predictions_note_lists_what_the_model_knows_and_says_when_unsure(embedded):
    picture = Analysis(embedded, EXAMPLES / "cifar10-horse.jpg").picture
    sure = label_note(embedded, picture, 0.9)
    assert all(name in sure for name in embedded.class_names) and "32×32" in sure and "unsure" not in sure
    assert "unsure (top class 31%)" in label_note(embedded, picture, 0.31)


def test_the_predictions_note_says_random_weights_answer_by_chance():
    loaded = load_model("mixer_s32_224", "random")
    analysis = Analysis(loaded, EXAMPLES / "chelsea-cat.jpg")
    top = float(analysis.probabilities.max())
    assert top < 0.005  # the predictions list shows 0% for every class
    note = label_note(loaded, analysis.picture, top)
    assert ("random weights" in note and "1 in 1,000 (0.10%)" in note
            and f"top one here {top:.2%} (the list above rounds it to 0%)" in note and "unsure" not in note)


@pytest.mark.parametrize("name, expected, absent", [
    ("mixer_s16_224", "fc2 counterpart", "S×S"),
    ("resmlp_12_224", "one linear map (S×S)", "fc2 counterpart"),
    ("gmlp_ti16_224", "spatial gating unit", "fc2 counterpart"),
    ("gmixer_12_224", "gated", "fc2 counterpart"),
])
def test_token_mixing_text_is_true_of_each_family(name, expected, absent):
    loaded = LoadedModel(name=name, model=tiny_model(name), weights="random", source="test",
                         data_config={"input_size": (3, 64, 64)}, transform=None, class_names=tuple("abcdefg"),
                         label_set="test", device=None)
    note = view_note("token-mixing", loaded)
    assert expected in note and absent not in note and "random weights" in note


def test_the_stem_text_matches_the_model(embedded):
    assert "colour detectors" in view_note("stem", embedded) and "edges" in view_note("stem", embedded)
    assert "noise" in view_note("stem", load_model("embedded", "random"))


BANNER_CODE = """
import json
from explorer import load_model
from explorer.text.guidance import fallback_banner
from conftest import CACHED_MODEL
print(json.dumps({name: fallback_banner(load_model(name)) for name in ("embedded", CACHED_MODEL)}))
"""


def banners(env: dict[str, str]) -> dict[str, str]:
    from conftest import run_python

    result = run_python(BANNER_CODE, env={**env, "PYTHONPATH": "tests"})
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_banner_says_why_when_the_hub_cannot_be_reached(hub_unreachable):
    shown = banners(hub_unreachable)
    for name, banner in shown.items():  # the embedded model chosen, or standing in for an ImageNet one
        assert (banner.startswith("⚠️ **ImageNet weights could not be loaded here**")
                and "cannot be reached" in banner), name
    assert "not in the local Hugging Face cache" in shown["resmlp_12_224"]


def test_no_banner_when_imagenet_weights_are_cached(weights_in_cache):
    assert banners(weights_in_cache) == {"embedded": "", "resmlp_12_224": ""}


def test_in_this_process_the_hub_is_unreachable_and_the_banner_says_so(embedded):
    banner = fallback_banner(embedded)  # conftest sets HF_HUB_OFFLINE before huggingface_hub is imported
    assert (banner.startswith("⚠️ **ImageNet weights could not be loaded here**")
            and "Why: HF_HUB_OFFLINE is set." in banner)


def catalogue(tag: str) -> dict[str, str]:
    from conftest import ROOT

    return json.loads((ROOT / "explorer" / "text" / "locales" / f"{tag}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("tag", ["zh-CN", "es"])
def test_the_view_notes_and_the_offline_banners_reason_are_in_the_language_spoken(tag, embedded):
    from explorer.text.i18n import speaking

    words = catalogue(tag)
    resmlp = LoadedModel(name="resmlp_12_224", model=tiny_model("resmlp_12_224"), weights="random", source="test",
                         data_config={"input_size": (3, 64, 64)}, transform=None, class_names=tuple("abcdefg"),
                         label_set="test", device=None)
    with speaking(tag):
        token_mixing, stem = view_note("token-mixing", resmlp), view_note("stem", embedded)
        banner = fallback_banner(embedded)
    assert token_mixing == words["families.gallery.resmlp"] + words["guidance.token_mixing.random"]
    assert stem == words["guidance.stem.small"]
    # the hub's reason is kept by the loader for a minute, for everyone, and said in each visitor's language
    assert banner.endswith(words["status.reason"].format(why=words["errors.loading.hub_offline"]))
