"""The Plotly charts: each draws what its view holds, says in words what a number means, and stays readable
(whole labels, unclipped titles, larger fonts in presentation mode)."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from conftest import EXAMPLES, ROOT
from explorer.render import plotly as plots
from explorer.analysis.activations import ActivationView, UpdatesView
from explorer.analysis.evidence import EvidenceView
from explorer.analysis.logit_lens import LensView
from explorer.analysis import activations, evidence, logit_lens
from explorer.analysis.architecture import PARTS, ArchitectureCard

LONG_LABEL = "great grey owl, great gray owl, Strix nebulosa, a very long name"  # 64 characters


def activation_view(depth: int = 3, grid: int = 4) -> ActivationView:
    rng = np.random.default_rng(0)
    maps = rng.random((depth, grid, grid)) * np.arange(1, depth + 1)[:, None, None]  # later blocks larger
    return ActivationView(rng.random((32, 32, 3)), maps, None, 16)


def evidence_view(label: str = "cat") -> EvidenceView:
    rng = np.random.default_rng(1)
    logits = rng.normal(1.0, 0.5, (4, 4))
    return EvidenceView(rng.random((32, 32, 3)), logits, 3, label, float(logits.mean()), rng.normal(0, 0.01, (32, 32)))


def lens_view(top_probability, final_probability, top_index=(1, 1, 2, 2, 0), labels=None) -> LensView:
    top_index = np.asarray(top_index)
    names = labels or {0: "tabby, tabby cat", 1: "Egyptian cat", 2: LONG_LABEL}
    return LensView(top_index, tuple(names[i] for i in top_index), np.asarray(top_probability, float), 0, names[0],
                    np.asarray(final_probability, float))


def card() -> ArchitectureCard:
    part_params = {"stem": 590_592, "token mixing": 2_376_192, "channel mixing": 56_669_184, "norms and scales": 75_264,
                   "head": 769_000}
    part_gflops = {"stem": 0.23, "token mixing": 0.47, "channel mixing": 11.1, "norms and scales": 0.0, "head": 0.0015}
    return ArchitectureCard("mixer_b16_224", "MLP-Mixer", 16, 224, 196, 768, 384, 3072, 12, sum(part_params.values()),
                            sum(part_gflops.values()), part_params, part_gflops, None)


def heatmaps(fig: go.Figure) -> list[go.Heatmap]:
    return [t for t in fig.data if isinstance(t, go.Heatmap)]


def unwrapped(text: str) -> str:
    return text.replace("<br>", " ")


# The charts' English words, read from the catalogue itself (not through the code's t()), filled in here.
ENGLISH = json.loads((ROOT / "explorer" / "text" / "locales" / "en.json").read_text(encoding="utf-8"))


def words(key: str, **values) -> str:
    return ENGLISH[key].format(**values)


# ---------------------------------------------------------------------------------------------- activations


def test_activations_one_heatmap_per_block_and_a_slider_that_switches_them():
    view = activation_view(depth=3)
    fig = plots.activations_plot(view)
    maps = heatmaps(fig)
    assert len(maps) == 3
    assert [m.visible for m in maps] == [True, False, False]  # block 0 first, one at a time
    for b, m in enumerate(maps):
        assert np.array_equal(np.asarray(m.z), view.maps[b])
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["0", "1", "2"]
    for b, step in enumerate(steps):
        assert step.method == "update"
        assert step.args[0]["visible"] == [i == b for i in range(3)]
        title = words("plot.activations.title", block=b, last=2, what=view.title)
        assert unwrapped(step.args[1]["title.text"]) == title  # the title follows the slider


def test_activations_shared_scale_is_one_range_and_per_block_scale_is_each_blocks_own():
    view = activation_view()
    shared = heatmaps(plots.activations_plot(view, shared_scale=True))
    assert {(m.zmin, m.zmax) for m in shared} == {(view.maps.min(), view.maps.max())}
    own = heatmaps(plots.activations_plot(view, shared_scale=False))
    assert [(m.zmin, m.zmax) for m in own] == [(view.maps[b].min(), view.maps[b].max()) for b in range(3)]


def test_activations_picture_sits_under_the_patch_grid_and_hover_names_the_quantity():
    view = activation_view(grid=4)
    fig = plots.activations_plot(view)
    (image,) = fig.layout.images
    assert image.source.startswith("data:image/png;base64,")
    assert (image.xref, image.yref, image.layer, image.sizing) == ("x", "y", "below", "stretch")
    assert (image.x, image.y, image.sizex, image.sizey) == (-0.5, -0.5, 4, 4)  # patch centres at 0..3
    assert tuple(fig.layout.yaxis.range) == (3.5, -0.5)  # row 0 at the top
    assert fig.layout.yaxis.scaleanchor == "x"  # square patches
    m = heatmaps(fig)[1]
    assert m.hovertemplate == words("plot.activations.hover", block=1, row="%{y}", column="%{x}",
                                    quantity=view.quantity, value="%{z:.4g}") + "<extra></extra>"
    assert view.quantity == ENGLISH["analysis.activations.norm_quantity"]
    assert unwrapped(m.colorbar.title.text) == view.quantity
    assert view.title in unwrapped(fig.layout.title.text) and fig.layout.title.text.startswith("Block 0")


# ---------------------------------------------------------------------------------------------- updates


def test_updates_token_and_channel_mixing_bars_in_their_colours():
    view = UpdatesView(np.array([0.1, 0.123, 0.3]), np.array([0.2, 0.25, 0.05]), "MLP-Mixer")
    fig = plots.updates_plot(view)
    token, channel = fig.data
    assert (token.name, token.marker.color) == (words("plot.updates.token_mixing"), "#2166ac")
    assert (channel.name, channel.marker.color) == (words("plot.updates.channel_mixing"), "#b2182b")
    assert np.allclose(token.y, view.token_mixing) and np.allclose(channel.y, view.channel_mixing)
    assert token.hovertemplate == words("plot.updates.hover", block="%{x}", what=token.name,
                                        share="%{y:.1%}") + "<extra></extra>"
    assert fig.layout.yaxis.title.text == words("plot.updates.ratio")
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y >= 1  # above the plot, not on it


def test_updates_gmlp_is_one_series_with_its_legend_shown():
    view = UpdatesView(np.full(4, np.nan), np.array([0.1, 0.2, 0.3, 0.4]), "gMLP")
    fig = plots.updates_plot(view)
    (whole,) = fig.data
    assert whole.name == words("plot.updates.whole_block")
    assert fig.layout.showlegend is True  # the series' name is the explanation
    assert words("plot.updates.the_whole_block") in whole.hovertemplate


# ---------------------------------------------------------------------------------------------- evidence


def test_evidence_relative_map_is_centred_on_zero_and_explains_the_mean():
    view = evidence_view()
    fig = plots.evidence_plot(view)
    relative, saliency = heatmaps(fig)
    assert np.allclose(relative.z, view.relative)
    # as hover text
    assert np.allclose(np.asarray(relative.customdata)[..., 0].astype(float), view.patch_logits, atol=5e-4)
    assert np.asarray(relative.customdata)[..., 1].flat[0].startswith(("+", "-"))
    limit = np.abs(view.relative).max()
    assert relative.zmid == 0 and np.isclose(relative.zmax, limit) and np.isclose(relative.zmin, -limit)
    assert f"logit {view.logit:.3f}" in unwrapped(relative.colorbar.title.text)
    assert relative.hovertemplate == words("plot.evidence.patch_hover", row="%{y}", column="%{x}", label="cat",
                                           patch="%{customdata[0]}", logit=view.logit,
                                           difference="%{customdata[1]}") + "<extra></extra>"
    assert saliency.zmid == 0 and np.isclose(saliency.zmax, -saliency.zmin)
    assert "input × gradient" in unwrapped(saliency.colorbar.title.text)
    assert unwrapped(fig.layout.title.text) == words("plot.evidence.title", label="cat", index=3, logit=view.logit,
                                                     patches=16)
    assert f"{view.logit:.2f}" in unwrapped(fig.layout.title.text) and " 16 " in unwrapped(fig.layout.title.text)


def test_evidence_colour_bars_sit_between_and_beside_the_panels():
    fig = plots.evidence_plot(evidence_view())
    relative, saliency = heatmaps(fig)
    left_end, right_start = fig.layout.xaxis.domain[1], fig.layout.xaxis2.domain[0]
    assert left_end < relative.colorbar.x < right_start  # in the gap, clear of both panels
    assert saliency.colorbar.x > fig.layout.xaxis2.domain[1]
    assert [(i.xref, i.yref) for i in fig.layout.images] == [("x", "y"), ("x2", "y2")]  # the picture under both
    assert (fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]
            and fig.layout.yaxis2.range[0] > fig.layout.yaxis2.range[1])


def test_evidence_long_label_is_whole_in_the_title_and_the_hover():
    fig = plots.evidence_plot(evidence_view(LONG_LABEL))
    assert "<br>" in fig.layout.title.text  # wrapped, not cut
    assert LONG_LABEL in unwrapped(fig.layout.title.text)
    assert LONG_LABEL in fig.data[0].hovertemplate


# ---------------------------------------------------------------------------------------------- logit lens


def test_lens_names_the_top1_only_where_it_changes_and_keeps_long_labels_whole():
    view = lens_view([0.3, 0.4, 0.5, 0.7, 0.9], [0.2, 0.3, 0.3, 0.5, 0.9])
    fig = plots.lens_plot(view)
    assert list(view.changes) == [0, 2, 4]
    assert [a.x for a in fig.layout.annotations] == [0, 2, 4]
    assert [a.hovertext for a in fig.layout.annotations] == [view.top_label[b] for b in (0, 2, 4)]
    assert all(len(a.text) <= 18 for a in fig.layout.annotations)  # shortened on the chart ...
    lens, final = fig.data
    assert LONG_LABEL in [row[0] for row in lens.customdata]  # ... whole in the hover
    assert lens.name == words("plot.lens.top1") and final.name == words("plot.lens.final", label="tabby")
    assert lens.hovertemplate == words("plot.lens.hover", block="%{x}", top="%{customdata[0]}",
                                       p="%{customdata[1]:.3f}", final="%{customdata[2]}",
                                       final_p="%{customdata[3]:.3g}") + "<extra></extra>"
    above = [a.ay < 0 for a in fig.layout.annotations]
    assert above[0] != above[1]  # neighbouring names on opposite sides of the line
    assert fig.layout.legend.orientation == "h" and fig.layout.legend.y >= 1


def test_lens_title_names_the_final_class_whole_on_a_page_and_short_on_a_slide():
    names = {0: LONG_LABEL, 1: "Egyptian cat", 2: "tabby, tabby cat"}
    view = lens_view([0.3, 0.4, 0.5, 0.7, 0.9], [0.2, 0.3, 0.3, 0.5, 0.9], labels=names)
    assert LONG_LABEL in unwrapped(plots.lens_plot(view).layout.title.text)
    slide = plots.lens_plot(view, large=True).layout.title.text
    assert "'great grey owl'" in slide and slide.count("<br>") == 1  # two lines: the plot keeps its height


def test_lens_scale_fits_the_values():
    tiny = plots.lens_plot(lens_view([0.01, 0.02, 0.05, 0.08, 0.12], [0.001, 0.0, 0.01, 0.05, 0.12]))
    assert tiny.layout.yaxis.type == "log" and tiny.layout.yaxis.title.text == words("plot.lens.probability_log")
    assert np.all(np.asarray(tiny.data[1].y) > 0)  # a zero probability still has a place on a log axis
    assert tiny.data[1].customdata[1][3] == 0.0  # and its hover the true value
    sure = plots.lens_plot(lens_view([0.3, 0.4, 0.5, 0.7, 0.99], [0.2, 0.3, 0.3, 0.5, 0.99]))
    assert (sure.layout.yaxis.type == "linear" and sure.layout.yaxis.range[0] == 0
            and 0.99 < sure.layout.yaxis.range[1] <= 1.05)
    middling = plots.lens_plot(lens_view([0.1, 0.2, 0.25, 0.3, 0.3], [0.1, 0.1, 0.1, 0.2, 0.3]))
    assert np.isclose(middling.layout.yaxis.range[1], 0.33)


# The chart's size in the app (measured in Chromium): on a 1024-px screen (a plot area of 850 px, PLOT_PX's width),
# and on a 1280×720 lecture slide, whose page sets the height.
DRAWN_PX = {False: (958, None), True: (1214, 474)}


def name_boxes(browser, fig: go.Figure, large: bool, tmp_path) -> list[tuple[float, float, float, float]]:
    """Where the lens's names are drawn, (left, right, top, bottom) in pixels: the figure drawn by Plotly.js in
    Chromium, each name's text box as the page lays it out (its background rectangle is a pixel of padding larger)."""
    width, height = DRAWN_PX[large]
    page_file = tmp_path / f"lens-{large}.html"
    go.Figure(fig).update_layout(width=width, height=height or fig.layout.height).write_html(
        page_file, include_plotlyjs=True, full_html=True)
    page = browser.new_page(viewport={"width": width + 40, "height": 900})
    try:
        page.goto(page_file.as_uri())
        page.wait_for_function(f"() => document.querySelectorAll('.annotation').length === "
                               f"{len(fig.layout.annotations)}", timeout=30_000)
        return [tuple(b) for b in page.evaluate(
            """() => [...document.querySelectorAll('.annotation .annotation-text')].map((e) => {
            const r = e.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; })""")]
    finally:
        page.close()


