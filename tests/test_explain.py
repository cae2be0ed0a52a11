"""What `python -m explorer explain` writes and `/explain` returns, built from one analysis."""
import json
import zipfile

import numpy as np
from PIL import Image
import pytest

from conftest import EMBEDDED_BLOCKS, EXAMPLES
from explorer import load_model
from explorer.analysis.analysis import Analysis
from explorer.model.embedded import read_timeline
from explorer.export import export_folder, save_explanation
from explorer.export import MODEL_ARRAYS
from explorer.render.galleries import stem_gallery, timeline_gallery, token_mixing_gallery


@pytest.fixture(scope="module")
def horse():
    return Analysis(load_model("embedded"), EXAMPLES / "cifar10-horse.jpg")


def test_arrays_follow_the_contract(horse):
    a = horse.arrays()
    assert a["logits"].shape == (10,)
    depth = EMBEDDED_BLOCKS
    assert a["token_mixing"].shape == (depth, 64, 64) and a["token_mixing_order"].shape == (depth, 64)
    assert (a["activation_norms"].shape == (depth, 8, 8) and a["patch_evidence"].shape == (8, 8)
            and a["saliency"].shape == (32, 32))
    model = load_model("embedded").model
    assert np.array_equal(a["token_mixing"][3], model.blocks[3].mlp_tokens.fc1.weight.detach().numpy())
    top = int(np.argmax(a["logits"]))
    assert a["patch_evidence"].mean() == pytest.approx(a["logits"][top], abs=1e-5)


def test_summary_follows_the_contract(horse):
    s = horse.summary()
    assert {"model", "weights", "device", "top_k", "logit_lens", "evidence", "shuffle", "architecture"} <= set(s)
    assert s["model"] == "embedded" and s["weights"] == "pretrained"
    assert set(s["top_k"][0]) == {"label", "index", "probability"}
    assert [step["block"] for step in s["logit_lens"]] == list(range(EMBEDDED_BLOCKS))
    assert s["logit_lens"][-1]["index"] == s["top_k"][0]["index"]
    assert s["evidence"]["model_logit"] == pytest.approx(s["evidence"]["mean_patch_logit"], abs=1e-5)
    assert set(s["shuffle"]) == {"top1", "shuffled_top1", "restored_top1", "max_abs_logit_diff"}
    assert s["shuffle"]["restored_top1"] == s["shuffle"]["top1"] and s["shuffle"]["max_abs_logit_diff"] <= 1e-4
    json.dumps(s)  # plain JSON all the way down


def test_save_writes_pngs_svgs_arrays_and_summary(horse, tmp_path):
    files = save_explanation(horse, tmp_path)
    names = {f.name for f in files}
    assert {"arrays.npz", "model.npz", "summary.json", "token_mixing_block00.png", "stem_filters.png",
            "activations.png", "updates.svg", "evidence.png", "logit_lens.png", "logit_lens.svg",
            "shuffle.png"} <= names
    assert all(f.stat().st_size > 0 for f in files)
    arrays = horse.arrays()
    with np.load(tmp_path / "arrays.npz") as saved:  # the image's arrays ...
        assert set(saved.files) == set(arrays) - set(MODEL_ARRAYS)
        assert np.array_equal(saved["patch_evidence"], arrays["patch_evidence"])
    with np.load(tmp_path / "model.npz") as saved:  # ... and the model's weights, apart
        assert set(saved.files) == set(MODEL_ARRAYS)
        assert np.array_equal(saved["token_mixing"], arrays["token_mixing"])
        assert np.array_equal(saved["stem_filters"], arrays["stem_filters"])


def test_the_model_file_is_written_once_per_model(horse, tmp_path):
    from explorer import memo

    written = []
    write = lambda path: written.append(path) or path.write_bytes(b"weights")  # noqa: E731
    first = memo.model_file(horse.loaded.model, "model.npz", write)
    other = Analysis(horse.loaded, EXAMPLES / "cifar10-ship.jpg")
    save_explanation(other, tmp_path / "ship")
    assert memo.model_file(horse.loaded.model, "model.npz", write) == first and len(written) <= 1
    assert (tmp_path / "ship" / "model.npz").read_bytes() == first.read_bytes()  # every export: a copy of that file


