"""A unit's address, `Unit(block, kind, index)`, and what exists: how many units of each kind a block has."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from timm.models.mlp_mixer import MlpMixer

from explorer.errors import ExplorerError
from explorer.model.families import family

Kind = Literal["channel", "token"]
KINDS: tuple[Kind, ...] = ("channel", "token")


@dataclass(frozen=True)
class Unit:
    block: int
    kind: Kind
    index: int

    def __str__(self) -> str:
        return f"block {self.block} {'channel' if self.kind == 'channel' else 'token-mixing unit'} {self.index}"


def unit_count(model: MlpMixer, kind: Kind) -> int:
    """How many units of `kind` each block has: C channels, or the token mixing's hidden width."""
    if kind == "channel":
        return model.embed_dim
    block = model.blocks[0]
    return family(block).tokens_mlp_dim(block)


def check_unit(model: MlpMixer, block: int, kind: str, index: int) -> Unit:
    """The unit asked for, or an ExplorerError that says what exists."""
    depth = len(model.blocks)
    if kind not in KINDS:
        raise ExplorerError(f"unit kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if not 0 <= block < depth:
        raise ExplorerError(f"block {block} does not exist: this model has {depth} blocks (0 to {depth - 1})")
    units = unit_count(model, kind)
    if not 0 <= index < units:
        what = (f"block {block}'s output has {units} channels" if kind == "channel"
                else f"block {block}'s token mixing has {units} {family(model).token_units_are}")
        name = "channel" if kind == "channel" else "token-mixing unit"
        raise ExplorerError(f"{name} {index} does not exist: {what} (0 to {units - 1})")
    return Unit(int(block), kind, int(index))
