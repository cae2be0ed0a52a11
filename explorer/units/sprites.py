"""JPEG sprites: many equal tiles in one image, for shipping a reference set's images or feature pictures.

Sprites are JPEG without chroma subsampling: each 8x8 block is then coded on its own, so a tile whose sides are
multiples of 8 decodes to the same pixels wherever it sits in the sprite (`jpeg_rendition` gives them without
making a sprite), at a third of a lossless WebP's bytes. (No `optimize`: Pillow then needs the whole JPEG to
fit in width x height bytes, which a sharp 4:4:4 sprite can exceed.)
"""
from __future__ import annotations

import io

import numpy as np
from PIL import Image

SPRITE_COLUMNS = 64
INDEX_QUALITY = 75  # CIFAR-10's JPEGs were made at 75: re-encoding them at 75 changes them least
FEATURE_QUALITY = 90  # feature images are sharper than photos: at 75 some lose a fifth of their activation


def jpeg_options(quality: int) -> dict:
    return dict(format="jpeg", quality=quality, subsampling=0)


def sprite_image(tiles: np.ndarray) -> Image.Image:
    """(n, h, w, 3) uint8 -> one RGB image, SPRITE_COLUMNS tiles a row (the last row padded with black)."""
    n, h, w, _ = tiles.shape
    rows = -(-n // SPRITE_COLUMNS)
    padded = np.zeros((rows * SPRITE_COLUMNS, h, w, 3), np.uint8)
    padded[:n] = tiles
    grid = padded.reshape(rows, SPRITE_COLUMNS, h, w, 3).transpose(0, 2, 1, 3, 4)  # (rows, h, columns, w, 3)
    return Image.fromarray(grid.reshape(rows * h, SPRITE_COLUMNS * w, 3))


def sprite_tiles(image: Image.Image, n: int, tile: tuple[int, int]) -> np.ndarray:
    """The inverse of `sprite_image`: (n, h, w, 3) uint8."""
    h, w = tile
    grid = np.asarray(image.convert("RGB"))
    rows = grid.shape[0] // h
    tiles = grid.reshape(rows, h, SPRITE_COLUMNS, w, 3).transpose(0, 2, 1, 3, 4)  # (rows, columns, h, w, 3)
    return np.ascontiguousarray(tiles.reshape(-1, h, w, 3)[:n])


def jpeg_rendition(tiles: np.ndarray, quality: int) -> np.ndarray:
    """(n, h, w, 3) uint8 -> each tile as a JPEG sprite of this quality gives it back (h and w multiples of 8)."""
    def roundtrip(tile: np.ndarray) -> np.ndarray:
        buf = io.BytesIO()
        Image.fromarray(tile).save(buf, **jpeg_options(quality))
        return np.asarray(Image.open(buf).convert("RGB"))

    return np.stack([roundtrip(t) for t in tiles])

