"""The corruption lab's pictures and charts draw what the grid and the break view hold."""
from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from conftest import ROOT
from explorer.analysis.logit_lens import LensView
from explorer.analysis.shift import BreakView, ShiftGrid
from explorer.render import style
from explorer.render.mpl.output import figure_array
from explorer.render.mpl.shift import FRAME, break_figure, shift_grid_figure
from explorer.render.plotly.shift import break_lens_plot, distance_plot, severity_plot

CLASSES = ("cat", "dog", "tabby, tabby cat")
# the charts' English words, read from the catalogue itself
ENGLISH = json.loads((ROOT / "explorer" / "text" / "locales" / "en.json").read_text(encoding="utf-8"))


def grid() -> ShiftGrid:
    """fog and contrast at severities 1 and 5; the clean top-1 is class 0 ("cat", 0.7); contrast 5 makes it a dog."""
    probabilities = np.array([[[0.6, 0.3, 0.1], [0.5, 0.2, 0.3]],
                              [[0.55, 0.4, 0.05], [0.2, 0.7, 0.1]]], dtype=np.float32)
    rng = np.random.default_rng(0)
    return ShiftGrid("tiny", "random", "CIFAR-10-C", 0, ("fog", "contrast"), (1, 5), CLASSES,
                     rng.integers(0, 256, (32, 32, 3), dtype=np.uint8),
                     rng.integers(0, 256, (2, 2, 32, 32, 3), dtype=np.uint8),
                     np.array([0.7, 0.2, 0.1], dtype=np.float32), probabilities)


def lens(tops: list[int], final: int) -> LensView:
    tops_ = np.array(tops)
    probability = np.linspace(0.3, 0.9, len(tops))
    return LensView(tops_, tuple(CLASSES[t] for t in tops_), probability, final, CLASSES[final],
                    np.linspace(0.2, 0.8, len(tops)))


def break_view() -> BreakView:
    rng = np.random.default_rng(1)
    distance = rng.random((4, 2, 3)) * np.arange(1, 5)[:, None, None] / 4  # 4 blocks on a 2x3 patch grid
    return BreakView("fog", 5, rng.integers(0, 256, (32, 48, 3), dtype=np.uint8),
                     rng.integers(0, 256, (32, 48, 3), dtype=np.uint8), rng.random((2, 3)) * 0.1, distance,
                     lens([0, 0, 1, 1], 1), lens([0, 0, 0, 0], 0), np.array([0.6, 0.5, 0.2, 0.1]))


def test_the_severity_chart_draws_the_clean_classs_probability_from_severity_0():
    fig = severity_plot(grid())
    assert [t.name for t in fig.data] == [ENGLISH["corruptions.fog"], ENGLISH["corruptions.contrast"]]
    fog, contrast = fig.data
    assert list(fog.x) == [0, 1, 5]
    np.testing.assert_allclose(fog.y, [0.7, 0.6, 0.5], atol=1e-6)
    np.testing.assert_allclose(contrast.y, [0.7, 0.55, 0.2], atol=1e-6)
    assert list(contrast.marker.symbol) == ["circle", "circle", "x-thin-open"]  # contrast 5: a dog now
    assert contrast.customdata[2][0] == "dog" and fog.line.color != contrast.line.color  # weather vs digital
    assert fig.layout.title.text.replace("<br>", " ") == ENGLISH["plot.shift.severity_title"].format(model="tiny",
                                                                                                   label="cat")


def test_the_distance_chart_is_the_mean_over_patches_after_the_stem_and_each_block():
    view = break_view()
    fig = distance_plot(view)
    mean = next(t for t in fig.data if t.name == ENGLISH["plot.shift.mean"])
    assert list(mean.x) == [-1, 0, 1, 2, 3]
    np.testing.assert_allclose(mean.y, np.r_[view.stem_distance.mean(), view.patch_distance.mean(axis=(1, 2))])
    furthest = next(t for t in fig.data if t.name == ENGLISH["plot.shift.furthest"])
    block = view.patch_distance[3]
    assert tuple(furthest.customdata[-1]) == np.unravel_index(block.argmax(), block.shape)
    assert fig.layout.xaxis.ticktext[0] == ENGLISH["plot.shift.stem"]


def test_the_lens_chart_marks_the_block_from_which_the_clean_class_is_gone():
    view = break_view()
    assert view.breaks_at == 2
    fig = break_lens_plot(view)
    assert [shape.x0 for shape in fig.layout.shapes] == [1.5]
    np.testing.assert_allclose(fig.data[1].y, view.clean_class_lens)
    assert fig.layout.title.text.replace("<br>", " ") == ENGLISH["plot.shift.lens_title_changed"].format(label="cat",
                                                                                                        other="dog")


def test_the_grid_picture_frames_each_cell_by_whether_the_top_1_holds():
    g = grid()
    pixels = figure_array(shift_grid_figure(g, side=96))
    holding, lost = (tuple(round(255 * c) for c in to_rgb(colour)) for colour in (style.HOLDS, style.LOST))
    colours = {tuple(p) for p in pixels.reshape(-1, 3)}
    assert holding in colours and lost in colours
    # three holding cells framed blue, one (contrast 5) red: count the frames' top edges, FRAME rows each
    rows_holding = np.all(pixels == holding, axis=-1).sum()
    rows_lost = np.all(pixels == lost, axis=-1).sum()
    assert rows_holding == pytest.approx(3 * rows_lost, rel=0.02)
    assert rows_lost >= 4 * FRAME * 96  # a frame around a 96-pixel picture


def test_the_break_picture_draws_every_block():
    view = break_view()
    pixels = figure_array(break_figure(view))
    assert pixels.ndim == 3 and pixels.shape[1] > pixels.shape[0]


def test_the_wide_grid_of_a_slide_is_the_same_cells_turned_a_quarter():
    g = grid()
    tall, wide = figure_array(shift_grid_figure(g, side=96)), figure_array(shift_grid_figure(g, side=96, wide=True))
    holding, lost = (tuple(round(255 * c) for c in to_rgb(colour)) for colour in (style.HOLDS, style.LOST))
    for colour in (holding, lost):  # the same frames, laid the other way
        assert np.all(tall == colour, axis=-1).sum() == np.all(wide == colour, axis=-1).sum()
    k, v = g.pictures.shape[:2]  # more corruptions than severities + clean: the tall grid is taller, the wide wider
    assert (tall.shape[0] > tall.shape[1]) == (k > v + 1) and (wide.shape[1] > wide.shape[0]) == (k > v + 1)
