"""One analysis per image: one forward pass when it is made, each view computed once when asked for."""
import numpy as np
import pytest
import torch

from conftest import EXAMPLES, FAMILY_MODELS, counted_passes, tiny_model
from explorer.analysis import activations, evidence, logit_lens, shuffle, tour
from explorer import load_model, memo
from explorer.analysis.analysis import Analysis, image_digest
from explorer.model.loading import _prepare
from explorer.analysis.model_views import architecture_card


@pytest.fixture
def loaded():
    return load_model("embedded")


def test_making_an_analysis_runs_one_forward_and_every_other_view_is_computed_once(loaded):
    architecture_card(loaded)  # per model, not per image: its FLOP count is a pass of its own, once per process
    with counted_passes(loaded.model) as counts:
        analysis = Analysis(loaded, EXAMPLES / "chelsea-cat.jpg")
        assert counts == {"forward": 1, "backward": 0}
        (analysis.top_k(5), activations.view(analysis), activations.view(analysis, channel=7),
         activations.updates(analysis), logit_lens.view(analysis), tour.view(analysis),
         activations.top_channels(analysis, 3, 10))
        assert counts == {"forward": 1, "backward": 0}  # predictions, activations, lens, tour: read off the one pass
        evidence.view(analysis)
        assert counts == {"forward": 2, "backward": 1}  # input x gradient: a pass with gradients and its backward
        shuffle.view(analysis)
        assert counts == {"forward": 4, "backward": 1}  # the shuffled image, then with permuted token mixing
        for _ in range(2):  # every view again, and the export's summary and arrays: nothing runs
            (evidence.view(analysis), shuffle.view(analysis), logit_lens.view(analysis), analysis.summary(),
             analysis.arrays())
        assert counts == {"forward": 4, "backward": 1}


def test_an_analysis_made_for_an_export_reuses_its_forward_for_the_saliency(loaded):
    plain = Analysis(loaded, EXAMPLES / "cifar10-horse.jpg")
    evidence.saliency(plain)
    with counted_passes(loaded.model) as counts:
        analysis = Analysis(loaded, EXAMPLES / "cifar10-horse.jpg", with_gradients=True)
        saliency = evidence.saliency(analysis)
        assert counts == {"forward": 1, "backward": 1}
        assert (np.allclose(saliency, evidence.saliency(plain), atol=1e-6)
                and torch.allclose(analysis.capture.logits, plain.capture.logits, atol=1e-6))
        evidence.saliency(analysis, 2)  # another class: the recorded pass was freed, so a pass of its own
        assert counts == {"forward": 2, "backward": 2}


def test_the_views_keep_the_demos_equalities(loaded):
    analysis = Analysis(loaded, EXAMPLES / "cifar10-horse.jpg")
    shown = evidence.view(analysis)
    assert shown.label == "horse" and shown.patch_logits.mean() == pytest.approx(shown.logit, abs=1e-5)
    assert shown.relative.mean() == pytest.approx(0.0, abs=1e-5)
    lens = logit_lens.view(analysis)
    assert (lens.top_index[-1] == analysis.top1
            and lens.final_probability[-1] == pytest.approx(float(analysis.probabilities.max()), abs=1e-6))
    assert shuffle.view(analysis).result.max_abs_logit_diff <= 1e-4 and shuffle.view(analysis).labels[2] == "horse"


def test_a_chosen_class_drives_evidence_and_saliency(loaded):
    analysis = Analysis(loaded, EXAMPLES / "cifar10-ship.jpg")
    chosen = evidence.view(analysis, 3)
    assert (chosen.class_index == 3
            and chosen.patch_logits.mean() == pytest.approx(float(analysis.capture.logits[3]), abs=1e-5))
    assert not np.array_equal(chosen.saliency, evidence.view(analysis).saliency)
    with pytest.raises(Exception, match="class index 10 is out of range: this model has 10 classes"):
        evidence.view(analysis, 10)


def test_saliency_is_input_times_gradient(loaded):
    analysis = Analysis(loaded, EXAMPLES / "cifar10-frog.jpg")
    x = analysis.input[None].clone().requires_grad_(True)
    with torch.enable_grad():
        loaded.model(x)[0, analysis.top1].backward()
    assert np.allclose(evidence.saliency(analysis), (x * x.grad)[0].sum(0).detach().numpy(), atol=1e-5)


def test_the_lens_marks_only_the_blocks_where_its_top1_changes(loaded):
    lens = logit_lens.view(Analysis(loaded, EXAMPLES / "rocket.jpg"))
    changes = lens.changes
    assert changes[0] == 0
    assert all(lens.top_index[b] != lens.top_index[b - 1] for b in changes[1:])
    assert all(lens.top_index[b] == lens.top_index[b - 1] for b in range(1, len(lens.top_index)) if b not in changes)


@pytest.mark.parametrize("name", FAMILY_MODELS)
def test_every_family_gives_every_view(name):
    model = tiny_model(name)
    # what timm preprocesses to
    model.pretrained_cfg = {**model.pretrained_cfg, "input_size": (3, 64, 64), "crop_pct": 1.0}
    loaded = _prepare(model, name, "random", "test", torch.device("cpu"))
    analysis = Analysis(loaded, np.random.default_rng(0).integers(0, 256, (80, 90, 3), dtype=np.uint8))
    depth = len(loaded.model.blocks)
    assert activations.view(analysis).maps.shape == (depth, 4, 4)
    assert activations.updates(analysis).channel_mixing.shape == (depth,)
    assert activations.updates(analysis).separate == (name != "gmlp_ti16_224")
    assert evidence.view(analysis).saliency.shape == (64, 64)
    assert shuffle.view(analysis).result.max_abs_logit_diff <= 1e-4
    assert [s.kind for s in tour.view(analysis)][:3] == ["picture", "patches", "table"]
    assert len(analysis.summary()["logit_lens"]) == depth


def test_an_analysis_is_keyed_on_the_image_bytes_not_the_file(loaded, tmp_path):
    import shutil

    memo.clear()
    first, second = tmp_path / "a.jpg", tmp_path / "b.jpg"
    shutil.copy(EXAMPLES / "cifar10-ship.jpg", first)
    shutil.copy(EXAMPLES / "cifar10-ship.jpg", second)
    assert image_digest(first) == image_digest(second) == image_digest(first.read_bytes())
    assert Analysis.of(loaded, first) is Analysis.of(loaded, second)  # the same photo uploaded twice
    shutil.copy(EXAMPLES / "cifar10-frog.jpg", first)  # the same path, another picture: never a stale answer
    assert Analysis.of(loaded, first).top_k(1)[0].label == "frog"
    assert Analysis.of(load_model("embedded", "random"), second) is not Analysis.of(loaded, second)  # another model


def test_a_missing_file_gets_the_decoder_s_message(loaded, tmp_path):
    from explorer.errors import ImageError

    with pytest.raises(ImageError, match="gone.jpg: no such file"):
        Analysis.of(loaded, tmp_path / "gone.jpg")
