import numpy as np
import pytest

from conftest import FAMILY_MODELS, tiny_model
from explorer.model.families import family
from explorer.model.weights import (frequency_order, smoothness, spatial_frequency, stem_filters, stem_order,
                                    token_mixing_view, token_mixing_weights)


def sinusoids(frequencies: list[int], phases: list[float], size: int = 12) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size]
    return np.stack([np.cos(2 * np.pi * f * x / size + p) for f, p in zip(frequencies, phases)])


def test_frequency_order_sorts_by_frequency_and_pairs_opposite_phases():
    freqs = [3, 1, 5, 1, 3, 2, 5, 2]
    phases = [0, 0, 0, np.pi, np.pi, 0, np.pi, np.pi]  # every frequency twice, in opposite phase
    maps = sinusoids(freqs, phases)
    order = frequency_order(maps)
    assert sorted(order.tolist()) == list(range(8))
    assert [freqs[i] for i in order] == [1, 1, 2, 2, 3, 3, 5, 5]
    for a, b in zip(order[::2], order[1::2]):  # partners sit side by side, in opposite phase
        assert freqs[a] == freqs[b] and np.corrcoef(maps[a].ravel(), maps[b].ravel())[0, 1] < -0.99


def test_spatial_frequency_grows_with_frequency():
    f = spatial_frequency(sinusoids([1, 2, 4], [0, 0, 0], size=16))
    assert f[0] < f[1] < f[2]
    assert np.allclose(f, [1 / 16, 2 / 16, 4 / 16], atol=1e-6)


def test_smoothness_is_high_for_smooth_maps_and_near_zero_for_noise():
    smooth = sinusoids([1, 1], [0, 1.0], size=16)
    noise = np.random.default_rng(0).normal(size=(64, 16, 16))
    assert smoothness(smooth) > 0.9
    assert abs(smoothness(noise)) < 0.05


@pytest.mark.parametrize("name, expected", list(zip(FAMILY_MODELS, ["MLP-Mixer", "gMixer", "ResMLP", "gMLP"])))
def test_token_mixing_weights_are_the_models_own(name, expected):
    model = tiny_model(name)
    assert family(model).name == expected
    layer = {
        "MLP-Mixer": lambda b: b.mlp_tokens.fc1,
        "gMixer": lambda b: b.mlp_tokens.fc1,
        "ResMLP": lambda b: b.linear_tokens,
        "gMLP": lambda b: b.mlp_channels.gate.proj,
    }[expected](model.blocks[1])
    weights = token_mixing_weights(model, 1)
    assert np.array_equal(weights, layer.weight.detach().numpy())
    view = token_mixing_view(model, 1)
    assert view.maps.shape == (weights.shape[0], 4, 4) and sorted(view.order.tolist()) == list(range(weights.shape[0]))
    if expected == "MLP-Mixer":  # fc2's columns: where each unit writes back
        assert np.array_equal(view.outputs[:, 0, 0], model.blocks[1].mlp_tokens.fc2.weight[0].detach().numpy())
    else:
        assert view.outputs is None


def test_stem_filters_are_rgb_patches():
    model = tiny_model("mixer_s16_224")
    filters = stem_filters(model)
    assert filters.shape == (512, 16, 16, 3)
    assert np.array_equal(filters[5, :, :, 1], model.stem.proj.weight[5, 1].detach().numpy())
    assert sorted(stem_order(filters).tolist()) == list(range(512))