def boxes_overlap(a, b) -> bool:
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


@pytest.mark.parametrize("curve", ["flat", "steep"])
def test_lens_names_never_run_into_each_other_on_a_deep_model_that_keeps_changing_its_mind(curve, browser, tmp_path):
    depth = 30  # gMLP-S: a random one changes its top-1 at almost every block
    names = {i: f"class number {i}" for i in range(depth)}
    top = np.arange(depth)
    top[-6:] = top[-6]  # ... and settles on its last answer 6 blocks before the end
    # a log axis, a linear one
    rising = np.linspace(0.002, 0.004, depth) if curve == "flat" else np.linspace(0.05, 0.95, depth)
    view = LensView(top, tuple(names[i] for i in top), rising, int(top[-1]), names[int(top[-1])], rising * 0.5)
    for large in (False, True):
        fig = plots.lens_plot(view, large=large)
        placed = fig.layout.annotations
        assert 3 < len(placed) < len(view.changes)  # as many names as fit, not all 25
        assert {a.x for a in placed} <= set(view.changes)
        assert depth - 6 in {a.x for a in placed}  # where the lens settles is always named
        assert [a.x for a in placed] == sorted(a.x for a in placed)
        boxes = name_boxes(browser, fig, large, tmp_path)
        assert len(boxes) == len(placed) and all(b[1] - b[0] > 20 for b in boxes)  # every name drawn, as a box of text
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                # names never sit on each other, at any height, as drawn
                assert not boxes_overlap(a, b), (curve, large, a, b)
    if curve == "flat":
        # 1, 2, 5 between the powers: no crowded digits
        assert plots.lens_plot(view, large=True).layout.yaxis.dtick == "D2"
        assert plots.lens_plot(view, large=False).layout.yaxis.dtick is None


