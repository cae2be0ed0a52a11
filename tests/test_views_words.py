"""The views speak the visitor's language: drawn under `speaking(tag)`, each picture's alt text is that language's
catalogue text (explorer/text/locales, read here as files) filled in with this image's and this model's numbers,
computed here from the model's own weights and softmax; the page's labels are catalogue keys."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import PIL.Image
import pytest
import timm.data
import torch

from conftest import EMBEDDED_BLOCKS, EMBEDDED_HIDDEN, EMBEDDED_WIDTH, EXAMPLES
from explorer.text.i18n import speaking
from explorer.analysis import shuffle

ROOT = Path(__file__).resolve().parents[1]
TAGS = ("en", "zh-CN", "es")
CAT = EXAMPLES / "chelsea-cat.jpg"
BLOCK, UNIT = 2, 3


def catalogue(tag: str) -> dict[str, str]:
    return json.loads((ROOT / "explorer" / "text" / "locales" / f"{tag}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def app():
    from explorer.app.wiring import build

    return build("embedded")[1]


@pytest.fixture(scope="module")
def loaded():
    from explorer import load_model

    return load_model("embedded")


def controls(**changed):
    from explorer.app.views import Controls
    from explorer.app.views.activations import OWN_SCALE

    values = dict(image=str(CAT), model="embedded", weights="pretrained", top_k=5, block=BLOCK, present=False,
                  channel=-1, scale=OWN_SCALE, patch=9, class_index=-1, step=2, snapshot=0, model_b="embedded",
                  weights_b="random", unit_index=UNIT)
    return Controls(**{**values, **changed})


def drawn(app, view: str, tag: str, **changed) -> dict:
    """The view's components as its draw sets them, answering in `tag`, keyed by component name."""
    from explorer.app.views import draw

    with speaking(tag):
        out = draw(app.ui, view, controls(**changed), "words-session")
    names = {id(component): name for name, component in app.ui.parts.items()}
    return {names[id(component)]: value for component, value in out.items()}


def alt(value) -> str:
    """A drawn picture's alt text (explorer.app.views.base.described: an update with the pixels and their words)."""
    assert isinstance(value, dict) and isinstance(value["value"], np.ndarray), "a drawn picture, described"
    return value["alt_text"]


def top1(loaded) -> tuple[str, float]:
    """The cat's top-1 and its probability: timm's own preprocessing of the model, one forward pass, a softmax."""
    config = timm.data.resolve_model_data_config(loaded.model)
    transform = timm.data.create_transform(**config, is_training=False)
    x = transform(PIL.Image.open(CAT).convert("RGB"))[None].to(next(loaded.model.parameters()).device)
    with torch.no_grad():
        probabilities = torch.softmax(loaded.model(x).float(), dim=-1)[0].cpu().numpy()
    return loaded.class_names[int(probabilities.argmax())], float(probabilities.max())


def smoothness(maps: np.ndarray) -> float:
    """(units, h, w): mean correlation of each mean-removed map with itself shifted one patch right, and down."""
    maps = maps - maps.mean(axis=(1, 2), keepdims=True)

    def correlation(a, b):
        a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
        return ((a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))).mean()

    return float((correlation(maps[:, :, :-1], maps[:, :, 1:]) + correlation(maps[:, :-1], maps[:, 1:])) / 2)


def token_maps(loaded, block: int) -> np.ndarray:
    """(D_S, side, side): the block's token-mixing fc1 rows over the square patch grid, read off the timm model."""
    weights = loaded.model.blocks[block].mlp_tokens.fc1.weight.detach().float().cpu().numpy()
    side = int(round(np.sqrt(weights.shape[1])))
    return weights.reshape(len(weights), side, side)


@pytest.mark.parametrize("tag", TAGS)
def test_the_tours_picture_is_described_by_its_step_the_model_and_the_top1_in_the_visitors_language(app, loaded,
                                                                                                   tag):
    label, p = top1(loaded)
    said = catalogue(tag).get(f"cifar10.{label}", label)  # a CIFAR-10 class in the visitor's language
    expected = catalogue(tag)["tour.alt"].format(step=2, steps=7, model="embedded", label=said, p=p)
    assert alt(drawn(app, "tour", tag)["tour_image"]) == expected
    assert f"{p:.0%}" in expected and said in expected


