"""Everything a unit's page shows, as arrays (explorer.render.mpl.unit draws it; the app lays it out)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from explorer.analysis.activations import channel_maps
from explorer.analysis.analysis import Analysis
from explorer.analysis.model_views import token_mixing
from explorer.model.families import family
from explorer.model.loading import LoadedModel
from explorer.model.weights import patch_grid
from explorer.progress import Progress
from explorer.text.i18n import t
from explorer.text.teaching import UNIT_TEXT
from explorer.units.address import Unit, check_unit
from explorer.units.features import Feature, cached_feature, feature_visualisation
from explorer.units.record import block_values
from explorer.units.reference import (
    Examples,
    ReferenceLike,
    example_pictures,
    reference_index,
    unit_examples,
)

PAGE_EXAMPLES = 9  # shown on a unit page


@dataclass(frozen=True)
class UnitPage:
    """Everything a unit's page shows, as arrays: no drawing here (explorer.render.mpl.unit draws it)."""

    unit: Unit
    title: str
    # token unit: (grid_h, grid_w) the patches it reads; channel: (D_C,) the channel MLP's fc2 row writing it
    weights: np.ndarray
    weights_title: str
    examples: Examples
    pictures: np.ndarray  # (k, H, W, 3) uint8 the examples as the model saw them
    grid: tuple[int, int]
    feature: Feature | None  # None until computed (see `cached_feature`), unless asked for
    on_image: np.ndarray | None  # the unit on the analysed image: channel (grid_h, grid_w), token unit (positions,)
    text: str  # what to look for, in the language of whoever is being answered


def unit_weights(loaded: LoadedModel, unit: Unit) -> tuple[np.ndarray, str]:
    """A unit's own weights: a token unit's map over the patch grid (the token-mixing gallery's tile), or the
    row of the block's channel-MLP fc2 that writes the channel."""
    if unit.kind == "token":
        maps = token_mixing(loaded, unit.block).maps
        return maps[unit.index], family(loaded.model).unit_weights_title(unit.index, len(maps))
    block = loaded.model.blocks[unit.block]
    fc2 = family(block).channel_mlp(block).fc2.weight[unit.index]  # (D_C,)
    title = t("unit_page.channel_weights", units=fc2.numel(), channel=unit.index)
    return fc2.detach().float().cpu().numpy(), title


def on_image(analysis: Analysis, unit: Unit) -> np.ndarray:
    """Where a unit fires on an analysed image: a channel's (grid_h, grid_w) map (read off the analysis's forward
    pass), a token unit's (positions,) vector (one more forward pass as far as its block, once per block: the
    block's every unit is kept with the analysis, so stepping through its units runs nothing)."""
    if unit.kind == "channel":
        return channel_maps(analysis.capture, unit.index)[unit.block]

    def make() -> np.ndarray:
        with torch.inference_mode():
            values = block_values(analysis.loaded.model, analysis.input[None], unit.block, "token")[0]
            return values.float().cpu().numpy()  # (positions, units)

    return analysis.kept(("token units", unit.block), make)[:, unit.index].copy()


def unit_page(loaded: LoadedModel, unit: Unit, reference: ReferenceLike = None, image_analysis: Analysis | None = None,
              top_k: int = PAGE_EXAMPLES, feature: bool = True, steps: int = 256, seed: int = 0,
              progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> UnitPage:
    """All a unit's page shows.

    reference: see `reference_index`; for the app's default set with this session's uploads, pass
        `reference_index(loaded, uploads=...)`. The page's `examples.reference` says which set it is.
    feature: compute the feature visualisation if it is not at hand (shipped, or computed before); with False a
        page of a large model opens at once and `feature_visualisation` fills it in later (with a progress bar).
    """
    unit = check_unit(loaded.model, unit.block, unit.kind, unit.index)
    reference = reference_index(loaded, reference)
    examples = unit_examples(loaded, unit.block, unit.kind, unit.index, reference, top_k)
    weights, weights_title = unit_weights(loaded, unit)
    feat = (feature_visualisation(loaded, unit.block, unit.kind, unit.index, steps, seed, progress, cancel) if feature
            else cached_feature(loaded, unit, steps, seed))
    return UnitPage(
        unit=unit,
        title=(t("units.title_channel", model=loaded.name, block=unit.block, index=unit.index) if unit.kind == "channel"
               else t("units.title_token", model=loaded.name, block=unit.block, index=unit.index)),
        weights=weights,
        weights_title=weights_title,
        examples=examples,
        pictures=example_pictures(loaded, examples, reference),
        grid=patch_grid(loaded.model),
        feature=feat,
        on_image=None if image_analysis is None else on_image(image_analysis, unit),
        text=t(UNIT_TEXT[unit.kind]),
    )

