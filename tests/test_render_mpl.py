"""With matplotlib, figures become the same pixels in memory as in a PNG, and drawing leaves nothing heavy behind."""
import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from explorer.render import mpl as figures
from explorer.render.mpl.common import DPI
from explorer.render.mpl.output import figure_array
from explorer.render.mpl.panels import panels_figure


def a_figure():
    from explorer.analysis.activations import ActivationView

    rng = np.random.default_rng(0)
    return figures.activations_figure(ActivationView(rng.random((32, 32, 3)), rng.random((4, 8, 8)), None,
                                                     16))


def test_figure_array_is_the_png_without_the_round_trip():
    pixels = figure_array(a_figure())
    png = Image.open(io.BytesIO(figures.figure_bytes(a_figure())))
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 3
    assert png.mode == "RGB" and np.array_equal(pixels, np.asarray(png))
    # against matplotlib's own PNG writer: the same size (inches x dpi) and the same pixels
    fig = a_figure()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi)
    reference = np.asarray(Image.open(buf).convert("RGB"))
    width, height = (fig.get_size_inches() * fig.dpi).round().astype(int)
    assert png.size == (width, height) and reference.shape == (height, width, 3)
    assert np.array_equal(np.asarray(png), reference)
    # a white page with a picture on it
    assert tuple(reference[2, 2]) == (255, 255, 255) and len(np.unique(reference.reshape(-1, 3), axis=0)) > 100


def test_panels_are_placed_pixel_for_pixel_and_enlarged_whole():
    red, blue = np.zeros((8, 8, 3)), np.zeros((8, 8, 3))
    red[..., 0], blue[..., 2] = 1.0, 1.0
    pixels = figure_array(panels_figure([red, blue], ["red", "blue"], "two squares", inches=0.6))
    zoom = round(0.6 * DPI / 8)
    for colour in ((255, 0, 0), (0, 0, 255)):  # every pixel of each square kept its exact colour: no resampling blur
        assert np.all(pixels == colour, axis=-1).sum() == (8 * zoom) ** 2


def test_small_probabilities_get_plain_tick_labels():
    from explorer.analysis.logit_lens import LensView

    depth = 6
    view = LensView(np.arange(depth), tuple(f"class {i}" for i in range(depth)), np.full(depth, 0.003), 5, "class 5",
                    np.linspace(0.001, 0.003, depth))
    fig = figures.lens_figure(view)
    figure_array(fig)  # tick labels are made when drawn
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ax.get_yscale() == "log" and labels and all("$" not in t and float(t) > 0 for t in labels)


def test_drawing_keeps_no_renderer_and_can_be_repeated():
    fig = a_figure()
    first = figure_array(fig)
    assert not isinstance(fig.canvas, FigureCanvasAgg)  # the megabytes of the Agg buffer went with its canvas
    assert figure_array(fig).shape == first.shape


def test_release_empties_figures_and_leaves_arrays_alone():
    fig, array = a_figure(), np.zeros((2, 2, 3), np.uint8)
    figures.release({"chart": fig, "gallery": array})
    assert fig.axes == [] and array.shape == (2, 2, 3)