@pytest.mark.parametrize("tag", TAGS)
def test_the_token_mixing_gallery_and_unit_are_described_by_their_block_grid_smoothness_and_strongest_weight(
        app, loaded, tag):
    maps = token_maps(loaded, BLOCK)
    out = drawn(app, "token-mixing", tag)
    assert len(maps) == EMBEDDED_HIDDEN[0]
    assert alt(out["gallery"]) == catalogue(tag)["token_mixing.alt"].format(
        model="embedded", block=BLOCK, units=len(maps), rows=maps.shape[1], columns=maps.shape[2],
        smoothness=smoothness(maps))
    unit = maps[UNIT]
    strongest = int(np.abs(unit).argmax())
    assert alt(out["unit"]) == catalogue(tag)["token_mixing.unit_alt"].format(
        model="embedded", block=BLOCK, unit=UNIT, rows=unit.shape[0], columns=unit.shape[1], patch=strongest,
        value=float(unit.flat[strongest]))


@pytest.mark.parametrize("tag", TAGS)
def test_the_stem_is_described_by_its_channels_patch_size_and_strongest_filter(app, loaded, tag):
    weights = loaded.model.stem.proj.weight.detach().float().cpu().numpy()  # (C, 3, p, p)
    strongest = int(np.linalg.norm(weights.reshape(len(weights), -1), axis=1).argmax())
    assert len(weights) == EMBEDDED_WIDTH
    assert alt(drawn(app, "stem", tag)["stem"]) == catalogue(tag)["stem.alt"].format(
        model="embedded", channels=len(weights), size=weights.shape[-1], strongest=strongest)


@pytest.mark.parametrize("tag", ["zh-CN", "es"])
def test_the_shuffle_is_described_by_the_three_predictions(app, loaded, tag):
    from explorer.analysis.analysis import Analysis

    label, p = top1(loaded)
    result = shuffle.view(Analysis.of(loaded, str(CAT), "words-session")).result  # the shuffle drawn (kept)

    def best(logits):
        probabilities = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        return loaded.class_names[int(probabilities.argmax())], float(probabilities.max())

    shuffled, ps = best(result.shuffled_logits)

    def said(name: str) -> str:  # a CIFAR-10 class in the visitor's language
        return catalogue(tag).get(f"cifar10.{name}", name)

    expected = catalogue(tag)["shuffle.alt"].format(model="embedded", label=said(label), p=p, shuffled=said(shuffled),
                                                    p_shuffled=ps, restored=said(label), p_restored=p,
                                                    difference=result.max_abs_logit_diff)
    assert alt(drawn(app, "shuffle", tag)["shuffle"]) == expected


@pytest.mark.parametrize("tag", TAGS)
def test_the_timeline_is_described_by_its_block_epoch_and_smoothness(app, tag):
    from explorer.model import embedded

    timeline = embedded.read_timeline()
    epochs = sorted(timeline)
    weights = timeline[epochs[0]]["token_mixing"][BLOCK]  # (D_S, S) at initialisation
    side = int(round(np.sqrt(weights.shape[1])))
    values = dict(block=BLOCK, epoch=epochs[0], last=epochs[-1],
                  smoothness=smoothness(weights.reshape(len(weights), side, side)))
    out = drawn(app, "timeline", tag)
    assert alt(out["timeline"]) == catalogue(tag)["timeline.alt"].format(**values)
    assert out["timeline_note"] == catalogue(tag)["timeline.note"].format(**values)