def test_lens_ticks_stay_readable_for_deep_models():
    for depth, step in ((8, 1), (16, 1), (24, 2), (36, 4)):
        top = np.zeros(depth, int)
        fig = plots.lens_plot(lens_view(np.linspace(0.3, 0.9, depth), np.linspace(0.3, 0.9, depth), top_index=top))
        assert fig.layout.xaxis.dtick == step


# ------------------------------------------------------------------------------------- comparison, architecture, empty


def test_comparison_one_line_per_model_of_any_depth():
    fig = plots.comparison_plot(["embedded (pretrained)", "embedded (random)"],
                                [[0.3, 0.4, 0.5], [0.01, 0.0, -0.01, 0.02]])
    assert [t.name for t in fig.data] == ["embedded (pretrained)", "embedded (random)"]
    assert [len(t.x) for t in fig.data] == [3, 4]
    assert fig.data[1].hovertemplate == words("plot.comparison.hover", name="embedded (random)", block="%{x}",
                                              value="%{y:.3f}") + "<extra></extra>"
    assert fig.layout.xaxis.title.text == words("plot.comparison.block")
    assert fig.layout.yaxis.title.text == words("plot.comparison.smoothness_noise")
    with pytest.raises(ValueError):
        plots.comparison_plot(["one"], [[0.1], [0.2]])
    long = ["mixer_b16_224.goog_in21k_ft_in1k (pretrained)", "mixer_l16_224.goog_in21k_ft_in1k (random)"]
    short_legend, long_legend = (plots.comparison_plot(names, [[0.1, 0.2], [0.0, 0.1]], large=True)
                                 for names in (["a (random)", "b (random)"], long))
    assert long_legend.layout.margin.t > short_legend.layout.margin.t  # room above the plot for a legend of two rows
    # a slide's short axis: the chart's title says the rest
    assert short_legend.layout.yaxis.title.text == words("plot.comparison.smoothness")


