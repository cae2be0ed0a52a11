"""A block's units recorded during a forward pass, through the one hook mechanism (explorer.analysis.capture).

Both kinds are (B, positions, units) tensors, positions being patches for a channel and channels for a token
unit, so one set of reductions serves both: the maximum over positions (and where it is) ranks dataset
examples, the mean over positions is what feature visualisation maximises.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator, Sequence

import torch
from timm.models.mlp_mixer import MlpMixer

from explorer.analysis.capture import recording
from explorer.model.families import Site, family
from explorer.units.address import KINDS, Kind, Unit


def unit_site(model: MlpMixer, block: int, kind: Kind) -> Site:
    """Where block `block`'s units of `kind` are read, (B, positions, units): for channels the block's output (the
    very tensor forward_intermediates appends, (B, S, C)), for token units the family's token-mixing hidden vector."""
    b = model.blocks[block]
    return Site(b, "out") if kind == "channel" else family(b).unit_site(b)


@contextmanager
def recording_units(model: MlpMixer, sites: Sequence[tuple[int, Kind]],
                    keep: Callable[[torch.Tensor], object] = lambda t: t) -> Iterator[dict[tuple[int, Kind], object]]:
    """Record `keep(values)` for each (block, kind) while the context is open, values being the (B, positions,
    units) tensor of that block's units (this thread's forwards only; hooks are always removed)."""
    with recording({site: unit_site(model, *site) for site in sites}, keep) as seen:
        yield seen


def run_to(model: MlpMixer, x: torch.Tensor, last_block: int) -> None:
    """Run (B, 3, H, W) through the stem and blocks 0..last_block only (what the hooks record)."""
    model.forward_intermediates(x, indices=[last_block], stop_early=True, intermediates_only=True, output_fmt="NLC")


def reduce(values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(B, P, U) -> peak (B, U) the maximum over positions, where (B, U) its position, mean (B, U)."""
    peak, where = values.float().max(dim=1)
    return peak, where, values.float().mean(dim=1)


Reduced = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # peak, where, mean


@torch.inference_mode()
def unit_activations(model: MlpMixer, x: torch.Tensor, blocks: Sequence[int] | None = None) -> dict[Kind, Reduced]:
    """Every unit of both kinds in `blocks` (default all) on a (B, 3, H, W) batch, in one forward pass, reduced
    as the index keeps them: {kind: (peak, where, mean)}, each (B, blocks, units). A channel's `where` is the flat
    patch of its maximum, a token unit's the channel. Each block's tensors are reduced as soon as they are made,
    so a B/16 batch never holds every block's (B, S, C) and (B, C, D_S) at once."""
    blocks = sorted(range(len(model.blocks)) if blocks is None else blocks)
    sites = [(b, k) for k in KINDS for b in blocks]
    with recording_units(model, sites, keep=reduce) as seen:
        run_to(model, x, blocks[-1])
    return {k: tuple(torch.stack([seen[(b, k)][i] for b in blocks], dim=1) for i in range(3)) for k in KINDS}


def block_values(model: MlpMixer, x: torch.Tensor, block: int, kind: Kind) -> torch.Tensor:
    """(B, positions, units) the values of every unit of one block and kind on a (B, 3, H, W) batch (with
    autograd, if enabled)."""
    with recording_units(model, [(block, kind)]) as seen:
        run_to(model, x, block)
    return seen[(block, kind)]


def unit_values(model: MlpMixer, x: torch.Tensor, unit: Unit) -> torch.Tensor:
    """(B, positions) the values of one unit on a (B, 3, H, W) batch (with autograd, if enabled)."""
    return block_values(model, x, unit.block, unit.kind)[:, :, unit.index]
