"""One renderer per tab: from the controls and the session's analysis to its own components' values. Each asks
explorer.app.presenters (and explorer.analysis) for what it shows and draws it; none computes.

A renderer is `draw(ui, controls, analysis) -> {component: value}`, registered in RENDERERS under its view id;
`analysis` is the session's analysis of the current image on the current model (made on first use), so every
tab reads the same one forward pass.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any, Callable

import gradio as gr
import numpy as np

from explorer.analysis.analysis import Analysis
from explorer.analysis.model_views import architecture_card, token_mixing
from explorer.analysis.teach import Lesson
from explorer.app import presenters as show
from explorer.app.lessons import drop_text, teach_screen
from explorer.app.inputs import require_image
from explorer.app.layout import SHARED_SCALE, TOUR_PROMPT, Components
from explorer.app.page import LABEL_MARGIN
from explorer.model.loading import LoadedModel, load_model
from explorer.render import mpl as figures
from explorer.render import plotly as plots
from explorer.render.galleries import stem_gallery, timeline_gallery, token_mixing_gallery
from explorer.render.mpl import unit_page_figure
from explorer.text.guidance import view_note

NO_IMAGE = "Upload an image (or pick an example) to see this view."
PRESENTATION_TEXT_SCALE = 2.2  # matplotlib's 9-10 pt, shown at ~0.8x on a 1280-px screen, to the ~23 px body text
UNIT_PAGE_TEXT_SCALE = 1.6  # a unit's page has five panels and long titles: larger would crowd them


@dataclass(frozen=True)
class Controls:
    """Every control a view may read, each named as its component (one list of inputs for every view)."""

    image: str | None
    model: str | None
    weights: str
    top_k: float
    block: float
    present: bool
    channel: float | None
    scale: str
    patch: float | None
    class_index: float | None
    step: float
    snapshot: float
    model_b: str | None
    weights_b: str
    unit_index: float | None
    unit_kind: str = "channel"
    lesson: Lesson | None = None  # the visitor's "Teach it" classes (a gr.State)


CONTROLS = tuple(f.name for f in fields(Controls))


def load(model: str | None, weights: str | None) -> LoadedModel:
    return load_model(model or None, weights or "pretrained")


def analysis_of(image: str | None, loaded: LoadedModel, session: str | None) -> Analysis:
    """The analysis of an image (made, or kept from before), as the session's current one."""
    return Analysis.of(loaded, require_image(image), session)


class Session:
    """What a renderer reads: the controls' model, and the session's analysis of the image on it (made on first use)."""

    def __init__(self, c: Controls, session: str | None):
        self.c, self.session = c, session

    @functools.cached_property
    def loaded(self) -> LoadedModel:
        return load(self.c.model, self.c.weights)

    @functools.cached_property
    def analysis(self) -> Analysis | None:
        return None if self.c.image is None else analysis_of(self.c.image, self.loaded, self.session)


# ---------------------------------------------------------------------------------------------- drawing


def shown(pixels: np.ndarray) -> np.ndarray:
    """A drawn picture with LABEL_MARGIN white rows on top, where gr.Image lays its label badge."""
    return np.pad(pixels, ((LABEL_MARGIN, 0), (0, 0), (0, 0)), constant_values=255)


def drawn(figure: Callable[..., Any], view: Any, large: bool, scale: float = 0.0) -> np.ndarray:
    """A matplotlib figure of a view as pixels; in presentation mode its text as large as the body text (or
    `scale` times larger, for figures of many panels)."""
    with figures.large_text((scale or PRESENTATION_TEXT_SCALE) if large else 1.0):
        return figures.drawn_once(figure(view))


def unit_picture(loaded: LoadedModel, block: int, unit: int) -> np.ndarray:
    """One token-mixing unit enlarged, with where it writes back (fc2)."""
    view = token_mixing(loaded, block)
    outputs = None if view.outputs is None else view.outputs[unit]
    return shown(figures.drawn_once(figures.token_unit_figure(view.maps[unit], outputs, unit, block)))


# ---------------------------------------------------------------------------------------------- the renderers