def test_architecture_bars_add_up_to_the_card_in_parts_order():
    c = card()
    fig = plots.architecture_plot(c)
    params, flops = fig.data
    names = [words(f"plot.architecture.{part.replace(' ', '_')}") for part in PARTS]
    assert list(params.y) == names and list(flops.y) == names
    assert sum(params.x) == c.params and np.isclose(sum(flops.x), c.gflops)
    assert params.hovertemplate == words("plot.architecture.param_hover", part="%{y}", params="%{x:,.0f}",
                                         share="%{customdata:.1%}", total=f"{c.params:,}") + "<extra></extra>"
    assert unwrapped(fig.layout.xaxis2.title.text) == words("plot.architecture.gflops_counted")
    assert str(c.params) not in fig.layout.title.text and f"{c.params:,}" in unwrapped(fig.layout.title.text)


def test_empty_plot_says_why():
    fig = plots.empty_plot("Upload an image first")
    assert fig.layout.annotations[0].text == "Upload an image first"
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False


# ---------------------------------------------------------------------------------------------- presentation mode


def every_plot(large: bool) -> dict[str, go.Figure]:
    return {
        "activations": plots.activations_plot(activation_view(), large=large),
        "updates": plots.updates_plot(UpdatesView(np.array([0.1, 0.2]), np.array([0.2, 0.1]), "MLP-Mixer"),
                                      large=large),
        "evidence": plots.evidence_plot(evidence_view(), large=large),
        "lens": plots.lens_plot(lens_view([0.3, 0.4, 0.5, 0.7, 0.9], [0.2, 0.3, 0.3, 0.5, 0.9]), large=large),
        "comparison": plots.comparison_plot(["a", "b"], [[0.1, 0.2], [0.0, 0.1]], large=large),
        "architecture": plots.architecture_plot(card(), large=large),
        "empty": plots.empty_plot("Upload an image first", large=large),
    }


