"""The corruption lab: the visitor's picture under 15 corruptions at 5 severities, whether the top-1 holds, and for
one cell where in the network it breaks; the model's published robustness numbers beside it."""
from __future__ import annotations

import functools

import gradio as gr

from explorer.analysis.analysis import Analysis
from explorer.analysis.corruptions import CORRUPTIONS, SEVERITIES
from explorer.analysis.shift import shift_view, where_it_breaks
from explorer.app.views.base import CAPTION, NO_IMAGE, Components, Controls, Session, View, drawn, image_figure, \
    load, shown, teaching_text
from explorer.model import embedded
from explorer.model.loading import LoadedModel
from explorer.model.published import TEST_SET_NAMES, TEST_SETS, published_top1
from explorer.render import plotly as plots
from explorer.render.mpl.shift import break_figure, shift_grid_figure
from explorer.render.plotly.shift import break_lens_plot, distance_plot, severity_plot

TEXT = (
    "When does the model stop seeing it? Your picture, as the model sees it, under the 15 standard corruptions of "
    "ImageNet-C and CIFAR-10-C (Hendrycks & Dietterich, 2019) at 5 severities: each cell says whether the top-1 "
    "holds, and with what probability. Pick a cell (a corruption and a severity) to see where it breaks: after "
    "every block, how far the corrupted picture's tokens are from the clean picture's (1 − cosine similarity, over "
    "the patches), and the logit lens of both. All-MLP models are known to be fragile off their training "
    "distribution: their published numbers on ImageNet's shifted test sets are below."
)
FIRST_CELL = ("fog", 3)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    with gr.Row(elem_classes=["view-controls"], equal_height=True):
        ui.shift_corruption = gr.Dropdown(list(CORRUPTIONS), value=FIRST_CELL[0], label="Corruption (the cell to open)",
                                          elem_id="shift-corruption", scale=2)
        ui.shift_severity = gr.Slider(SEVERITIES[0], SEVERITIES[-1], value=FIRST_CELL[1], step=1, label="Severity",
                                      elem_id="shift-severity", scale=2)
        ui.shift_random = gr.Checkbox(False, label="Random weights of this architecture", elem_id="shift-random",
                                      scale=1)
    ui.shift_md = gr.Markdown(elem_id="shift-text", elem_classes=[CAPTION])
    ui.shift_grid = image_figure("Your picture under 15 corruptions × 5 severities", "shift-grid")
    ui.shift_plot = gr.Plot(label="The clean top-1's probability against severity", show_label=False,
                            elem_id="shift-plot")
    with gr.Row(elem_id="shift-break-row"):
        ui.shift_distance = gr.Plot(label="Where it breaks: token distance per block", show_label=False,
                                    elem_id="shift-distance")
        ui.shift_lens = gr.Plot(label="Logit lens, corrupted beside clean", show_label=False, elem_id="shift-lens")
    ui.shift_break = image_figure("Where it breaks, per patch", "shift-break")


def published_line(loaded: LoadedModel) -> str:
    """The model's published top-1 on ImageNet and its shifted test sets (or the embedded model's own table)."""
    if loaded.name == embedded.EMBEDDED_NAME:
        table = embedded.read_card().get("cifar10_c")
        if not table:
            return ""
        return (f"This model on CIFAR-10-C-style corruptions of {table['images']:,} held-out images: clean "
                f"{table['clean']:.1%}, mean over corruptions and severities **{table['mean']:.1%}**.")
    numbers = published_top1(loaded.name)
    if numbers is None:
        return "timm has published no robustness numbers for these weights."
    shown_sets = [f"{TEST_SET_NAMES[t]} {getattr(numbers, t):.1f}%" for t in TEST_SETS
                  if getattr(numbers, t) is not None]
    return f"Published top-1 of {numbers.name}: " + " · ".join(shown_sets) + f" ({numbers.source})."


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """The grid (75 corrupted pictures, classified in batched passes with a progress bar, kept with the image's
    analysis) and the picked cell's break view."""
    if s.analysis is None:
        empty = plots.empty_plot(NO_IMAGE, large=c.present)
        return {ui.shift_md: NO_IMAGE, ui.shift_grid: None, ui.shift_plot: empty, ui.shift_distance: empty,
                ui.shift_lens: empty, ui.shift_break: None}
    analysis = s.analysis
    if c.shift_random:  # the same architecture, untrained: what training bought
        analysis = Analysis.of(load(c.model, "random"), c.image, s.session)
    progress = gr.Progress()
    grid = shift_view(analysis, progress=lambda done, total: progress((done, total), unit="pictures",
                                                                     desc="classifying the corrupted pictures"))
    corruption = c.shift_corruption if c.shift_corruption in CORRUPTIONS else FIRST_CELL[0]
    severity = min(max(int(c.shift_severity or FIRST_CELL[1]), SEVERITIES[0]), SEVERITIES[-1])
    broken = where_it_breaks(analysis, corruption, severity)
    held = int(grid.holds.sum())
    where = ("the top-1 holds" if broken.breaks_at is None
             else f"the clean top-1 is lost from block {broken.breaks_at} on")
    text = (f"**{analysis.loaded.name}** ({analysis.loaded.weights}) · clean: **{grid.clean_label}** "
            f"{grid.clean_probability:.0%} · the top-1 holds in **{held} of {grid.holds.size}** cells · "
            f"{corruption.replace('_', ' ')} at severity {severity}: {where}.\n\n{published_line(analysis.loaded)}")
    figure = functools.partial(shift_grid_figure, wide=c.present)  # a slide: one column per corruption, wide
    return {ui.shift_md: text, ui.shift_grid: shown(drawn(figure, grid, large=False)),
            ui.shift_plot: severity_plot(grid, large=c.present),
            ui.shift_distance: distance_plot(broken, large=c.present),
            ui.shift_lens: break_lens_plot(broken, large=c.present),
            ui.shift_break: shown(drawn(break_figure, broken, large=c.present))}


VIEW = View("shift", "Corruption lab", TEXT, lay_out, draw, place="shift", opened_from_map=True,
            outputs=("shift_md", "shift_grid", "shift_plot", "shift_distance", "shift_lens", "shift_break"),
            controls=("shift_corruption", "shift_severity", "shift_random"), figures=("#shift-grid",),
            charts=("#shift-plot", "#shift-distance", "#shift-lens"))
