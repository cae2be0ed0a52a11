"""Drawing: figures become the same pixels in memory as in a PNG, and drawing leaves nothing heavy behind."""
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from explorer import figures


def a_figure():
    from explorer.analysis import ActivationView

    rng = np.random.default_rng(0)
    return figures.activations_figure(ActivationView(rng.random((32, 32, 3)), rng.random((4, 8, 8)), "norms", "‖activation‖", None))


def test_figure_array_is_the_png_without_the_round_trip():
    pixels = figures.figure_array(a_figure())  # two fresh figures: constrained layout settles over draws
    from_png = np.asarray(Image.open(io.BytesIO(figures.figure_bytes(a_figure()))).convert("RGB"))
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3
    assert np.array_equal(pixels, from_png)


def test_drawing_keeps_no_renderer_and_can_be_repeated():
    fig = a_figure()
    first = figures.figure_array(fig)
    assert not isinstance(fig.canvas, FigureCanvasAgg)  # the megabytes of the Agg buffer went with its canvas
    assert figures.figure_array(fig).shape == first.shape


def test_png_bytes_round_trip_exactly():
    image = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(figures.png_bytes(image)))), image)


def test_release_empties_figures_and_leaves_arrays_alone():
    fig, array = a_figure(), np.zeros((2, 2, 3), np.uint8)
    figures.release({"chart": fig, "gallery": array})
    assert fig.axes == [] and array.shape == (2, 2, 3)


def test_a_gallery_keeps_its_colours_in_a_palette_png():
    from explorer.model_views import token_mixing_gallery
    from explorer import load_model

    gallery = token_mixing_gallery(load_model("embedded"), 0)[0]
    decoded = np.asarray(Image.open(io.BytesIO(figures.palette_png_bytes(gallery))).convert("RGB")).astype(int)
    assert decoded.shape == gallery.shape and np.abs(decoded - gallery).max() <= 12
    assert len(figures.palette_png_bytes(gallery)) < len(figures.png_bytes(gallery)) / 2
