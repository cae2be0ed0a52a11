"""The corruption lab on real models: the picture it corrupts is the model's own, severity 0 is the model's own
prediction, the grid's numbers are the model's on each corrupted picture, the break view's distances are the
tokens', and a folder's counts merge."""
from __future__ import annotations

import numpy as np
import pytest
import timm
import torch
from timm.models.mlp_mixer import MlpMixer

from conftest import EXAMPLES
from explorer import load_model
from explorer.analysis.analysis import Analysis
from explorer.analysis.logit_lens import LensView
from explorer.analysis import logit_lens
from explorer.analysis.corruptions import CORRUPTIONS, corrupt
from explorer.analysis.shift import (
    BreakView,
    analysis_picture,
    count_batch,
    corrupted_probabilities,
    empty_counts,
    folder_items,
    model_inputs,
    model_picture,
    picture_key,
    shift_folder,
    shift_view,
    where_it_breaks,
)
from explorer.errors import ExplorerError
from explorer.model.inference import predict, preprocess, probabilities
from explorer.model.loading import _prepare

HORSE = EXAMPLES / "cifar10-horse.jpg"


def tiny_224() -> object:
    """A real timm Mixer at 224 pixels (ImageNet-C's parameters), small enough to run in a test: 7x7 patches of 32,
    32 channels, 2 blocks, random weights."""
    torch.manual_seed(0)
    model = MlpMixer(patch_size=32, embed_dim=32, num_blocks=2, num_classes=5)
    model.pretrained_cfg = timm.models.get_pretrained_cfg("mixer_b16_224").to_dict()  # 224 px, crop 0.875
    with torch.no_grad():
        for p in model.parameters():
            if p.ndim > 1:
                p.normal_(0, 0.05)
    return _prepare(model, "tiny mixer_s32_224", "random", "test", torch.device("cpu"))


@pytest.fixture(scope="module")
def embedded():
    return load_model("embedded")


@pytest.fixture(scope="module")
def horse(embedded):
    return Analysis(embedded, HORSE)


@pytest.mark.parametrize("which", ["embedded", "tiny 224"])
def test_the_corrupted_picture_is_the_models_own_input(which, embedded, photo):
    loaded = embedded if which == "embedded" else tiny_224()
    picture = model_picture(loaded, photo)
    size = loaded.data_config["input_size"][1]
    assert picture.shape == (size, size, 3) and picture.dtype == np.uint8
    # to the bit: what the model's own preprocessing makes of the photo
    assert torch.equal(model_inputs(loaded, picture[None])[0], preprocess(loaded, photo))
    assert np.array_equal(analysis_picture(Analysis(loaded, photo)), picture)


def test_severity_0_and_the_clean_picture_give_exactly_the_models_own_prediction(embedded, horse):
    picture = analysis_picture(horse)
    untouched = corrupt(picture, "fog", 0)
    plain = probabilities(embedded, preprocess(embedded, HORSE)[None])[0].numpy()
    np.testing.assert_array_equal(corrupted_probabilities(embedded, untouched[None])[0], plain)
    grid = shift_view(horse, ("fog", "contrast"), (1, 5))
    np.testing.assert_array_equal(grid.clean_probabilities, horse.probabilities.numpy())
    assert grid.clean_label == predict(HORSE, embedded, top_k=1)[0].label == "horse"


def test_the_grid_is_the_models_answer_on_each_corrupted_picture(embedded, horse):
    reports = []
    grid = shift_view(horse, progress=lambda done, total: reports.append((done, total)))
    assert grid.pictures.shape == (15, 5, 32, 32, 3) and grid.probabilities.shape == (15, 5, 10)
    assert reports[-1] == (75, 75) and grid.parameter_set == "CIFAR-10-C"
    model = embedded.model
    for k, name in [(0, "gaussian_noise"), (9, "fog"), (14, "jpeg_compression")]:
        for v in (0, 4):
            picture = corrupt(analysis_picture(horse), name, v + 1, seed=0)
            assert np.array_equal(grid.pictures[k, v], picture)
            with torch.no_grad():  # the timm model itself, on the picture normalised by hand
                x = torch.tensor(picture / 255.0, dtype=torch.float32).permute(2, 0, 1)
                mean, std = (torch.tensor(embedded.data_config[key]).view(3, 1, 1) for key in ("mean", "std"))
                expected = model(((x - mean) / std)[None]).softmax(-1)[0].numpy()
            np.testing.assert_allclose(grid.probabilities[k, v], expected, atol=1e-5)
            top = int(expected.argmax())
            assert grid.holds[k, v] == (top == horse.top1)
            assert grid.label(k, v) == embedded.class_names[top]
            assert grid.clean_class_probability[k, v] == pytest.approx(expected[horse.top1], abs=1e-5)
    assert shift_view(horse) is grid  # kept with the analysis


def test_the_grid_json_has_one_entry_per_severity(horse):
    grid = shift_view(horse, ("snow", "pixelate"), (2, 4), seed=3)
    result = grid.as_dict("horse.jpg")
    assert set(result) == {"model", "image", "clean", "corruptions"} and list(result["corruptions"]) == ["snow",
                                                                                                         "pixelate"]
    cell = result["corruptions"]["pixelate"][1]
    assert set(cell) == {"label", "probability", "clean_probability", "same_top1"}
    assert cell["same_top1"] == (cell["label"] == result["clean"]["label"])
    assert cell["probability"] >= cell["clean_probability"]


