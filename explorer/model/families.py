"""The four model families timm builds as `MlpMixer`, told apart here and nowhere else.

Every family mixes tokens with a linear map that reads the S tokens, but each puts it somewhere else in its
blocks (timm.models.mlp_mixer):

- MLP-Mixer: `MixerBlock` with an `Mlp`: the token MLP `mlp_tokens` reads the tokens with fc1 (D_S x S) and
  writes them back with fc2 (S x D_S); a unit is one of the D_S hidden values fc2 reads (after the GELU);
- gMixer: `MixerBlock` with a `GluMlp`: fc1 (2 D_S x S) makes value and gate halves, fc2 (S x D_S) reads their
  product; a unit is one of the D_S gated values;
- ResMLP: `ResBlock`: one S x S map `linear_tokens`, layer-scaled by `ls1` before the residual add; a unit is one
  output of it (one per patch);
- gMLP: `SpatialGatingBlock`: the spatial gating unit `mlp_channels.gate.proj` (S x S), inside the channel MLP,
  mixes the tokens of half of its hidden channels, which then gate the other half; a unit is one of its outputs
  (one per patch), one number per gating channel. Its token
  mixing has no residual update of its own: the block's one update mixes tokens and channels together.

`family(model_or_block)` gives the adapter, a `Family`, which answers every such question for a block.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import torch
from timm.layers import GluMlp, Mlp
from timm.models.mlp_mixer import MixerBlock, MlpMixer, ResBlock, SpatialGatingBlock

from explorer.errors import ModelError
from explorer.text.i18n import t


@dataclass(frozen=True)
class Site:
    """A place in a model where a tensor can be read during a forward: a module's first input ("in", read by a
    forward pre-hook) or its output ("out"), passed through `transform`."""

    module: torch.nn.Module
    side: Literal["in", "out"]
    transform: Callable[[torch.Tensor], torch.Tensor] = lambda t: t


class Family:
    """What a family's blocks are made of, and the words the texts use for it. The methods take one block."""

    name: str  # as the catalogue and the architecture card say it: "MLP-Mixer", "gMixer", "ResMLP", "gMLP"
    timm_names: str  # the pattern of timm's names for the family's models
    token_path: str  # the token-mixing layers' path inside a block, as parameter and module names have it
    channel_path = "mlp_channels"  # the channel MLP's path inside a block (the same in timm's four families)
    token_units_are: str  # what a token-mixing unit is, in a few words ("block 3's token mixing has 256 ...")
    gallery_note: str  # the catalogue key of what the token-mixing gallery shows for this family (trained or not)
    # how the blocks mix tokens, as the model map draws it: ("mlp", a token MLP S -> D_S -> S), ("linear", one S x S
    # map) or ("spatial-gating", an S x S map gating half the channel MLP); and its name there
    token_mixing: tuple[str, str]

    def matches(self, block: torch.nn.Module) -> bool:
        raise NotImplementedError

    def token_mlp(self, block: torch.nn.Module) -> torch.nn.Module | None:
        """The block's token MLP (fc1, fc2), for the families whose token mixing is one; else None."""
        return None

    def channel_mlp(self, block: torch.nn.Module) -> torch.nn.Module:
        """The block's channel MLP (fc1, fc2; a gated one's fc1 twice as wide as what reaches fc2)."""
        return block.get_submodule(self.channel_path)

    def token_layer(self, block: torch.nn.Module) -> torch.nn.Linear:
        """The linear layer whose input is the S tokens: its weight is (units, S), one picture on the grid a row."""
        return block.get_submodule(self.token_path)

    def tokens_mlp_dim(self, block: torch.nn.Module) -> int:
        """D_S: how many token-mixing units the block has (S for the families whose token mixing is one S x S map)."""
        return self.token_layer(block).out_features

    def token_update(self, block: torch.nn.Module) -> Site | None:
        """Where the block's token-mixing residual update (B, S, C) can be read, scaled as it is added to the
        stream; None where token mixing has no update of its own (gMLP)."""
        return None

    def unit_site(self, block: torch.nn.Module) -> Site:
        """Where the block's token-mixing units (B, channels, units) can be read: one number per channel per unit."""
        return Site(self.token_layer(block), "out")

    def token_outputs(self, block: torch.nn.Module) -> torch.Tensor | None:
        """(S, units): where each token-mixing unit writes back to the patches (fc2's weights), or None where
        no second layer writes a unit back."""
        return None

    def permuted_token_parameters(self, block: torch.nn.Module, perm: torch.Tensor) -> dict[str, torch.Tensor]:
        """The block's token-mixing parameters rewritten for shuffled tokens x' = x[perm], named relative to the
        block, so that its output is the original one shuffled the same way. An S x S map reads and writes tokens:
        its rows and columns are permuted."""
        layer = self.token_layer(block)
        return {f"{self.token_path}.weight": layer.weight[perm][:, perm], f"{self.token_path}.bias": layer.bias[perm]}

    def unit_weights_title(self, unit: int, units: int) -> str:
        """The title over a token unit's own weights (its row of `token_layer`) on its page; `units`: the rows."""
        return t("families.weights_token", unit=unit)


