import numpy as np
import pytest
import torch

from conftest import FAMILY_MODELS, tiny_model
from explorer.analysis.shuffle import patch_permutation, patch_shuffle, shuffle_patches


@pytest.mark.parametrize("name", FAMILY_MODELS)
def test_permuting_token_mixing_restores_the_prediction(name):
    model = tiny_model(name)
    x = torch.randn(3, 64, 64, generator=torch.Generator().manual_seed(2))
    before = [p.clone() for p in model.parameters()]
    result = patch_shuffle(model, x, seed=3)
    assert result.max_abs_logit_diff <= 1e-4
    changed = np.abs(result.shuffled_logits - result.logits).max()
    assert changed > 100 * max(result.max_abs_logit_diff, 1e-7)  # shuffling alone does change the output
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # the shared model is untouched


def test_shuffle_patches_moves_whole_patches():
    image = torch.arange(3 * 8 * 8, dtype=torch.float32).view(3, 8, 8)
    perm = patch_permutation(4, seed=0)
    shuffled = shuffle_patches(image, (2, 2), perm)
    patches = [image[:, r * 4 : r * 4 + 4, c * 4 : c * 4 + 4] for r in range(2) for c in range(2)]
    for j in range(4):
        r, c = divmod(j, 2)
        assert torch.equal(shuffled[:, r * 4 : r * 4 + 4, c * 4 : c * 4 + 4], patches[int(perm[j])])


def test_the_twin_shares_every_other_tensor_and_leaves_the_model_alone():
    from explorer.analysis.shuffle import with_permuted_token_mixing

    model = tiny_model("mixer_s16_224")
    twin = with_permuted_token_mixing(model, patch_permutation(16))
    assert twin.blocks[0].mlp_channels.fc1.weight is model.blocks[0].mlp_channels.fc1.weight
    assert twin.blocks[0].mlp_tokens.fc1.weight is not model.blocks[0].mlp_tokens.fc1.weight
    assert all(type(p) is torch.nn.Parameter for p in model.parameters())