def draw_predictions(ui: Components, c: Controls, s: Session) -> dict:
    """The predictions themselves are drawn on every new image; here, what this model knows beside them."""
    return {ui.predict_note: show.predictions_note(s.analysis)}


def draw_tour(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.tour_text: TOUR_PROMPT, ui.tour_image: None}
    text, step = show.tour_step(s.analysis, c.step)
    figure = functools.partial(figures.tour_figure, slide=c.present)  # a slide: wide figures span the screen
    return {ui.tour_text: text, ui.tour_image: shown(drawn(figure, step, large=c.present))}


def draw_token_mixing(ui: Components, c: Controls, s: Session) -> dict:
    b = show.block_index(s.loaded, c.block)
    note = f"{show.token_mixing_note(s.loaded, b)}\n\n{view_note('token-mixing', s.loaded)}"
    out = {ui.gallery: shown(token_mixing_gallery(s.loaded, b)[0]), ui.gallery_note: note}
    unit = show.enlarged_unit(s.loaded, b, c.unit_index)
    if unit is not None:
        out[ui.unit] = unit_picture(s.loaded, b, unit)
    return out


def draw_stem(ui: Components, c: Controls, s: Session) -> dict:
    return {ui.stem: shown(stem_gallery(s.loaded)[0]), ui.stem_note: view_note("stem", s.loaded)}


def draw_activations(ui: Components, c: Controls, s: Session) -> dict:
    a = s.analysis
    if a is None:
        return {ui.activations: plots.empty_plot(NO_IMAGE, large=c.present), ui.top_table: [], ui.updates: None}
    b = show.block_index(a.loaded, c.block)
    maps = a.activations(show.optional_index(c.channel))
    return {
        ui.activations: plots.activations_plot(maps, shared_scale=c.scale == SHARED_SCALE, large=c.present, block=b),
        ui.top_table: show.top_channel_rows(a, b, c.patch),
        ui.updates: plots.updates_plot(a.updates(), large=c.present),
    }


def draw_evidence(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.evidence: plots.empty_plot(NO_IMAGE, large=c.present)}
    return {ui.evidence: plots.evidence_plot(s.analysis.evidence(show.optional_index(c.class_index)), large=c.present)}


def draw_lens(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.lens: plots.empty_plot(NO_IMAGE, large=c.present), ui.lens_table: []}
    lens = plots.lens_plot(s.analysis.logit_lens(), large=c.present)
    return {ui.lens: lens, ui.lens_table: show.lens_rows(s.analysis)}


def draw_shuffle(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.shuffle_md: NO_IMAGE, ui.shuffle: None}
    picture = shown(drawn(figures.shuffle_figure, s.analysis.shuffle(), large=False))  # its words: the large line above
    return {ui.shuffle_md: show.shuffle_text(s.analysis), ui.shuffle: picture}


def draw_drop(ui: Components, c: Controls, s: Session) -> dict:
    """Patch drop: computed when the view is first opened on an image (never on upload), kept in its analysis."""
    if s.analysis is None:
        return {ui.drop_md: NO_IMAGE, ui.drop_plot: plots.empty_plot(NO_IMAGE, large=c.present)}
    view = s.analysis.patch_drop()
    return {ui.drop_md: drop_text(view), ui.drop_plot: plots.patch_drop_plot(view, large=c.present)}


def draw_teach(ui: Components, c: Controls, s: Session) -> dict:
    """The visitor's lesson, and once learned the probe's answer on the image beside the model's own."""
    lesson = c.lesson or Lesson()
    screen = teach_screen(lesson, s.loaded, s.analysis)
    plot = (plots.probe_plot(screen.learned, screen.answer, large=c.present) if screen.learned is not None else
            plots.empty_plot("Name two classes, add images to each and press Learn: your classes appear here, laid "
                             "out by the probe's two leading directions.", large=c.present))
    return {ui.teach_md: screen.summary, ui.teach_answer: screen.probe_scores, ui.teach_model: screen.model_scores,
            ui.teach_plot: plot, ui.teach_gallery: screen.gallery or None,
            ui.teach_class: gr.Dropdown(choices=lesson.names)}


