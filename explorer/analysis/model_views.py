"""What a loaded model shows whatever the image, as arrays: its token-mixing units and its architecture card, each
made once per model and kept in explorer.memo (freed with the model); and the embedded model's training timeline.
Their pictures (the galleries) are composed in explorer.render.galleries. In an export they are model.npz's
arrays (the same for every image) and summary.json's smoothness and architecture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from explorer import memo
from explorer.analysis.architecture import ArchitectureCard, count_architecture
from explorer.model import embedded
from explorer.model.loading import LoadedModel
from explorer.model.weights import TokenMixingView, square_maps, stem_filters, token_mixing_view

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis


def token_mixing(loaded: LoadedModel, block: int) -> TokenMixingView:
    """The token-mixing view of one block: (units, grid_h, grid_w) maps, display order, smoothness."""
    return memo.per_model(loaded.model, ("token_mixing", block), lambda: token_mixing_view(loaded.model, block))


def architecture_card(loaded: LoadedModel) -> ArchitectureCard:
    """Sizes, parameters and FLOPs per part (one counted forward pass on zeros), once per model."""
    return memo.per_model(loaded.model, "architecture", lambda: count_architecture(loaded))


def timeline_maps(block: int, epoch: int) -> np.ndarray:
    """(D_S, side, side): the embedded model's token-mixing units of one block at one saved epoch of its training."""
    return square_maps(embedded.read_timeline()[epoch]["token_mixing"][block])


def summary(analysis: Analysis, class_index: int) -> dict[str, Any]:
    loaded = analysis.loaded
    return {"token_mixing_smoothness": [token_mixing(loaded, b).smoothness for b in range(len(loaded.model.blocks))],
            "architecture": architecture_card(loaded).as_dict()}


def arrays(analysis: Analysis, class_index: int) -> dict[str, np.ndarray]:
    """The weights' arrays (model.npz: explorer.export.MODEL_ARRAYS)."""
    views = [token_mixing(analysis.loaded, b) for b in range(len(analysis.loaded.model.blocks))]
    return {"token_mixing": np.stack([v.maps.reshape(len(v.maps), -1) for v in views]),  # (depth, units, S)
            "token_mixing_order": np.stack([v.order for v in views]),  # (depth, units)
            "stem_filters": stem_filters(analysis.loaded.model)}  # (C, p, p, 3)