def test_large_makes_every_font_larger_and_leaves_the_height_to_the_page():
    normal, large = every_plot(False), every_plot(True)
    for name, fig in normal.items():
        big = large[name]
        assert fig.layout.template.layout.paper_bgcolor == "white", name  # plotly_white
        assert fig.layout.font.size == 14 and big.layout.font.size == 22, name
        assert big.layout.hoverlabel.font.size == 22 and big.layout.title.font.size > fig.layout.title.font.size, name
        assert big.layout.height is None and 420 <= fig.layout.height <= 560, name  # lecture mode: sized to the screen
        assert all(a.font.size > b.font.size for a, b in zip(big.layout.annotations, fig.layout.annotations)), name
        assert fig.layout.meta["name"], name  # its accessible name (page.js)
        json.loads(fig.to_json())  # what the browser receives


def test_top_margin_grows_with_the_title():
    short = plots.comparison_plot(["a"], [[0.1]])
    wrapped = plots.evidence_plot(evidence_view(LONG_LABEL), large=True)
    lines = wrapped.layout.title.text.count("<br>") + 1
    assert lines >= 3 and wrapped.layout.margin.t >= lines * wrapped.layout.title.font.size * 1.3
    assert short.layout.margin.t < wrapped.layout.margin.t


# ---------------------------------------------------------------------------------------------- the real model


def test_plots_of_the_embedded_model_on_a_photo():
    from explorer import load_model
    from explorer.analysis.analysis import Analysis

    analysis = Analysis(load_model("embedded"), EXAMPLES / "chelsea-cat.jpg")
    maps = activations.view(analysis)
    fig = plots.activations_plot(maps)
    assert len(heatmaps(fig)) == len(maps.maps) == len(fig.layout.sliders[0].steps)
    shown = evidence.view(analysis)
    fig = plots.evidence_plot(shown)
    assert np.allclose(heatmaps(fig)[0].z, shown.relative) and shown.label in fig.layout.title.text
    lens = logit_lens.view(analysis)
    fig = plots.lens_plot(lens)
    assert [a.x for a in fig.layout.annotations] == list(lens.changes)
    updates = activations.updates(analysis)
    fig = plots.updates_plot(updates)
    assert len(fig.data) == (2 if updates.separate else 1)
    for fig in (plots.activations_plot(maps, large=True), plots.evidence_plot(shown, large=True)):
        json.loads(fig.to_json())


