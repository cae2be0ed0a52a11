"""airbench's networks (Keller Jordan, https://github.com/KellerJordan/cifar10-airbench; MIT License, Copyright
(c) 2024 Keller Jordan), re-written for the CPU: airbench94's three conv groups of widths 64/256/256 (1.97M
parameters) and airbench96's of 128/384/512 with a third conv and a residual in each group (9.9M). The recipes
that train them are explorer.train.teacher's.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class BatchNorm(nn.BatchNorm2d):
    """BatchNorm whose scale stays 1 (only the bias learns), with airbench's fast-moving running statistics."""

    def __init__(self, channels: int, momentum: float):
        super().__init__(channels, eps=1e-12, momentum=1 - momentum)
        self.weight.requires_grad = False


class Conv(nn.Conv2d):
    """A 3x3 'same' conv without bias whose first in_channels filters start as the identity (an implicit
    residual at initialisation)."""

    def __init__(self, channels_in: int, channels_out: int):
        super().__init__(channels_in, channels_out, kernel_size=3, padding="same", bias=False)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        nn.init.dirac_(self.weight.data[: self.in_channels])


class ConvGroup(nn.Module):
    """conv -> max-pool /2 -> BN -> GELU -> conv -> BN -> GELU: (B, C_in, H, W) -> (B, C_out, H/2, W/2).
    With `residual` (airbench96), the second GELU becomes conv -> BN plus the skip from the first GELU -> GELU."""

    def __init__(self, channels_in: int, channels_out: int, momentum: float, residual: bool = False):
        super().__init__()
        self.conv1, self.norm1 = Conv(channels_in, channels_out), BatchNorm(channels_out, momentum)
        self.conv2, self.norm2 = Conv(channels_out, channels_out), BatchNorm(channels_out, momentum)
        if residual:
            self.conv3, self.norm3 = Conv(channels_out, channels_out), BatchNorm(channels_out, momentum)
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.norm1(F.max_pool2d(self.conv1(x), 2)))
        if not self.residual:
            return F.gelu(self.norm2(self.conv2(x)))
        return F.gelu(x + self.norm3(self.conv3(F.gelu(self.norm2(self.conv2(x))))))


class Teacher(nn.Module):
    """airbench94's net: (B, 3, 32, 32) normalised images -> (B, 10) logits; 1.97M parameters at 64/256/256.
    With widths 128/384/512, `residual` and BatchNorm momentum 0.9, airbench96's: 9.9M parameters."""

    def __init__(self, widths: tuple[int, int, int] = (64, 256, 256), batchnorm_momentum: float = 0.6,
                 logit_scale: float = 1 / 9, num_classes: int = 10, residual: bool = False):
        super().__init__()
        whiten_width = 2 * 3 * 2 * 2  # each 2x2x3 patch direction, with both signs
        self.whiten = nn.Conv2d(3, whiten_width, kernel_size=2, padding=0, bias=True)  # (B, 24, 31, 31)
        self.whiten.weight.requires_grad = False  # set from the data, never trained
        ins = (whiten_width, *widths[:-1])
        self.groups = nn.Sequential(*(ConvGroup(a, b, batchnorm_momentum, residual) for a, b in zip(ins, widths)))
        self.head = nn.Linear(widths[-1], num_classes, bias=False)
        self.logit_scale = logit_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.groups(F.gelu(self.whiten(x)))  # (B, widths[-1], 3, 3)
        x = F.max_pool2d(x, 3).flatten(1)  # (B, widths[-1])
        return self.head(x) * self.logit_scale


@torch.no_grad()
def init_whitening(conv: nn.Conv2d, images: torch.Tensor, eps: float) -> None:
    """Set the 2x2 conv to whiten the images' patches: images (N, 3, H, W) normalised float. Its filters are the
    patch covariance's eigenvectors scaled by 1/sqrt(eigenvalue + eps), largest first, and their negatives."""
    c, (h, w) = images.shape[1], conv.weight.shape[2:]
    patches = images.unfold(2, h, 1).unfold(3, w, 1).transpose(1, 3).reshape(-1, c * h * w)  # (P, 12)
    eigenvalues, eigenvectors = torch.linalg.eigh(patches.T @ patches / len(patches))  # ascending
    filters = eigenvectors.T.reshape(c * h * w, c, h, w).flip(0) / (eigenvalues.flip(0) + eps).sqrt().view(-1, 1, 1, 1)
    conv.weight.copy_(torch.cat((filters, -filters)))
