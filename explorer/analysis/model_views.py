"""What a loaded model shows whatever the image: its token-mixing units (the paper's Figure 5), its stem filters
(Figure 7) and its architecture card, each made once per model and kept in explorer.memo (freed with the
model); and the embedded model's training timeline.
"""
from __future__ import annotations

import numpy as np

from explorer import memo
from explorer.model import embedded
from explorer.render import figures
from explorer.analysis.architecture import ArchitectureCard, count_architecture
from explorer.model.loading import LoadedModel
from explorer.model.weights import TokenMixingView, frequency_order, smoothness, square_maps, stem_filters, stem_order, token_mixing_view


def token_mixing(loaded: LoadedModel, block: int) -> TokenMixingView:
    """The token-mixing view of one block: (units, grid_h, grid_w) maps, display order, smoothness."""
    return memo.per_model(loaded.model, ("token_mixing", block), lambda: token_mixing_view(loaded.model, block))


def token_mixing_gallery(loaded: LoadedModel, block: int, cmap: str = figures.DIVERGING) -> tuple[np.ndarray, figures.GalleryLayout]:
    """The paper's Figure 5 for one block: an (H, W, 3) mosaic and its layout (for clicks)."""

    def make():
        view = token_mixing(loaded, block)
        layout = figures.gallery_layout(len(view.maps), view.maps.shape[1:], view.order)
        return figures.gallery_image(view.maps, layout, cmap), layout

    return memo.per_model(loaded.model, ("gallery", block, cmap), make)


def stem_gallery(loaded: LoadedModel) -> tuple[np.ndarray, figures.GalleryLayout]:
    """The paper's Figure 7: the stem's per-patch RGB filters, ordered like the token-mixing units."""

    def make():
        filters = stem_filters(loaded.model)
        layout = figures.gallery_layout(len(filters), filters.shape[1:3], stem_order(filters))
        return figures.rgb_gallery_image(filters, layout), layout

    return memo.per_model(loaded.model, "stem", make)


def encoded(loaded: LoadedModel, name: str, picture: np.ndarray) -> bytes:
    """A weights-only picture as (palette) PNG bytes, encoded once per model: every export copies it."""
    return memo.per_model(loaded.model, ("png", name), lambda: figures.palette_png_bytes(picture))


def weight_pictures(loaded: LoadedModel) -> dict[str, np.ndarray]:
    """Every weights-only picture an export holds: token_mixing_blockNN and stem_filters."""
    pictures = {f"token_mixing_block{b:02d}": token_mixing_gallery(loaded, b)[0] for b in range(len(loaded.model.blocks))}
    pictures["stem_filters"] = stem_gallery(loaded)[0]
    return pictures


def architecture_card(loaded: LoadedModel) -> ArchitectureCard:
    """Sizes, parameters and FLOPs per part (one counted forward pass on zeros), once per model."""
    return memo.per_model(loaded.model, "architecture", lambda: count_architecture(loaded))


@memo.TIMELINE_GALLERIES
def timeline_gallery(block: int, epoch: int) -> tuple[np.ndarray, float]:
    """The embedded model's token-mixing units of one block at one saved epoch of its training, each snapshot
    ordered on its own; returns the mosaic and the snapshot's smoothness."""
    maps = square_maps(embedded.read_timeline()[epoch]["token_mixing"][block])  # (D_S, side, side)
    layout = figures.gallery_layout(len(maps), maps.shape[1:], frequency_order(maps), width_px=520)
    return figures.gallery_image(maps, layout), smoothness(maps)