class Mixer(Family):
    name = "MLP-Mixer"
    timm_names = "mixer_*"
    token_path = "mlp_tokens"
    token_units_are = "hidden units"
    token_mixing = ("mlp", "token MLP")
    gallery_note = "families.gallery.mixer"

    def matches(self, block: torch.nn.Module) -> bool:
        return isinstance(block, MixerBlock) and type(block.mlp_tokens) is Mlp

    def token_mlp(self, block: torch.nn.Module) -> torch.nn.Module:
        return block.mlp_tokens

    def token_layer(self, block: torch.nn.Module) -> torch.nn.Linear:
        return block.mlp_tokens.fc1

    def tokens_mlp_dim(self, block: torch.nn.Module) -> int:
        return block.mlp_tokens.fc2.in_features

    def token_update(self, block: torch.nn.Module) -> Site:
        return Site(block.mlp_tokens, "out", lambda out: out.transpose(1, 2))  # the MLP sees (B, C, S)

    def unit_site(self, block: torch.nn.Module) -> Site:
        return Site(block.mlp_tokens.fc2, "in")  # what fc2 reads, (B, C, D_S)

    def token_outputs(self, block: torch.nn.Module) -> torch.Tensor:
        return block.mlp_tokens.fc2.weight

    def permuted_token_parameters(self, block: torch.nn.Module, perm: torch.Tensor) -> dict[str, torch.Tensor]:
        mlp = block.mlp_tokens  # fc1 reads tokens (its columns), fc2 writes them (its rows)
        return {"mlp_tokens.fc1.weight": mlp.fc1.weight[:, perm], "mlp_tokens.fc2.weight": mlp.fc2.weight[perm, :],
                "mlp_tokens.fc2.bias": mlp.fc2.bias[perm]}


class GMixer(Mixer):
    name = "gMixer"
    timm_names = "gmixer_*"
    token_mixing = ("mlp", "gated token MLP")
    gallery_note = "families.gallery.gmixer"

    def matches(self, block: torch.nn.Module) -> bool:
        return isinstance(block, MixerBlock) and type(block.mlp_tokens) is GluMlp

    def token_outputs(self, block: torch.nn.Module) -> None:
        return None  # fc1's 2 D_S rows are values and gates, fc2's D_S columns belong to neither half alone

    def unit_weights_title(self, unit: int, units: int) -> str:
        gate = unit + units // 2  # GluMlp: fc1's first half of rows are values, the second half their gates
        return t("families.weights_gated", unit=unit, gate=gate)


class ResMLP(Family):
    name = "ResMLP"
    timm_names = "resmlp_*"
    token_path = "linear_tokens"
    token_mixing = ("linear", "linear S×S map")
    token_units_are = "units (linear_tokens outputs, one per patch)"
    gallery_note = "families.gallery.resmlp"

    def matches(self, block: torch.nn.Module) -> bool:
        return isinstance(block, ResBlock)

    def token_update(self, block: torch.nn.Module) -> Site:
        return Site(block.linear_tokens, "out", lambda out: block.ls1 * out.transpose(1, 2))  # layer-scaled by ls1


class GMLP(Family):
    name = "gMLP"
    timm_names = "gmlp_*"
    token_path = "mlp_channels.gate.proj"
    token_mixing = ("spatial-gating", "spatial gating unit")
    token_units_are = "units (spatial gating outputs, one per patch)"
    gallery_note = "families.gallery.gmlp"

    def matches(self, block: torch.nn.Module) -> bool:
        return isinstance(block, SpatialGatingBlock)  # its units: (B, D_C / 2, S), on the channel MLP's gating half


FAMILIES: tuple[Family, ...] = (Mixer(), GMixer(), ResMLP(), GMLP())  # the paper's models first
FAMILY_NAMES = ", ".join(f.name for f in FAMILIES[:-1]) + f" and {FAMILIES[-1].name}"  # for messages


def family(model_or_block: torch.nn.Module) -> Family:
    """The adapter of a model's family (read off its first block: timm builds all four as MlpMixer) or of a block."""
    block = model_or_block.blocks[0] if isinstance(model_or_block, MlpMixer) else model_or_block
    for fam in FAMILIES:
        if fam.matches(block):
            return fam
    what = type(block).__name__ + (f" with {type(block.mlp_tokens).__name__}" if isinstance(block, MixerBlock) else "")
    raise ModelError(f"a {what} block is of no model family the explorer knows ({FAMILY_NAMES})")
