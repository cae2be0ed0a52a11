"""The patch-shuffle demo: the paper's point that nothing in a Mixer but the token-mixing weights knows where a
patch is. Shuffle the image's patches and the prediction changes; shuffle every block's token-mixing weights by
the same permutation and the original prediction comes back, exactly (up to float rounding).

The permuted weights go into a twin of the model that shares every other tensor with it: the model itself is
shared by concurrent requests and is never changed, not even for a moment.
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from timm.models.mlp_mixer import MlpMixer

from explorer.analysis.image import display_image
from explorer.model.families import family
from explorer.model.weights import patch_grid

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis


def patch_permutation(tokens: int, seed: int = 0) -> torch.Tensor:
    """A fixed random permutation of range(tokens): shuffled token j is original token perm[j]."""
    return torch.randperm(tokens, generator=torch.Generator().manual_seed(seed))


def shuffle_patches(image: torch.Tensor, grid: tuple[int, int], perm: torch.Tensor) -> torch.Tensor:
    """(3, H, W) -> (3, H, W) with its patches rearranged: patch j of the result is patch perm[j] of the input."""
    c, h, w = image.shape
    gh, gw = grid
    ph, pw = h // gh, w // gw
    patches = image.reshape(c, gh, ph, gw, pw).permute(1, 3, 0, 2, 4).reshape(gh * gw, c, ph, pw)  # (S, 3, p, p)
    patches = patches[perm]
    return patches.reshape(gh, gw, c, ph, pw).permute(2, 0, 3, 1, 4).reshape(c, h, w)


def permuted_token_mixing(model: MlpMixer, perm: torch.Tensor) -> dict[str, torch.Tensor]:
    """The token-mixing parameters rewritten for shuffled tokens x' = x[perm], so that every block's output is
    the original output, shuffled the same way. Only these parameters change; everything else is per-token."""
    perm = perm.to(next(model.parameters()).device)
    return {f"blocks.{i}.{name}": tensor for i, block in enumerate(model.blocks)
            for name, tensor in family(block).permuted_token_parameters(block, perm).items()}


def with_permuted_token_mixing(model: MlpMixer, perm: torch.Tensor) -> MlpMixer:
    """A twin of the model whose token-mixing layers are permuted; all other tensors are the model's own."""
    shared = {id(t): t for t in itertools.chain(model.parameters(), model.buffers())}
    twin = copy.deepcopy(model, memo=shared)  # copies the module tree only: the memo hands back every tensor
    for name, tensor in permuted_token_mixing(model, perm).items():
        module, _, attr = name.rpartition(".")
        setattr(twin.get_submodule(module), attr, torch.nn.Parameter(tensor, requires_grad=False))
    return twin


@dataclass(frozen=True)
class ShuffleResult:
    shuffled_image: torch.Tensor  # (3, H, W)
    permutation: np.ndarray  # (S,)
    logits: np.ndarray  # (num_classes,) original image, original model
    shuffled_logits: np.ndarray  # shuffled image, original model
    restored_logits: np.ndarray  # shuffled image, token-mixing weights permuted the same way
    max_abs_logit_diff: float  # max |restored - original|


@torch.no_grad()
def patch_shuffle(model: MlpMixer, image: torch.Tensor, seed: int = 0,
                  logits: torch.Tensor | None = None) -> ShuffleResult:
    """Run the demo on one (3, H, W) preprocessed image. `logits` (num_classes,): the model's output for the
    image when the caller already has it (explain does), which saves a forward pass."""
    grid = patch_grid(model)
    perm = patch_permutation(grid[0] * grid[1], seed)
    shuffled = shuffle_patches(image, grid, perm)
    original = model(image[None])[0].float() if logits is None else logits.detach().float()
    shuffled_logits = model(shuffled[None])[0].float()
    restored = with_permuted_token_mixing(model, perm)(shuffled[None])[0].float()
    return ShuffleResult(
        shuffled_image=shuffled.cpu(),
        permutation=perm.numpy(),
        logits=original.cpu().numpy(),
        shuffled_logits=shuffled_logits.cpu().numpy(),
        restored_logits=restored.cpu().numpy(),
        max_abs_logit_diff=float((restored - original).abs().max()),
    )


@dataclass(frozen=True)
class ShuffleView:
    """The patch-shuffle demo on this image."""

    picture: np.ndarray  # (H, W, 3)
    shuffled_picture: np.ndarray  # (H, W, 3)
    result: ShuffleResult
    # top-1 of: the original, the shuffled image, the shuffled image with permuted token mixing
    labels: tuple[str, str, str]


def view(analysis: Analysis) -> ShuffleView:
    """The demo on the analysis's image: two forwards (the captured output is the first of three), once."""
    def make() -> ShuffleView:
        loaded = analysis.loaded
        result = patch_shuffle(loaded.model, analysis.input, logits=analysis.capture.logits)
        labels = tuple(analysis.class_names[int(np.argmax(logits))]
                       for logits in (result.logits, result.shuffled_logits, result.restored_logits))
        return ShuffleView(analysis.picture, display_image(result.shuffled_image, loaded.data_config), result,
                           labels)

    return analysis.kept("shuffle", make)


def summary(analysis: Analysis, class_index: int) -> dict[str, Any]:
    result, names = view(analysis).result, analysis.class_names

    def top1(logits: np.ndarray) -> dict:
        i = int(np.argmax(logits))
        return {"index": i, "label": names[i]}

    return {"shuffle": {
        "top1": top1(result.logits),
        "shuffled_top1": top1(result.shuffled_logits),
        "restored_top1": top1(result.restored_logits),
        "max_abs_logit_diff": result.max_abs_logit_diff,
    }}


def arrays(analysis: Analysis, class_index: int) -> dict[str, np.ndarray]:
    result = view(analysis).result
    return {"shuffle_permutation": result.permutation,  # (S,)
            "shuffled_logits": result.shuffled_logits,
            "restored_logits": result.restored_logits}
