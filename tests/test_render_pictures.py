"""Pictures composed in numpy: PNGs that keep their pixels, and a gallery its colours."""
import io

import numpy as np
from PIL import Image

from explorer import load_model
from explorer.render import pictures
from explorer.render.galleries import token_mixing_gallery


def test_png_bytes_round_trip_exactly():
    image = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(pictures.png_bytes(image)))), image)



def test_a_gallery_keeps_its_colours_in_a_palette_png():
    gallery = token_mixing_gallery(load_model("embedded"), 0)[0]
    decoded = np.asarray(Image.open(io.BytesIO(pictures.palette_png_bytes(gallery))).convert("RGB")).astype(int)
    assert decoded.shape == gallery.shape and np.abs(decoded - gallery).max() <= 12
    assert len(pictures.palette_png_bytes(gallery)) < len(pictures.png_bytes(gallery)) / 2
