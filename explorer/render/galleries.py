"""The pictures of a model's weights, whatever the image: its token-mixing units (the paper's Figure 5) and its stem
filters (Figure 7), each composed once per model and kept in explorer.memo (freed with the model); and the embedded
model's training timeline. The arrays come from explorer.analysis.model_views; explorer.render.pictures composes.
"""

from __future__ import annotations

import numpy as np

from explorer import memo
from explorer.analysis.model_views import timeline_maps, token_mixing
from explorer.model.loading import LoadedModel
from explorer.model.weights import frequency_order, smoothness, stem_filters, stem_order
from explorer.render import style
from explorer.render.pictures import GalleryLayout, gallery_image, gallery_layout, palette_png_bytes, rgb_gallery_image


def token_mixing_gallery(
    loaded: LoadedModel, block: int, cmap: str = style.DIVERGING
) -> tuple[np.ndarray, GalleryLayout]:
    """The paper's Figure 5 for one block: an (H, W, 3) mosaic and its layout (for clicks)."""

    def make():
        view = token_mixing(loaded, block)
        layout = gallery_layout(len(view.maps), view.maps.shape[1:], view.order)
        return gallery_image(view.maps, layout, cmap), layout

    return memo.per_model(loaded.model, ("gallery", block, cmap), make)


def stem_gallery(loaded: LoadedModel) -> tuple[np.ndarray, GalleryLayout]:
    """The paper's Figure 7: the stem's per-patch RGB filters, ordered like the token-mixing units."""

    def make():
        filters = stem_filters(loaded.model)  # (C, p, p, 3)
        layout = gallery_layout(len(filters), filters.shape[1:3], stem_order(filters))
        return rgb_gallery_image(filters, layout), layout

    return memo.per_model(loaded.model, "stem", make)


def encoded(loaded: LoadedModel, name: str, picture: np.ndarray) -> bytes:
    """A weights-only picture as (palette) PNG bytes, encoded once per model: every export copies it."""
    return memo.per_model(loaded.model, ("png", name), lambda: palette_png_bytes(picture))


def weight_pictures(loaded: LoadedModel) -> dict[str, np.ndarray]:
    """Every weights-only picture an export holds: token_mixing_blockNN and stem_filters."""
    pictures = {
        f"token_mixing_block{b:02d}": token_mixing_gallery(loaded, b)[0] for b in range(len(loaded.model.blocks))
    }
    pictures["stem_filters"] = stem_gallery(loaded)[0]
    return pictures


@memo.TIMELINE_GALLERIES
def timeline_gallery(block: int, epoch: int) -> tuple[np.ndarray, float]:
    """The embedded model's token-mixing units of one block at one saved epoch of its training, each snapshot
    ordered on its own; returns the mosaic and the snapshot's smoothness."""
    maps = timeline_maps(block, epoch)  # (D_S, side, side)
    layout = gallery_layout(len(maps), maps.shape[1:], frequency_order(maps), width_px=520)
    return gallery_image(maps, layout), smoothness(maps)
