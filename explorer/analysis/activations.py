"""The activations view: every block's output on the patch grid (its norm over channels, or one channel), the
channels that fire most at one patch, and how much each block's two residual updates change the stream. All of
it is arithmetic on the analysis's one capture (explorer.analysis.capture): nothing runs the model again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from explorer.analysis.capture import Capture
from explorer.model.families import family
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis


@dataclass(frozen=True)
class ActivationView:
    """Per-layer activation maps over the image."""

    picture: np.ndarray  # (H, W, 3) float in [0, 1]: the input as the model saw it
    maps: np.ndarray  # (depth, grid_h, grid_w)
    channel: int | None  # None: the norm over all channels
    channels: int  # how many channels a block's output has

    # Words, read when a chart is drawn: in the language of whoever it is drawn for (the view itself is kept).
    @property
    def title(self) -> str:
        """What the maps are."""
        if self.channel is None:
            return t("analysis.activations.norm_title")
        return t("analysis.activations.channel_title", channel=self.channel, channels=self.channels)

    @property
    def quantity(self) -> str:
        """What one value is, for colour bars and hover text."""
        if self.channel is None:
            return t("analysis.activations.norm_quantity")
        return t("analysis.activations.channel_quantity", channel=self.channel)


@dataclass(frozen=True)
class UpdatesView:
    """Relative size of each block's residual updates: ||update|| / ||stream||."""

    token_mixing: np.ndarray  # (depth,), all NaN for gMLP (its one update mixes both)
    channel_mixing: np.ndarray  # (depth,), for gMLP the whole block's update
    family: str

    @property
    def separate(self) -> bool:
        return not bool(np.all(np.isnan(self.token_mixing)))


# ---------------------------------------------------------------------------------------------- on a capture


def activation_norms(cap: Capture) -> np.ndarray:
    """(depth, grid_h, grid_w): the L2 norm over channels of every block's output at every patch."""
    return cap.blocks.norm(dim=-1).reshape(len(cap.blocks), *cap.grid).float().cpu().numpy()


def channel_maps(cap: Capture, channel: int) -> np.ndarray:
    """(depth, grid_h, grid_w): one channel of every block's output on the patch grid."""
    return cap.blocks[:, :, channel].reshape(len(cap.blocks), *cap.grid).float().cpu().numpy()


def strongest_channels(cap: Capture, block: int, patch: int, k: int = 10) -> list[tuple[int, float]]:
    """The k channels with the largest |activation| at one patch of one block's output: [(channel, value)]."""
    values = cap.blocks[block, patch]
    idx = values.abs().topk(min(k, values.numel())).indices
    return [(int(i), float(values[i])) for i in idx]


def update_norms(cap: Capture) -> dict[str, np.ndarray]:
    """Relative size of each block's residual updates: ||update|| / ||stream it was added to||, per block.

    Returns {"token_mixing": (depth,), "channel_mixing": (depth,)}; where the family's token mixing has no update
    of its own (the capture has no token_updates), the single update mixes both: "token_mixing" is all NaN and
    "channel_mixing" is the whole block's update.
    """
    inputs = torch.cat([cap.stem[None], cap.blocks[:-1]])  # (depth, S, C) the stream entering each block
    total = cap.blocks - inputs
    if cap.token_updates is None:
        whole = (total.norm(dim=(1, 2)) / inputs.norm(dim=(1, 2))).cpu().numpy()
        return {"token_mixing": np.full(len(total), np.nan), "channel_mixing": whole}
    middle = inputs + cap.token_updates
    channel = total - cap.token_updates
    return {
        "token_mixing": (cap.token_updates.norm(dim=(1, 2)) / inputs.norm(dim=(1, 2))).float().cpu().numpy(),
        "channel_mixing": (channel.norm(dim=(1, 2)) / middle.norm(dim=(1, 2))).float().cpu().numpy(),
    }


# ---------------------------------------------------------------------------------------------- on an analysis


def view(analysis: Analysis, channel: int | None = None) -> ActivationView:
    """Every block's output on the patch grid: its norm over channels, or one channel (clamped to the model's)."""
    cap = analysis.capture
    channels = cap.blocks.shape[-1]
    if channel is None:
        return analysis.kept("activations",
                             lambda: ActivationView(analysis.picture, activation_norms(cap), None, channels))
    channel = min(max(int(channel), 0), channels - 1)
    return analysis.kept(("activations", channel),
                         lambda: ActivationView(analysis.picture, channel_maps(cap, channel), channel, channels))


def top_channels(analysis: Analysis, block: int, patch: int, k: int = 10) -> list[tuple[int, float]]:
    """The k channels with the largest |activation| at one patch of one block's output: [(channel, value)]."""
    return strongest_channels(analysis.capture, block, patch, k)


def updates(analysis: Analysis) -> UpdatesView:
    """How much each block's token-mixing and channel-mixing updates change the stream."""
    def make() -> UpdatesView:
        norms = update_norms(analysis.capture)
        return UpdatesView(norms["token_mixing"], norms["channel_mixing"], family(analysis.loaded.model).name)

    return analysis.kept("updates", make)


# ---------------------------------------------------------------------------------------------- in an export


def summary(analysis: Analysis, class_index: int) -> dict[str, Any]:
    return {}  # the maps are arrays, not a summary


def arrays(analysis: Analysis, class_index: int) -> dict[str, np.ndarray]:
    norms = updates(analysis)
    return {
        "activation_norms": view(analysis).maps,  # (depth, grid_h, grid_w)
        "token_update_norms": norms.token_mixing,  # (depth,)
        "channel_update_norms": norms.channel_mixing,  # (depth,)
    }
