"""Patch drop: at 0% it is the plain prediction; dropped patches really become the mean token."""
from __future__ import annotations

import pytest
import torch

from conftest import EXAMPLES, FAMILY_MODELS, tiny_model
from explorer.analysis import patch_drop as drop
from explorer.analysis.patch_drop import drop_masks, logits_with_patches_dropped, patch_drop
from explorer.model.inference import preprocess, probabilities


def test_masks_drop_the_share_asked_for_and_differ_between_seeds():
    masks = drop_masks(64, (0.0, 0.5, 0.9), seeds=3)
    assert masks.shape == (9, 64)
    assert masks.sum(dim=1).tolist() == [0, 0, 0, 32, 32, 32, 58, 58, 58]
    assert not torch.equal(masks[3], masks[4])


def test_nothing_dropped_is_the_plain_prediction():
    from explorer import load_model

    loaded = load_model("embedded")
    image = preprocess(loaded, EXAMPLES / "cifar10-horse.jpg")
    curve = patch_drop(loaded, image)
    plain = probabilities(loaded, image[None].to(loaded.device))[0]
    assert curve.top1 == int(plain.argmax())
    assert curve.top1_probability[0] == pytest.approx([float(plain.max())] * curve.top1_probability.shape[1], abs=1e-5)
    assert curve.top1_holds[0].all()
    assert curve.shares.tolist()[-1] == 0.9 and curve.mean_probability.shape == (10,)


@pytest.mark.parametrize("name", FAMILY_MODELS)
def test_a_dropped_patch_is_the_mean_token_in_every_family(name):
    model = tiny_model(name)
    image = torch.randn(3, 64, 64)
    everything = torch.ones(1, model.stem.num_patches, dtype=torch.bool)
    dropped = logits_with_patches_dropped(model, image, everything)
    # every token the image's mean token: the same as feeding that token at every position by hand
    with torch.no_grad():
        tokens = model.stem(image[None])
        by_hand = model.forward_head(model.norm(model.blocks(tokens.mean(1, keepdim=True).expand_as(tokens))))
        intact = model(image[None])
    torch.testing.assert_close(dropped, by_hand)
    assert not torch.allclose(dropped, intact)
    nothing = torch.zeros_like(everything)
    torch.testing.assert_close(logits_with_patches_dropped(model, image, nothing), intact)


def test_the_analysis_keeps_the_curves_beside_random_weights_and_at_0_percent_they_are_its_prediction():
    from conftest import counted_passes
    from explorer import load_model
    from explorer.analysis.analysis import Analysis

    loaded = load_model("embedded")
    analysis = Analysis(loaded, EXAMPLES / "cifar10-ship.jpg")
    view = drop.view(analysis)
    assert view.trained.top1 == analysis.top1 and view.trained_label == analysis.top_k(1)[0].label
    assert view.trained.top1_probability[0] == pytest.approx([float(analysis.probabilities.max())] * 4, abs=1e-5)
    random = load_model("embedded", "random")
    plain = probabilities(random, analysis.input[None])[0]
    assert view.random is not None and view.random.top1 == int(plain.argmax())
    assert view.random.top1_probability[0] == pytest.approx([float(plain.max())] * 4, abs=1e-5)
    with counted_passes(loaded.model) as counts:
        assert drop.view(analysis) is view  # kept: opening the view again runs nothing
    assert counts["forward"] == 0
    # random weights are compared with nothing but themselves
    assert drop.view(Analysis(random, EXAMPLES / "cifar10-ship.jpg")).random is None