def draw_unit(ui: Components, c: Controls, s: Session) -> dict:
    """A unit's page: its weights, its feature visualisation (shipped, made before, or on request), its top
    dataset examples, and where it fires on the current image."""
    unit = show.unit_of(s.loaded, c.block, c.unit_kind, c.unit_index)
    page = show.page_of(s.loaded, unit, c.image, s.analysis)
    missing = page.feature is None
    figure = functools.partial(unit_page_figure, slide=c.present)  # a slide: one row across the screen
    return {ui.unit_md: show.unit_text(s.loaded, page, with_image=s.analysis is not None),
            ui.unit_page_image: shown(drawn(figure, page, large=c.present, scale=UNIT_PAGE_TEXT_SCALE)),
            ui.unit_feature_button: gr.Button(visible=missing), ui.unit_stop: gr.Button(visible=missing)}


def draw_architecture(ui: Components, c: Controls, s: Session) -> dict:
    card = architecture_card(s.loaded)
    return {ui.arch: show.architecture_markdown(card, s.loaded),
            ui.arch_plot: plots.architecture_plot(card, large=c.present)}


def draw_compare(ui: Components, c: Controls, s: Session) -> dict:
    """Two models side by side: token-mixing units of the same block, smoothness per block, predictions."""
    second = load(c.model_b, c.weights_b)
    # the second model's analysis first, so that the session's current one stays the first model's
    b_analysis = None if c.image is None else analysis_of(c.image, second, s.session)
    sides = {"a": show.compare_side(s.loaded, c.block, s.analysis), "b": show.compare_side(second, c.block, b_analysis)}
    out: dict = {ui.compare_plot: plots.comparison_plot([side.name for side in sides.values()],
                                                        [side.smoothness for side in sides.values()], large=c.present)}
    for key, side in sides.items():
        out[ui[f"gallery_{key}"]] = shown(token_mixing_gallery(side.loaded, side.block)[0])
        out[ui[f"note_{key}"]] = side.note
        out[ui[f"labels_{key}"]] = side.labels
    return out


def draw_timeline(ui: Components, c: Controls, s: Session) -> dict:
    slide = show.timeline_slide(c.snapshot, c.block)
    if slide is None:
        return {ui.timeline: None, ui.timeline_note: "No training timeline is shipped with the embedded model."}
    block, epoch, last = slide
    image, smooth = timeline_gallery(block, epoch)
    note = f"block {block} · epoch {epoch} of {last} · smoothness {smooth:.3f}"
    return {ui.timeline: shown(image), ui.timeline_note: note}


# view id -> its renderer (the Export and Models tabs draw nothing when opened)
RENDERERS: dict[str, Callable[[Components, Controls, Session], dict]] = {
    "predict": draw_predictions, "tour": draw_tour, "token-mixing": draw_token_mixing, "stem": draw_stem,
    "activations": draw_activations, "evidence": draw_evidence, "logit-lens": draw_lens, "shuffle": draw_shuffle,
    "architecture": draw_architecture, "compare": draw_compare, "timeline": draw_timeline, "unit": draw_unit,
    "drop": draw_drop, "teach": draw_teach,
}
# every component a renderer may set: the outputs of every view's event
VIEW_OUTPUTS = ("view", "predict_note", "tour_text", "tour_image", "gallery", "gallery_note", "unit", "stem",
                "stem_note", "activations", "top_table", "updates", "evidence", "lens", "lens_table", "shuffle_md",
                "shuffle", "arch", "arch_plot", "compare_plot", "gallery_a", "note_a", "labels_a", "gallery_b",
                "note_b", "labels_b", "timeline", "timeline_note", "unit_md", "unit_page_image", "unit_feature_button",
                "unit_stop", "drop_md", "drop_plot", "teach_md", "teach_answer", "teach_model", "teach_plot",
                "teach_gallery", "teach_class")


def draw(ui: Components, view: str, c: Controls, session: str | None) -> dict:
    """The open view's components (and the view itself, kept in the page's state)."""
    renderer = RENDERERS.get(view)
    return {ui.view: view, **(renderer(ui, c, Session(c, session)) if renderer else {})}
