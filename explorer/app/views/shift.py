"""The corruption lab: the visitor's picture under 15 corruptions at 5 severities, whether the top-1 holds, and for
one cell where in the network it breaks; the model's published robustness numbers beside it."""
from __future__ import annotations

import functools

import gradio as gr

from explorer.analysis.analysis import Analysis
from explorer.analysis.corruptions import CORRUPTIONS, SEVERITIES
from explorer.analysis.shift import shift_view, where_it_breaks
from explorer.app.views.base import CAPTION, Components, Controls, Session, SubPlace, View, described, drawn, \
    image_figure, load, no_image, shown, teaching_text
from explorer.model import embedded
from explorer.model.loading import LoadedModel
from explorer.model.published import TEST_SET_NAMES, TEST_SETS, published_top1
from explorer.render import plotly as plots
from explorer.render.mpl.shift import break_figure, shift_grid_figure
from explorer.render.plotly.shift import break_lens_plot, distance_plot, severity_plot
from explorer.text.i18n import label, t
from explorer.text.teaching import weights_name

# each corruption's name in words (the dropdown's labels, the summary line); the values stay ImageNet-C's names
CORRUPTION_NAMES = {
    "gaussian_noise": "shift.corruption.gaussian_noise", "shot_noise": "shift.corruption.shot_noise",
    "impulse_noise": "shift.corruption.impulse_noise", "defocus_blur": "shift.corruption.defocus_blur",
    "glass_blur": "shift.corruption.glass_blur", "motion_blur": "shift.corruption.motion_blur",
    "zoom_blur": "shift.corruption.zoom_blur", "snow": "shift.corruption.snow", "frost": "shift.corruption.frost",
    "fog": "shift.corruption.fog", "brightness": "shift.corruption.brightness", "contrast": "shift.corruption.contrast",
    "elastic_transform": "shift.corruption.elastic_transform", "pixelate": "shift.corruption.pixelate",
    "jpeg_compression": "shift.corruption.jpeg_compression",
}
FIRST_CELL = ("fog", 3)


def corruption_name(corruption: str) -> str:
    """A corruption's name in the visitor's language ("fog" → "niebla")."""
    return t(CORRUPTION_NAMES[corruption]) if corruption in CORRUPTION_NAMES else corruption.replace("_", " ")


def lay_out(ui: Components) -> None:
    teaching_text("shift.text")
    with gr.Row(elem_classes=["view-controls"], equal_height=True):
        ui.shift_corruption = gr.Dropdown([(label(CORRUPTION_NAMES.get(c, c)), c) for c in CORRUPTIONS],
                                          value=FIRST_CELL[0], label=label("shift.corruption"),
                                          elem_id="shift-corruption", scale=2)
        ui.shift_severity = gr.Slider(SEVERITIES[0], SEVERITIES[-1], value=FIRST_CELL[1], step=1,
                                      label=label("shift.severity"), elem_id="shift-severity", scale=2)
        ui.shift_random = gr.Checkbox(False, label=label("shift.random"), elem_id="shift-random", scale=1)
    ui.shift_md = gr.Markdown(elem_id="shift-text", elem_classes=[CAPTION])
    ui.shift_grid = image_figure("shift.grid", "shift-grid")
    ui.shift_plot = gr.Plot(label=label("shift.plot"), show_label=False, elem_id="shift-plot")
    with gr.Row(elem_id="shift-break-row"):
        ui.shift_distance = gr.Plot(label=label("shift.distance"), show_label=False, elem_id="shift-distance")
        ui.shift_lens = gr.Plot(label=label("shift.lens"), show_label=False, elem_id="shift-lens")
    ui.shift_break = image_figure("shift.break", "shift-break")


def published_line(loaded: LoadedModel) -> str:
    """The model's published top-1 on ImageNet and its shifted test sets (or the embedded model's own table)."""
    if loaded.name == embedded.EMBEDDED_NAME:
        table = embedded.read_card().get("cifar10_c")
        if not table:
            return ""
        return t("shift.embedded_robustness", images=f"{table['images']:,}", clean=table["clean"], mean=table["mean"])
    numbers = published_top1(loaded.name)
    if numbers is None:
        return t("shift.no_published")
    shown_sets = [f"{TEST_SET_NAMES[test]} {getattr(numbers, test):.1f}%" for test in TEST_SETS
                  if getattr(numbers, test) is not None]
    return t("shift.published", model=numbers.name, numbers=" · ".join(shown_sets), source=numbers.source)


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """The grid (75 corrupted pictures, classified in batched passes with a progress bar, kept with the image's
    analysis) and the picked cell's break view."""
    if s.analysis is None:
        empty = plots.empty_plot(no_image(), large=c.present)
        return {ui.shift_md: no_image(), ui.shift_grid: None, ui.shift_plot: empty, ui.shift_distance: empty,
                ui.shift_lens: empty, ui.shift_break: None}
    analysis = s.analysis
    if c.shift_random:  # the same architecture, untrained: what training bought
        analysis = Analysis.of(load(c.model, "random"), c.image, s.session)
    progress = gr.Progress()
    unit, desc = t("shift.progress_unit"), t("shift.progress")
    grid = shift_view(analysis, progress=lambda done, total: progress((done, total), unit=unit, desc=desc))
    corruption = c.shift_corruption if c.shift_corruption in CORRUPTIONS else FIRST_CELL[0]
    severity = min(max(int(c.shift_severity or FIRST_CELL[1]), SEVERITIES[0]), SEVERITIES[-1])
    broken = where_it_breaks(analysis, corruption, severity)
    held = int(grid.holds.sum())
    where = (t("shift.holds") if broken.breaks_at is None else t("shift.lost_from", block=broken.breaks_at))
    text = t("shift.summary", model=analysis.loaded.name, weights=weights_name(analysis.loaded.weights),
             label=grid.clean_label, p=grid.clean_probability, held=held, cells=grid.holds.size,
             corruption=corruption_name(corruption), severity=severity, where=where)
    text += f"\n\n{published_line(analysis.loaded)}"
    grid_alt = t("shift.grid_alt", model=analysis.loaded.name, corruptions=len(grid.corruptions),
                 severities=len(grid.severities), label=grid.clean_label, p=grid.clean_probability, held=held,
                 cells=grid.holds.size)
    break_alt = t("shift.break_alt", model=analysis.loaded.name, corruption=corruption_name(corruption),
                  severity=severity, where=where, distance=float(broken.distance[-1]))
    figure = functools.partial(shift_grid_figure, wide=c.present)  # a slide: one column per corruption, wide
    return {ui.shift_md: text, ui.shift_grid: described(shown(drawn(figure, grid, large=False)), grid_alt),
            ui.shift_plot: severity_plot(grid, large=c.present),
            ui.shift_distance: distance_plot(broken, large=c.present),
            ui.shift_lens: break_lens_plot(broken, large=c.present),
            ui.shift_break: described(shown(drawn(break_figure, broken, large=c.present)), break_alt)}


VIEW = View("shift", "shift.title", "shift.text", lay_out, draw, place="shift", opened_from_map=True,
            sub_place=SubPlace(under="input", label="map.shift", tip="map.shift_tip"),
            outputs=("shift_md", "shift_grid", "shift_plot", "shift_distance", "shift_lens", "shift_break"),
            controls=("shift_corruption", "shift_severity", "shift_random"), figures=("#shift-grid",),
            charts=("#shift-plot", "#shift-distance", "#shift-lens"))