def test_where_it_breaks_measures_each_blocks_tokens_against_the_clean_ones(embedded, horse):
    view = where_it_breaks(horse, "gaussian_noise", 5)
    model = embedded.model
    corrupted = corrupt(analysis_picture(horse), "gaussian_noise", 5)
    assert np.array_equal(view.picture, corrupted)
    with torch.no_grad():
        x = model_inputs(embedded, np.stack([analysis_picture(horse), corrupted]))
        _, blocks = model.forward_intermediates(x, output_fmt="NLC")
        logits = model(x)
    depth = len(blocks)
    for b in range(depth):
        clean, noisy = blocks[b][0].numpy(), blocks[b][1].numpy()  # (S, C)
        cosine = (clean * noisy).sum(-1) / np.linalg.norm(clean, axis=-1) / np.linalg.norm(noisy, axis=-1)
        np.testing.assert_allclose(view.patch_distance[b].ravel(), 1 - cosine, atol=1e-5)
        assert view.distance[b] == pytest.approx((1 - cosine).mean(), abs=1e-5)
    assert view.patch_distance.shape == (depth, 8, 8) and view.stem_distance.shape == (8, 8)
    assert (view.stem_distance > 0).all()
    assert view.lens.final_index == int(logits[1].argmax()) and view.clean_lens == logit_lens.view(horse)
    assert view.same_top1 == (int(logits[1].argmax()) == horse.top1)
    np.testing.assert_allclose(view.clean_class_lens[-1], logits[1].softmax(-1)[horse.top1].item(), atol=1e-5)


def lens(tops: list[int], final: int) -> LensView:
    depth = len(tops)
    return LensView(np.array(tops), tuple(str(t) for t in tops), np.ones(depth), final, str(final), np.ones(depth))


@pytest.mark.parametrize("tops,expected", [([1, 1, 2, 1, 2, 2], 4), ([2, 2, 2], 0), ([1, 2, 1], None)])
def test_it_breaks_after_the_last_block_that_still_names_the_clean_class(tops, expected):
    clean = lens([1] * len(tops), 1)
    view = BreakView("fog", 1, None, None, None, np.zeros((len(tops), 1, 1)), lens(tops, tops[-1]), clean, None)
    assert view.breaks_at == expected


def test_a_folders_counts_are_the_models_answers_and_merge_in_any_order(embedded, tmp_path):
    pictures = np.stack([model_picture(embedded, EXAMPLES / f"cifar10-{n}.jpg") for n in ("horse", "ship", "frog")])
    labels = np.array([embedded.class_names.index(n) for n in ("horse", "ship", "frog")])
    keys = [picture_key(f"{n}/a.jpg") for n in ("horse", "ship", "frog")]
    names, severities = ("contrast", "impulse_noise"), (1, 5)
    whole = count_batch(embedded, pictures, labels, keys, names, severities, seed=0)
    # each count by hand: one picture at a time, top-1 against the label
    for k, name in enumerate(names):
        for v, s in enumerate(severities):
            right = sum(int(probabilities(embedded, model_inputs(embedded, corrupt(p, name, s, 0, key)[None]))[0]
                            .argmax()) == label for p, label, key in zip(pictures, labels, keys))
            assert whole.correct[k, v] == right
    parts = [count_batch(embedded, pictures[i:i + 1], labels[i:i + 1], keys[i:i + 1], names, severities)
             for i in range(3)]
    merged = empty_counts(names, severities).merge(parts[2]).merge(parts[0]).merge(parts[1])
    assert merged.images == 3 and merged.clean_correct == whole.clean_correct
    np.testing.assert_array_equal(merged.correct, whole.correct)
    result = merged.as_dict("embedded")
    assert result["mean"] == pytest.approx(np.mean([a for row in result["corruptions"].values() for a in row]),
                                           abs=1e-6)


def test_folder_items_map_folders_to_classes_and_name_what_is_wrong(embedded, tmp_path):
    (tmp_path / "Horse").mkdir()
    (tmp_path / "ship").mkdir()
    for i in range(3):
        (tmp_path / "Horse" / f"{i}.jpg").write_bytes(HORSE.read_bytes())
        (tmp_path / "ship" / f"{i}.jpg").write_bytes((EXAMPLES / "cifar10-ship.jpg").read_bytes())
    items = folder_items(tmp_path, embedded.class_names, per_class=2)
    assert [(p.name, label) for p, label, _ in items] == [("0.jpg", 7), ("1.jpg", 7), ("0.jpg", 8), ("1.jpg", 8)]
    assert items[0][2] == picture_key("Horse/0.jpg")
    counts = shift_folder(embedded, tmp_path, ("brightness",), (1,), per_class=2, images_per_batch=3)
    assert counts.images == 4 and counts.clean_accuracy == 1.0
    (tmp_path / "zebra").mkdir()
    with pytest.raises(ExplorerError, match="class folder 'zebra' is not one of the model's classes"):
        folder_items(tmp_path, embedded.class_names)


def test_imagenet_sized_models_get_imagenet_c_and_every_corruption_runs(photo):
    loaded = tiny_224()
    analysis = Analysis(loaded, photo)
    grid = shift_view(analysis, CORRUPTIONS, (3,))
    assert grid.parameter_set == "ImageNet-C" and grid.pictures.shape == (15, 1, 224, 224, 3)
    view = where_it_breaks(analysis, "motion_blur", 3)
    assert view.patch_distance.shape == (2, 7, 7) and np.isfinite(view.distance).all()
