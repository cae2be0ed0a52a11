"""The Mixer's training augmentation on uint8 batches, every draw from a given generator (so a resumed run draws
alike): random crop + flip, AutoAugment's CIFAR-10 policy drawn per image, and CutMix."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torchvision.transforms import v2

CIFAR10_POLICY = v2.AutoAugment(v2.AutoAugmentPolicy.CIFAR10)


def random_crop_flip(x: torch.Tensor, g: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Random crop with reflect padding and random horizontal flip, per sample, on whatever device x is on."""
    B, _, H, W = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    dy = torch.randint(0, 2 * pad + 1, (B,), generator=g).to(x.device)
    dx = torch.randint(0, 2 * pad + 1, (B,), generator=g).to(x.device)
    rows = (dy[:, None] + torch.arange(H, device=x.device))[:, :, None]  # (B, H, 1)
    cols = (dx[:, None] + torch.arange(W, device=x.device))[:, None, :]  # (B, 1, W)
    batch = torch.arange(B, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)  # (B, 3, H, W)
    flip = (torch.rand(B, generator=g) < 0.5).to(x.device).view(B, 1, 1, 1)
    return torch.where(flip, out.flip(3), out)


def auto_augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """AutoAugment's CIFAR-10 policy (Cubuk et al. 2019) on uint8 images (B, 3, H, W), drawn per image from `g`:
    each image its sub-policy, whether each of its two ops applies, and each op's sign."""
    B = len(x)
    sub_policy = torch.randint(len(CIFAR10_POLICY._policies), (B,), generator=g)
    applies = torch.rand(B, 2, generator=g)
    negative = torch.rand(B, 2, generator=g) <= 0.5
    return apply_auto_augment(x, sub_policy, applies, negative)


def apply_auto_augment(x: torch.Tensor, sub_policy: torch.Tensor, applies: torch.Tensor,
                       negative: torch.Tensor) -> torch.Tensor:
    """Apply drawn AutoAugment sub-policies: x (B, 3, H, W) uint8; sub_policy (B,) index into the CIFAR-10
    policy; applies (B, 2) uniform draws (op k applies where the draw <= its probability); negative (B, 2) the
    sign of signed ops' magnitudes.

    torchvision's AutoAugment draws once per call, and a call per image costs thousands of small calls an epoch
    (on a GPU, longer than the training itself). Its ops act on each image of a batch alone, so images that
    drew the same (sub-policy, op, sign) go through the op together: at most 25 × 2 × 2 calls, however many
    images. The ops and magnitudes are torchvision's own (its private helpers, so they match it exactly).
    """
    H, W = x.shape[-2:]
    out = x.clone()
    for p, ops in enumerate(CIFAR10_POLICY._policies):
        for k, (op, probability, magnitude_bin) in enumerate(ops):  # in order: op 1 acts on op 0's result
            magnitudes, signed = CIFAR10_POLICY._AUGMENTATION_SPACE[op]
            bins = magnitudes(10, H, W)
            magnitude = 0.0 if bins is None else float(bins[magnitude_bin])
            chosen = (sub_policy == p) & (applies[:, k] <= probability)
            flipped = negative[:, k] if signed else torch.zeros_like(chosen)
            for sign, side in ((1, ~flipped), (-1, flipped)):
                picked = (chosen & side).nonzero().flatten().to(x.device)
                if len(picked):
                    out[picked] = CIFAR10_POLICY._apply_image_or_video_transform(
                        out[picked], op, sign * magnitude, interpolation=CIFAR10_POLICY.interpolation,
                        fill=CIFAR10_POLICY._fill,
                    )
    return out


def epoch_views(images: torch.Tensor, augment: str, g: torch.Generator) -> torch.Tensor:
    """One epoch's augmented views of the training images (N, 3, H, W) uint8, all at once: about a hundred large
    calls an epoch instead of thousands of small ones, so augmentation costs little on any device."""
    views = random_crop_flip(images, g)
    return auto_augment(views, g) if augment == "autoaugment" else views


def cutmix(x: torch.Tensor, y: torch.Tensor, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, float]:
    """CutMix (Yun et al. 2019): paste a random box from a shuffled batch; returns mixed x, partner labels, lam."""
    B, _, H, W = x.shape
    lam = float(torch.rand(1, generator=g))  # Beta(1, 1), as in the paper, is uniform
    cut_h, cut_w = int(H * math.sqrt(1 - lam)), int(W * math.sqrt(1 - lam))
    cy, cx = int(torch.randint(0, H, (1,), generator=g)), int(torch.randint(0, W, (1,), generator=g))
    y0, y1 = max(cy - cut_h // 2, 0), min(cy + cut_h // 2, H)
    x0, x1 = max(cx - cut_w // 2, 0), min(cx + cut_w // 2, W)
    perm = torch.randperm(B, generator=g).to(x.device, non_blocking=True)  # no wait for the GPU's queue
    x = x.clone()
    x[:, :, y0:y1, x0:x1] = x[perm, :, y0:y1, x0:x1]
    lam = 1 - (y1 - y0) * (x1 - x0) / (H * W)  # the area actually kept
    return x, y[perm], lam
