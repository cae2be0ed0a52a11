"""The words drawn in charts and figures come from the catalogues (explorer/text/locales), in the language of whoever
they are drawn for; every Plotly chart says in a sentence what its own numbers show (layout.meta, which the page
gives it as its accessible description); and matplotlib draws Chinese with no glyph missing (a CJK font, installed
by .ci/run and the Space's packages.txt, falls in glyph by glyph).

Expected words are read from the JSON catalogues here, never through t(); expected numbers are computed here with
NumPy from the view's own arrays."""
from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest
from matplotlib.text import Text

from conftest import EXAMPLES, ROOT
from explorer.analysis.activations import ActivationView, UpdatesView
from explorer.analysis import tour
from explorer.analysis.patch_drop import PatchDropCurve, PatchDropView
from explorer.analysis.teach import probe_answer
from explorer.render import mpl as figures
from explorer.render import plotly as plots
from explorer.render.mpl.output import figure_array
from explorer.render.mpl.shift import break_figure, shift_grid_figure
from explorer.render.plotly.shift import break_lens_plot, distance_plot, severity_plot
from explorer.text.i18n import speaking
from test_render_plotly import card, evidence_view, lens_view, learned_view
from test_render_shift import break_view, grid

LANGUAGES = ("en", "zh-CN", "es")
CJK = re.compile(r"[\u4e00-\u9fff]")


def read(tag: str) -> dict[str, str]:
    return json.loads((ROOT / "explorer" / "text" / "locales" / f"{tag}.json").read_text(encoding="utf-8"))


def activation_view() -> ActivationView:
    rng = np.random.default_rng(0)
    return ActivationView(rng.random((32, 32, 3)), rng.random((3, 4, 4)) * np.arange(1, 4)[:, None, None], None, 16)


def patch_drop_view() -> PatchDropView:
    rng = np.random.default_rng(0)
    shares = np.round(np.arange(10) * 0.1, 1)
    trained = PatchDropCurve(shares, rng.random((10, 4)), rng.random((10, 4)) > 0.3, 3)
    random = PatchDropCurve(shares, rng.random((10, 4)), rng.random((10, 4)) > 0.7, 5)
    return PatchDropView(trained, random, "embedded", "pretrained", "ship", "frog")


def every_chart() -> dict[str, tuple]:
    """Every Plotly chart of every view, each with the numbers its description must hold, as it prints them,
    computed here from the view's arrays."""
    activations, evidence = activation_view(), evidence_view()
    lens = lens_view([0.3, 0.4, 0.5, 0.7, 0.9], [0.2, 0.3, 0.3, 0.5, 0.9])
    updates = UpdatesView(np.array([0.1, 0.25, 0.05]), np.array([0.2, 0.1, 0.3]), "MLP-Mixer")
    architecture, drop, shift, broken, learned = card(), patch_drop_view(), grid(), break_view(), learned_view()
    answer = probe_answer(learned, np.zeros(16))
    params = np.array(list(architecture.part_params.values()), float)
    per_patch = np.concatenate([broken.stem_distance.reshape(1, -1), broken.patch_distance.reshape(4, -1)])
    right = int(np.sum(learned.probe.loo_predicted == learned.labels))
    return {
        "activations": (plots.activations_plot(activations), [f"{activations.maps.max():.3g}"]),
        "updates": (plots.updates_plot(updates), ["25.0%", "30.0%"]),
        "evidence": (plots.evidence_plot(evidence), [f"{(evidence.patch_logits - evidence.logit).max():+.3f}",
                                                     f"{(evidence.patch_logits - evidence.logit).min():+.3f}"]),
        "lens": (plots.lens_plot(lens), ["0.900"]),
        "comparison": (plots.comparison_plot(["a", "b"], [[0.1, 0.25], [0.0, 0.05]]), ["0.250", "0.000"]),
        "architecture": (plots.architecture_plot(architecture), [f"{params.max() / params.sum():.1%}"]),
        "patch drop": (plots.patch_drop_plot(drop), [f"{drop.trained.top1_holds[-1].mean():.0%}",
                                                     f"{drop.random.top1_holds[-1].mean():.0%}"]),
        "severity": (severity_plot(shift), [f"{shift.probabilities[..., 0].min():.3f}"]),
        "distance": (distance_plot(broken), [f"{per_patch.mean(axis=1).max():.3f}"]),
        "break lens": (break_lens_plot(broken), [f"{broken.clean_class_lens[-1]:.3f}"]),
        "teach": (plots.probe_plot(learned, answer), [f"{right}", f"{learned.probe.loo_accuracy:.0%}"]),
    }


@pytest.mark.parametrize("tag", LANGUAGES)
def test_every_chart_describes_its_own_numbers_in_each_language(tag):
    with speaking(tag):
        charts = every_chart()
    for name, (fig, numbers) in charts.items():
        meta = fig.layout.meta
        assert meta["name"] and meta["description"], name
        for number in numbers:
            assert number in meta["description"], (name, number, meta["description"])
        if tag == "zh-CN":
            assert CJK.search(meta["description"]) and CJK.search(meta["name"]), name