def test_a_chosen_class_goes_into_the_files(tmp_path):
    analysis = Analysis(load_model("embedded"), EXAMPLES / "cifar10-ship.jpg")
    save_explanation(analysis, tmp_path, class_index=3)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["evidence"]["index"] == 3 and summary["evidence"]["label"] == "cat"
    with np.load(tmp_path / "arrays.npz") as saved:
        assert saved["patch_evidence"].mean() == pytest.approx(saved["logits"][3], abs=1e-5)


@pytest.mark.parametrize("name", ["gmixer_12_224", "resmlp_12_224", "gmlp_ti16_224"])
def test_every_file_is_written_for_the_relatives(name, tmp_path):
    analysis = Analysis(load_model(name, "random"), EXAMPLES / "rocket.jpg")
    names = {f.name for f in save_explanation(analysis, tmp_path)}
    assert {"activations.png", "evidence.png", "logit_lens.png", "shuffle.png", "stem_filters.png"} <= names
    assert analysis.summary()["shuffle"]["max_abs_logit_diff"] <= 1e-4


def test_an_export_is_written_once_and_again_only_if_its_files_went(horse):
    import shutil

    folder = export_folder(horse)
    assert (folder / "explanation.zip").exists() and (folder / "explanation" / "summary.json").exists()
    with zipfile.ZipFile(folder / "explanation.zip") as zf:
        assert {"arrays.npz", "model.npz", "summary.json"} <= set(zf.namelist())
        assert zf.read("model.npz") == (folder / "explanation" / "model.npz").read_bytes()
    assert export_folder(horse) == folder
    shutil.rmtree(folder)
    again = export_folder(horse)
    assert again != folder and (again / "explanation.zip").exists()


def test_galleries_are_made_once_per_model_and_clickable():
    loaded = load_model("embedded")
    image, layout = token_mixing_gallery(loaded, 0)
    assert token_mixing_gallery(loaded, 0)[0] is image  # drawn once per model and block
    assert image.ndim == 3 and image.dtype == np.uint8
    x = 2 * (layout.tile[1] * layout.cell + layout.gap) + 1
    assert layout.unit_at(x, 1) == layout.order[2]
    assert layout.unit_at(layout.tile[1] * layout.cell, 1) is None  # the gap between tiles
    assert stem_gallery(loaded)[0].shape[2] == 3


def test_training_timeline_goes_from_init_to_the_end():
    timeline = read_timeline()
    epochs = list(timeline)
    assert epochs[0] == 0 and len(epochs) >= 3
    first, smooth_first = timeline_gallery(0, epochs[0])
    last, smooth_last = timeline_gallery(0, epochs[-1])
    assert first.shape == last.shape and not np.array_equal(first, last)


def test_an_export_holds_what_each_module_in_exported_adds(tmp_path, monkeypatch):
    """summary.json and arrays.npz are asked of one list: a module added to EXPORTED is in both files."""
    from types import SimpleNamespace

    from explorer.analysis import analysis as analysis_module

    brightness = SimpleNamespace(  # a made-up view: the mean pixel the model saw
        summary=lambda a, c: {"brightness": float(a.picture.mean())},
        arrays=lambda a, c: {"brightness_per_colour": a.picture.mean(axis=(0, 1))})
    monkeypatch.setattr(analysis_module, "EXPORTED", (*analysis_module.EXPORTED, brightness))
    ship = Analysis(load_model("embedded"), EXAMPLES / "cifar10-ship.jpg")
    save_explanation(ship, tmp_path)
    pixels = np.asarray(Image.open(EXAMPLES / "cifar10-ship.jpg").convert("RGB"), dtype=np.float64) / 255
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert list(summary)[-1] == "brightness" and summary["brightness"] == pytest.approx(pixels.mean(), abs=1e-6)
    saved = np.load(tmp_path / "arrays.npz")["brightness_per_colour"]
    assert np.allclose(saved, pixels.mean(axis=(0, 1)), atol=1e-6)
