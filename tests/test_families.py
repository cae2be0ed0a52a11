"""The family adapters: each one's facts checked against a tiny real timm model of its family."""
import pytest
import torch
from timm.layers import Mlp
from timm.models.mlp_mixer import MixerBlock

from conftest import FAMILY_MODELS, tiny_model
from explorer.analysis.capture import recording
from explorer.analysis.shuffle import patch_permutation, with_permuted_token_mixing
from explorer.errors import ModelError
from explorer.model.families import family

NAMES = dict(zip(FAMILY_MODELS, ["MLP-Mixer", "gMixer", "ResMLP", "gMLP"]))
S = 16  # tiny_model's 4x4 patch grid


@pytest.fixture(scope="module", params=FAMILY_MODELS)
def model(request):
    return tiny_model(request.param)


def test_a_model_and_each_of_its_blocks_have_one_family(model):
    fam = family(model)
    assert fam.name == NAMES[model.pretrained_cfg["architecture"]]
    assert all(family(block) is fam for block in model.blocks)


def test_the_token_layer_reads_the_tokens_and_has_the_hidden_width(model):
    fam, block = family(model), model.blocks[0]
    layer, hidden = fam.token_layer(block), fam.tokens_mlp_dim(block)
    rows = {"MLP-Mixer": hidden, "gMixer": 2 * hidden, "ResMLP": S, "gMLP": S}[fam.name]  # gMixer: value and gate rows
    assert layer.weight.shape == (rows, S)
    if fam.name in ("ResMLP", "gMLP"):
        assert hidden == S  # one S x S map
    assert any(m is layer for m in model.get_submodule(f"blocks.0.{fam.token_path}").modules())  # where names say it is


def test_the_unit_site_gives_one_number_per_channel_per_unit(model):
    fam, block = family(model), model.blocks[0]
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad(), recording({"units": fam.unit_site(block)}) as seen:
        model(x)
    b, channels, units = seen["units"].shape
    assert (b, units) == (2, fam.tokens_mlp_dim(block))
    gated = block.mlp_channels.fc1.out_features // 2 if fam.name == "gMLP" else None  # the channel MLP's gating half
    assert channels == (gated or model.embed_dim)


def test_the_token_update_is_what_the_block_adds_before_channel_mixing(model):
    fam, block = family(model), model.blocks[0]
    site = fam.token_update(block)
    if fam.name == "gMLP":
        assert site is None  # its one update mixes tokens and channels together
        return
    x = torch.randn(1, S, model.embed_dim)
    with torch.no_grad(), recording({"update": site}) as seen:
        out = block(x)
    # the block is x + token update, then + the channel MLP of that: recompute the channel half from the update
    middle = x + seen["update"]
    scale = block.ls2 if fam.name == "ResMLP" else 1
    with torch.no_grad():
        assert torch.allclose(out, middle + scale * block.mlp_channels(block.norm2(middle)), atol=1e-5)


def test_only_two_layer_token_mlps_write_back_through_fc2(model):
    fam, block = family(model), model.blocks[0]
    outputs = fam.token_outputs(block)
    if fam.name == "MLP-Mixer":
        assert outputs.shape == (S, fam.tokens_mlp_dim(block)) and outputs is block.mlp_tokens.fc2.weight
    else:
        assert outputs is None


def test_the_permuted_token_parameters_restore_the_output_of_shuffled_tokens(model):
    perm = patch_permutation(S, seed=1)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        tokens = model.stem(x)  # (1, S, C)
        original = model.forward_head(model.norm(model.blocks(tokens)))
        twin = with_permuted_token_mixing(model, perm)
        restored = twin.forward_head(twin.norm(twin.blocks(tokens[:, perm])))
        shuffled = model.forward_head(model.norm(model.blocks(tokens[:, perm])))
    assert torch.allclose(restored, original, atol=1e-4)
    assert not torch.allclose(shuffled, original, atol=1e-4)  # the permutation really changed something
    state = model.state_dict()
    for name, tensor in family(model).permuted_token_parameters(model.blocks[0], perm).items():
        assert tensor.shape == state[f"blocks.0.{name}"].shape  # named as the block's own parameter


def test_the_texts_have_words_for_every_family(model):
    fam = family(model)
    assert fam.gallery_note and fam.token_units_are
    assert "unit 3" in fam.unit_weights_title(3, 8)


def test_an_unknown_block_is_refused():
    with pytest.raises(ModelError, match="Linear"):
        family(torch.nn.Linear(2, 2))
    # a Mixer block with a token MLP timm has no family for
    odd = MixerBlock(8, 4, mlp_layer=lambda *a, **k: torch.nn.Identity())
    with pytest.raises(ModelError, match="MixerBlock with Identity"):
        family(odd)
    assert family(MixerBlock(8, 4, mlp_layer=Mlp)).name == "MLP-Mixer"