@pytest.mark.parametrize("tag", ["zh-CN", "es"])
def test_a_channels_page_is_described_by_the_unit_and_where_it_fires_on_the_image(app, loaded, tag):
    words = catalogue(tag)
    # the channel on the image: block BLOCK's output tokens (timm's stem and blocks run by hand), channel UNIT
    config = timm.data.resolve_model_data_config(loaded.model)
    x = timm.data.create_transform(**config, is_training=False)(PIL.Image.open(CAT).convert("RGB"))[None]
    with torch.no_grad():
        tokens = loaded.model.stem(x.to(next(loaded.model.parameters()).device))  # (1, S, C)
        for block in loaded.model.blocks[:BLOCK + 1]:
            tokens = block(tokens)
    channel = tokens[0, :, UNIT].float().cpu().numpy()  # (S,) over the patch grid, row-major
    peak = int(channel.argmax())
    out = drawn(app, "unit", tag, unit_kind="channel")
    description = alt(out["unit_page_image"])
    opening = words["unit.alt.channel"].split("{count}")[0].format(model="embedded", block=BLOCK, index=UNIT)
    where = words["unit.alt.on_image.channel"].format(at=peak, value=float(channel[peak]))
    assert description.startswith(opening) and description.endswith(where)
    assert words["teaching.channel"] in out["unit_md"]  # what to look for, in the visitor's language


@pytest.mark.parametrize("tag", ["zh-CN", "es"])
def test_views_without_an_image_ask_for_one_in_the_visitors_language(app, tag):
    words = catalogue(tag)
    assert drawn(app, "tour", tag, image=None)["tour_text"] == words["tour.prompt"]
    assert drawn(app, "shuffle", tag, image=None)["shuffle_md"] == words["base.no_image"]
    assert drawn(app, "drop", tag, image=None)["drop_md"] == words["base.no_image"]


def test_the_lessons_lines_and_the_tables_headers_are_in_the_visitors_language(app, loaded):
    from explorer.analysis.teach import MAX_CLASSES, MAX_IMAGES, MIN_CLASSES, Lesson
    from explorer.app.lessons import teach_screen

    words = catalogue("es")
    with speaking("es"):
        summary = teach_screen(Lesson(), loaded, None).summary
    assert summary == words["lessons.none"].format(min=MIN_CLASSES, max=MAX_CLASSES, images=MAX_IMAGES)
    headers = drawn(app, "logit-lens", "zh-CN")["lens_table"]["headers"]
    assert headers == [catalogue("zh-CN")[f"logit_lens.column.{c}"] for c in ("block", "top1", "probability",
                                                                             "final")]
    rows = drawn(app, "logit-lens", "zh-CN")["lens_table"]["value"]
    assert len(rows) == EMBEDDED_BLOCKS


def test_every_tab_and_teaching_text_is_a_catalogue_key_translated_in_every_language(app):
    """The page's words are keys (gr.I18n), which the browser's page translates: each view's tab title and teaching
    text is a key that every language's catalogue holds, in words of its own."""
    from explorer.app.views import VIEWS

    english, chinese, spanish = (catalogue(tag) for tag in TAGS)
    for view in VIEWS:
        for key in (view.title, view.text):
            if key:
                assert key in english and key in chinese and key in spanish
                assert chinese[key] != english[key], key

    def key_of(words) -> str | None:
        """The catalogue key a component's words carry to the page (gr.I18n's object, or its string marker)."""
        if isinstance(words, str) and words.startswith("__i18n__"):
            return json.loads(words.removeprefix("__i18n__"))["key"]
        return getattr(words, "key", None)

    assert key_of(app.ui.tab["token-mixing"].label) == "token_mixing.title"  # the key, for the page to translate
    assert key_of(app.ui.button.value) == "layout.run" and key_of(app.ui.image.label) == "layout.image"


def test_the_models_table_and_the_activations_table_name_their_columns_in_the_visitors_language(app):
    from explorer.model.catalogue import catalogue as models

    words = catalogue("es")
    table = drawn(app, "models", "es")["models_table"]
    assert table["headers"][:3] == [words["models.column.available"], words["models.column.name"],
                                    words["models.column.family"]]
    assert "S" in table["headers"] and "D_C" in table["headers"]  # the paper's symbols stay as they are
    assert [row[1] for row in table["value"]] == [entry.name for entry in models()]
    top = drawn(app, "activations", "zh-CN")["top_table"]
    assert top["headers"] == [catalogue("zh-CN")[f"activations.column.{c}"]
                              for c in ("block", "patch", "channel", "activation")]
    assert all(row[:2] == [BLOCK, 9] for row in top["value"])  # block 2, patch 9 (the controls'), in any language