def test_a_chart_drawn_for_a_spanish_or_chinese_visitor_carries_that_catalogues_words():
    for tag in ("es", "zh-CN"):
        words = read(tag)
        with speaking(tag):
            fig = plots.updates_plot(UpdatesView(np.array([0.1, 0.2]), np.array([0.2, 0.1]), "MLP-Mixer"))
            lens = plots.lens_plot(lens_view([0.3, 0.4, 0.5, 0.7, 0.9], [0.2, 0.3, 0.3, 0.5, 0.9]))
            shift = severity_plot(grid())
        assert [trace.name for trace in fig.data] == [words["plot.updates.token_mixing"],
                                                       words["plot.updates.channel_mixing"]]
        assert fig.layout.xaxis.title.text == words["plot.updates.block"]
        assert fig.layout.meta["name"] == words["plot.updates.title"].format(family="MLP-Mixer")
        assert lens.layout.yaxis.title.text == words["plot.lens.probability"]
        assert lens.data[0].name == words["plot.lens.top1"]
        assert [trace.name for trace in shift.data] == [words["corruptions.fog"], words["corruptions.contrast"]]
        # Plotly's own placeholders survive the catalogue: the hover still reads the point's values
        assert "%{y:.1%}" in fig.data[0].hovertemplate and "%{x}" in fig.data[0].hovertemplate
    with speaking("en"):
        english = plots.updates_plot(UpdatesView(np.array([0.1, 0.2]), np.array([0.2, 0.1]), "MLP-Mixer"))
    assert english.data[0].name == read("en")["plot.updates.token_mixing"]


def test_the_empty_chart_is_named_and_described_by_its_message():
    fig = plots.empty_plot("Upload an image first")
    assert fig.layout.meta["name"] == fig.layout.meta["description"] == "Upload an image first"


# ---------------------------------------------------------------------------------------------- matplotlib


def texts_of(fig) -> list[str]:
    return [text.get_text() for text in fig.findobj(Text) if text.get_text()]


def drawn_without_missing_glyphs(fig) -> np.ndarray:
    """The figure drawn with matplotlib's "Glyph … missing from font(s)" warning raised as an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return figure_array(fig)


def test_a_missing_glyph_fails_the_drawing():
    # the check itself: a character no installed font has (a private-use code point) is caught
    fig = figures.updates_figure(UpdatesView(np.array([0.1]), np.array([0.2]), "MLP-Mixer"))
    fig.suptitle("\U000f0000")
    with pytest.raises(UserWarning, match="missing from font"):
        drawn_without_missing_glyphs(fig)


def test_matplotlib_figures_draw_chinese_with_no_glyph_missing():
    words = read("zh-CN")
    rng = np.random.default_rng(0)
    with speaking("zh-CN"):
        drawn = {
            "activations": figures.activations_figure(activation_view()),
            "activations, own scale": figures.activations_figure(activation_view(), shared_scale=False),
            "evidence": figures.evidence_figure(evidence_view()),
            "lens": figures.lens_figure(lens_view([0.3, 0.4, 0.5, 0.7, 0.9], [0.2, 0.3, 0.3, 0.5, 0.9])),
            "updates": figures.updates_figure(UpdatesView(np.array([0.1, 0.2]), np.array([0.2, 0.1]), "MLP-Mixer")),
            "shift grid": shift_grid_figure(grid(), side=48),
            "break": break_figure(break_view()),
            "token unit": figures.token_unit_figure(rng.normal(size=(4, 4)), rng.normal(size=(4, 4)), 3, 1),
        }
    expected = {"activations": "mpl.activations.block", "evidence": "mpl.evidence.gradient", "lens": "mpl.lens.top1",
                "updates": "mpl.updates.token_mixing", "shift grid": "mpl.shift.clean", "break": "mpl.shift.stem"}
    for name, fig in drawn.items():
        shown = " ".join(texts_of(fig))
        assert CJK.search(shown), name
        if name in expected:
            assert words[expected[name]].split("{")[0] in shown, name
        assert drawn_without_missing_glyphs(fig).ndim == 3, name


def test_the_tour_reads_its_steps_in_the_language_asked_and_draws_them_in_chinese():
    from explorer import load_model
    from explorer.analysis.analysis import Analysis
    from explorer.analysis.tour import STEP_TITLES

    steps = tour.view(Analysis(load_model("embedded"), EXAMPLES / "chelsea-cat.jpg"))
    for tag in LANGUAGES:
        words = read(tag)
        with speaking(tag):  # the same kept steps, read in each language
            assert [step.title for step in steps] == [words[key] for key in STEP_TITLES]
            assert words["tour.patches_text"].split("{")[0] in steps[1].text
    with speaking("zh-CN"):
        for step in steps:
            fig = figures.tour_figure(step)
            assert CJK.search(" ".join(texts_of(fig)))
            drawn_without_missing_glyphs(fig)


def test_the_cjk_font_is_installed_where_the_app_runs():
    assert "fonts-wqy-microhei" in (ROOT / "packages.txt").read_text().split()  # the Space's Debian packages
    assert "fonts-wqy-microhei" in (ROOT / ".ci" / "run").read_text()


def test_a_units_page_titles_its_weights_in_the_language_asked():
    from explorer.model.families import GMixer, Mixer

    for tag in LANGUAGES:
        words = read(tag)
        with speaking(tag):
            assert Mixer().unit_weights_title(3, 64) == words["families.weights_token"].format(unit=3)
            assert GMixer().unit_weights_title(3, 64) == words["families.weights_gated"].format(unit=3, gate=35)