def test_activations_open_on_the_block_asked_for():
    view = activation_view()
    fig = plots.activations_plot(view, block=2)
    assert [trace.visible for trace in fig.data] == [b == 2 for b in range(len(view.maps))]
    assert fig.layout.sliders[0].active == 2 and fig.layout.title.text.startswith("Block 2")
    assert plots.activations_plot(view, block=99).layout.sliders[0].active == len(view.maps) - 1  # clamped
    lecture = plots.activations_plot(view, block=2, large=True)  # the page's Block slider chooses: no second one
    assert (not lecture.layout.sliders
            and [trace.visible for trace in lecture.data] == [b == 2 for b in range(len(view.maps))])


# ---------------------------------------------------------------------------------------------- Teach it, patch drop


def learned_view(classes: int = 3):
    """A lesson learned on made-up features: class k's images near centre k (a probe needs no model to be drawn)."""
    from explorer.analysis.probe import fit_probe, layout, leading_directions
    from explorer.analysis.teach import Learned

    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(classes), 4)
    features = rng.normal(0, 1, (classes, 16))[labels] + rng.normal(0, 0.8, (len(labels), 16))
    probe = fit_probe(features, labels, classes)
    directions, own = leading_directions(probe, features)
    names = tuple(f"img{i}.jpg" for i in range(len(labels)))
    return Learned(("embedded", "pretrained", "assets"), tuple(f"class <{k}>" for k in range(classes)),
                   (4,) * classes, (), names, labels, probe, directions, own, layout(probe, features, directions))


@pytest.mark.parametrize("large", [False, True])
def test_the_probe_chart_draws_every_training_image_and_the_image_looked_at(large):
    from explorer.analysis.teach import probe_answer

    learned = learned_view()
    answer = probe_answer(learned, np.zeros(16))
    fig = plots.probe_plot(learned, answer, large=large)
    by_name = {trace.name: trace for trace in fig.data}
    assert [len(by_name[f"class &lt;{k}&gt;"].x) for k in range(3)] == [4, 4, 4]  # names escaped for Plotly
    assert list(by_name[words("plot.teach.this_image")].x) == [answer.point[0]]
    assert fig.layout.xaxis.title.text == words("plot.teach.direction", number=1)
    assert fig.layout.yaxis.title.text == words("plot.teach.direction", number=2)
    assert f"{learned.probe.loo_accuracy:.0%}" in fig.layout.title.text
    two = plots.probe_plot(learned_view(classes=2))  # one direction of its own: the second axis says what it is
    assert two.layout.yaxis.title.text == words("plot.teach.variation")
    assert words("plot.teach.this_image") not in {t.name for t in two.data}


def test_the_patch_drop_chart_has_both_curves_in_both_panels_and_says_what_a_dropped_patch_is():
    from explorer.analysis.patch_drop import PatchDropCurve, PatchDropView

    shares = np.round(np.arange(10) * 0.1, 1)
    rng = np.random.default_rng(0)
    curve = PatchDropCurve(shares, rng.random((10, 4)), rng.random((10, 4)) > 0.5, 3)
    fig = plots.patch_drop_plot(PatchDropView(curve, curve, "embedded", "pretrained", "ship", "frog"))
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len(lines) == 4 and {t.xaxis for t in lines} == {"x", "x2"}
    np.testing.assert_allclose(lines[0].y, curve.mean_probability)
    np.testing.assert_allclose(lines[1].y, curve.holds_rate)
    assert unwrapped(fig.layout.title.text) == words("plot.patch_drop.title", model="embedded")
    alone = plots.patch_drop_plot(PatchDropView(curve, None, "embedded", "random", "ship", None))
    assert len([t for t in alone.data if t.mode == "lines+markers"]) == 2
