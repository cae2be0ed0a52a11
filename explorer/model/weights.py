"""What a model learned, read straight off its weights: token-mixing units (the paper's Figure 5) and stem filters
(Figure 7), ordered as the paper orders them.

Every Mixer-family model timm has mixes tokens with a linear map whose rows are pictures on the patch grid
(which layer it is in each family: explorer.model.families).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from timm.models.mlp_mixer import MlpMixer

from explorer.model.families import family


def patch_grid(model: MlpMixer) -> tuple[int, int]:
    """(grid_h, grid_w): how the S tokens lie on the image."""
    return tuple(model.stem.grid_size)


def token_mixing_layer(model: MlpMixer, block: int) -> torch.nn.Linear:
    """The linear layer whose input is the S tokens, in block `block`."""
    b = model.blocks[block]
    return family(b).token_layer(b)


def token_mixing_weights(model: MlpMixer, block: int) -> np.ndarray:
    """(units, S) float32: each row is one token-mixing unit's weights over the patches, in the model's order."""
    return token_mixing_layer(model, block).weight.detach().float().cpu().numpy()


def token_mixing_outputs(model: MlpMixer, block: int) -> np.ndarray | None:
    """(units, S): where each hidden unit writes back to the patches (fc2's columns), for two-layer token MLPs."""
    b = model.blocks[block]
    fc2 = family(b).token_outputs(b)  # (S, D_S) or None
    return None if fc2 is None else fc2.detach().float().cpu().numpy().T


def stem_filters(model: MlpMixer) -> np.ndarray:
    """(C, p, p, 3) float32: the per-patch linear embedding, one RGB filter per channel."""
    return model.stem.proj.weight.detach().float().cpu().numpy().transpose(0, 2, 3, 1)


def spatial_frequency(maps: np.ndarray) -> np.ndarray:
    """(U, h, w) -> (U,): the power-weighted mean radial frequency of each map (its mean removed), in cycles/patch."""
    centred = maps - maps.mean(axis=(1, 2), keepdims=True)
    power = np.abs(np.fft.fft2(centred)) ** 2
    h, w = maps.shape[1:]
    radius = np.sqrt(np.fft.fftfreq(h)[:, None] ** 2 + np.fft.fftfreq(w)[None, :] ** 2)
    return (power * radius).sum(axis=(1, 2)) / np.maximum(power.sum(axis=(1, 2)), 1e-12)


def frequency_order(maps: np.ndarray) -> np.ndarray:
    """The paper's display order for (U, h, w) maps: lowest spatial frequency first, each unit followed by its
    opposite-phase partner (its most anti-correlated unit not yet placed). Returns a permutation of range(U)."""
    flat = maps.reshape(len(maps), -1).astype(np.float64)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(flat, axis=1)
    corr = (flat @ flat.T) / np.maximum(np.outer(norms, norms), 1e-12)  # (U, U) Pearson correlation
    order: list[int] = []
    placed = np.zeros(len(maps), dtype=bool)
    for unit in np.argsort(spatial_frequency(maps), kind="stable"):
        if placed[unit]:
            continue
        order.append(int(unit))
        placed[unit] = True
        candidates = np.where(placed, np.inf, corr[unit])
        partner = int(np.argmin(candidates))
        if candidates[partner] < 0:  # only a unit that really is of opposite phase
            order.append(partner)
            placed[partner] = True
    return np.array(order, dtype=np.int64)


def smoothness(maps: np.ndarray) -> float:
    """Mean correlation of each (h, w) map with itself shifted by one patch (right and down): about 0 for noise,
    near 1 for smooth, local structure. The number the model card reports for learned token-mixing weights."""
    maps = maps - maps.mean(axis=(1, 2), keepdims=True)

    def corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
        return (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)

    return float(np.mean([corr(maps[:, :, :-1], maps[:, :, 1:]).mean(), corr(maps[:, :-1, :], maps[:, 1:, :]).mean()]))


def square_maps(weights: np.ndarray) -> np.ndarray:
    """(units, S) token-mixing rows -> (units, side, side) maps, for a square token grid (S = side²), where
    there is no model to ask for its grid (the training timeline)."""
    side = int(round(np.sqrt(weights.shape[1])))
    return weights.reshape(len(weights), side, side)


@dataclass(frozen=True)
class TokenMixingView:
    """One block's token-mixing units, ready to draw."""

    block: int
    maps: np.ndarray  # (units, grid_h, grid_w), the model's own unit order
    order: np.ndarray  # (units,) display order
    outputs: np.ndarray | None  # (units, grid_h, grid_w) fc2 counterparts, or None
    smoothness: float


def token_mixing_view(model: MlpMixer, block: int) -> TokenMixingView:
    grid = patch_grid(model)
    weights = token_mixing_weights(model, block)
    maps = weights.reshape(len(weights), *grid)
    outputs = token_mixing_outputs(model, block)
    return TokenMixingView(
        block=block,
        maps=maps,
        order=frequency_order(maps),
        outputs=None if outputs is None else outputs.reshape(len(outputs), *grid),
        smoothness=smoothness(maps),
    )


def stem_order(filters: np.ndarray) -> np.ndarray:
    """Display order of (C, p, p, 3) stem filters: by the frequency of their luminance pattern, partners paired."""
    return frequency_order(filters.mean(axis=3))
