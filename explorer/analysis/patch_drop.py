"""How many patches can the model lose? Drop a growing share of the image's patches and watch the answer.

Naseer et al. (2021, "Intriguing properties of vision transformers") drop patches from ViTs and CNNs: ViTs keep
much of their accuracy, CNNs collapse. A Mixer has no attention and no position embedding, so a patch cannot be
removed from the sequence (the token-mixing MLP has one weight per position): a dropped patch's token is instead
replaced, right after the stem, by the mean token of the image, which carries the image's average content and
nothing local. Each share is drawn with several seeds, all in one batched forward pass.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from explorer.model.loading import LoadedModel, load_model

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis

SHARES = tuple(round(0.1 * k, 1) for k in range(10))  # 0% to 90% of the patches
SEEDS = 4


@dataclass(frozen=True)
class PatchDropCurve:
    shares: np.ndarray  # (F,) the share of patches dropped
    top1_probability: np.ndarray  # (F, seeds) the probability of the intact image's top-1 class
    top1_holds: np.ndarray  # (F, seeds) bool: the top-1 is still the intact image's
    top1: int  # the intact image's top-1 class

    @property
    def mean_probability(self) -> np.ndarray:
        """(F,) over the seeds."""
        return self.top1_probability.mean(axis=1)

    @property
    def holds_rate(self) -> np.ndarray:
        """(F,) how often the top-1 holds, over the seeds."""
        return self.top1_holds.mean(axis=1)


def drop_masks(tokens: int, shares: tuple[float, ...], seeds: int) -> torch.Tensor:
    """(F * seeds, S) bool, True where a patch is dropped: round(share * S) patches, drawn per seed."""
    masks = torch.zeros(len(shares) * seeds, tokens, dtype=torch.bool)
    for f, share in enumerate(shares):
        for seed in range(seeds):
            order = torch.randperm(tokens, generator=torch.Generator().manual_seed(seed))
            masks[f * seeds + seed, order[: round(share * tokens)]] = True
    return masks


@torch.inference_mode()
def logits_with_patches_dropped(model: torch.nn.Module, image: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
    """image (3, H, W) and masks (B, S) -> logits (B, classes): each row with its masked tokens set to the mean
    token, after the stem and before the first block. All of timm's Mixer family share this forward."""
    tokens = model.stem(image[None])  # (1, S, C)
    mean = tokens.mean(dim=1, keepdim=True)  # (1, 1, C)
    batch = torch.where(masks[:, :, None].to(tokens.device), mean, tokens)  # (B, S, C)
    return model.forward_head(model.norm(model.blocks(batch)))


def patch_drop(loaded: LoadedModel, image: torch.Tensor, shares: tuple[float, ...] = SHARES,
               seeds: int = SEEDS, logits: torch.Tensor | None = None) -> PatchDropCurve:
    """The top-1 probability and whether the top-1 holds, for each share of dropped patches and each seed.

    image: (3, H, W), preprocessed for `loaded` (explorer.model.inference.preprocess); logits: (classes,) of the
    intact image when a pass already made them (an analysis's), else one more forward makes them."""
    model = loaded.model
    image = image.to(loaded.device)
    with loaded.autocast():
        if logits is None:
            logits = logits_with_patches_dropped(model, image, torch.zeros(1, model.stem.num_patches, dtype=torch.bool))
        top1 = int(logits.float().argmax())
        masks = drop_masks(model.stem.num_patches, shares, seeds)
        probabilities = logits_with_patches_dropped(model, image, masks).float().softmax(dim=-1).cpu()
    probabilities = probabilities.view(len(shares), seeds, -1)
    return PatchDropCurve(np.asarray(shares), probabilities[..., top1].numpy(),
                          (probabilities.argmax(dim=-1) == top1).numpy(), top1)


@dataclass(frozen=True)
class PatchDropView:
    """The curve under the loaded weights, beside the same architecture's random initialisation (timm's, seeded as
    the app's "random" weights are) on the same pixels: how much of the robustness is learned."""

    trained: PatchDropCurve  # the loaded weights
    random: PatchDropCurve | None  # random weights of the same architecture; None when the loaded ones are random
    model: str  # the model's name
    weights: str  # the loaded weights ("pretrained", "random", "checkpoint")
    trained_label: str  # the intact image's top-1 under the loaded weights
    random_label: str | None  # and under the random ones


def patch_drop_view(loaded: LoadedModel, image: torch.Tensor, logits: torch.Tensor | None = None) -> PatchDropView:
    """The patch-drop curves of one preprocessed image (3, H, W) under the loaded weights (`logits`: theirs on the
    intact image, if known) and random ones."""
    trained = patch_drop(loaded, image, logits=logits)
    if loaded.weights == "random":
        return PatchDropView(trained, None, loaded.name, loaded.weights, loaded.class_names[trained.top1], None)
    twin = load_model(loaded.name, "random", device=loaded.device, fallback=False)
    random = patch_drop(twin, image)
    return PatchDropView(trained, random, loaded.name, loaded.weights, loaded.class_names[trained.top1],
                         twin.class_names[random.top1])


def view(analysis: Analysis) -> PatchDropView:
    """The analysis's image with a growing share of patches dropped, under these weights and random ones: 40 images
    in one batched forward per set of weights, the first time only."""
    return analysis.kept("patch_drop", lambda: patch_drop_view(analysis.loaded, analysis.input,
                                                               analysis.capture.logits))
