"""What every view is made of: the `View` spec, the page's `Components`, the `Controls` a view reads and the
`Session` it draws from, and the few drawing helpers views share.

A view is one module in this package exporting `VIEW = View(...)`; explorer.app.views lists them in page order
and every list of views the app needs (tabs, renderers, outputs, deep-link names, the map's places, lecture
mode's selectors, the slide list in the tests) is built from that one list.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any, Callable, Iterable

import gradio as gr
import numpy as np

from explorer.analysis.analysis import Analysis
from explorer.analysis.teach import Lesson
from explorer.app.inputs import require_image
from explorer.app.model_map import PARTS, STAGES, SubPlace
from explorer.app.outputs import Picture
from explorer.model.loading import WEIGHTS_CHOICES, LoadedModel, load_model
from explorer.render import mpl as figures
from explorer.text.i18n import ENGLISH, catalogues, label, t
from explorer.text.teaching import WEIGHTS_NAMES

NO_IMAGE = "base.no_image"  # the key of "Upload an image (or pick an example) to see this view." (t(NO_IMAGE))
CAPTION = "slide-caption"  # a view's note over its figure: one line on a lecture slide (page.css)
PRESENTATION_TEXT_SCALE = 2.2  # matplotlib's 9-10 pt, shown at ~0.8x on a 1280-px screen, to the ~23 px body text
# px of white above each drawn picture (`shown`): gr.Image lays its label badge over the picture's top-left. A
# lecture slide hides the badge, and page.js clips these rows off.
LABEL_MARGIN = 36
# the places of the model map a view may be marked at: the seven parts and the map's title (the model itself); a
# view with a smaller place of its own under a stage (its `sub_place`) is marked there, at its id
MAP_PARTS = (*PARTS, "model")
LINK_PARAMETERS = ("block", "step", "unit", "kind")  # what a view's deep link may carry beyond model/example/view


class Components:
    """The page's components by name (`ui.labels`), and its tabs by view id (`ui.tab["evidence"]`)."""

    def __init__(self) -> None:
        object.__setattr__(self, "parts", {})
        object.__setattr__(self, "tab", {})  # view id -> gr.Tab

    def __setattr__(self, name: str, component: Any) -> None:
        if name in self.parts:
            raise ValueError(f"two components are called {name!r}")
        self.parts[name] = component

    def __getattr__(self, name: str) -> Any:
        try:
            return self.parts[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self.parts[name]

    def named(self, names: Iterable[str]) -> list[Any]:
        return [self.parts[n] for n in names]


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
    shift_corruption: str = "fog"  # the corruption lab's cell: which corruption, at which severity
    shift_severity: float = 3
    shift_random: bool = False  # the lab on random weights of the same architecture


CONTROLS = tuple(f.name for f in fields(Controls))


def load(model: str | None, weights: str | None) -> LoadedModel:
    return load_model(model or None, weights or "pretrained")


def analysis_of(image: str | None, loaded: LoadedModel, session: str | None) -> Analysis:
    """The analysis of an image (made, or kept from before), as the session's current one."""
    return Analysis.of(loaded, require_image(image), session)


class Session:
    """What a view's draw reads: the controls' model, and the session's analysis of the image on it (made on first
    use)."""

    def __init__(self, c: Controls, session: str | None):
        self.c, self.session = c, session

    @functools.cached_property
    def loaded(self) -> LoadedModel:
        return load(self.c.model, self.c.weights)

    @functools.cached_property
    def analysis(self) -> Analysis | None:
        return None if self.c.image is None else analysis_of(self.c.image, self.loaded, self.session)


Draw = Callable[[Components, Controls, Session], dict]
Stepped = Callable[[Components, str, Controls], dict]  # (ui, "previous"/"next"/"first"/"last", controls)


@dataclass(frozen=True)
class View:
    """One view of the page, whole: everything the app needs to show it, reach it and teach with it.

    id: its deep-link name (`?view=id`) and its tab's id. title: the key of the tab's title in the message
    catalogues (explorer/text/locales; `t(view.title)` for its words). text: the key of what it shows and what to
    look for (Markdown, shown over it), "" for the tour, whose steps say it.
    lay_out: makes its components inside its tab. draw: its components' values from the controls and the session's
    analysis (None: nothing is drawn on opening). outputs: the components draw sets.
    place: where the model map marks it while open (one of MAP_PARTS, or its own id when it has a sub_place; a
    function of the unit kind for a unit's page); opened_from_map: whether a click on that place opens it (one view
    per place). sub_place: its own smaller place, a button under a stage of the map (`SubPlace(under="input",
    label=<key of its words>, tip=<key of its tooltip>)`), None for none. controls: the controls
    whose change redraws it. link: what its deep link carries (LINK_PARAMETERS). figures / charts: the CSS ids of
    its drawn pictures and Plotly charts (lecture mode fits them to the screen; the slide shows the first).
    stepped: what the keys ←/→/Home/End move (None: nothing). What a view adds to an export is its analysis
    module's (explorer.analysis.analysis.EXPORTED), not the app's: the CLI exports without Gradio.
    """

    id: str
    title: str
    text: str
    lay_out: Callable[[Components], None]
    draw: Draw | None
    outputs: tuple[str, ...]
    place: str | Callable[[str | None], str] = "model"
    opened_from_map: bool = False
    sub_place: SubPlace | None = None
    controls: tuple[str, ...] = ()
    link: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()
    charts: tuple[str, ...] = ()
    stepped: Stepped | None = None

    def __post_init__(self) -> None:
        """A view missing a part fails here, when its module is imported, not silently when it is drawn."""
        problems = []
        if not self.id or not self.title:
            problems.append("an id and a title")
        if (self.draw is None) != (not self.outputs):
            problems.append("a draw function together with the outputs it sets (or neither)")
        if not callable(self.lay_out):
            problems.append("a lay_out function")
        english = catalogues()[ENGLISH]
        if self.sub_place is not None:
            sub = self.sub_place
            if self.place != self.id or not self.opened_from_map:
                problems.append(f"its place at its own button under a stage: place={self.id!r}, opened_from_map=True")
            if sub.under not in STAGES:
                problems.append(f"a smaller place under a stage, one of {STAGES} (not {sub.under!r})")
            if unknown := [key for key in (sub.label, sub.tip) if key not in english]:
                problems.append(f"its smaller place's words as keys of the English catalogue (not {unknown})")
        elif not callable(self.place) and self.place not in MAP_PARTS:
            problems.append(f"a place on the map, one of {MAP_PARTS} (or its id, with a sub_place)")
        if self.opened_from_map and callable(self.place):
            problems.append("one fixed place, to be opened from the map")
        if unknown := set(self.controls) - set(CONTROLS):
            problems.append(f"known controls (not {sorted(unknown)})")
        if unknown := set(self.link) - set(LINK_PARAMETERS):
            problems.append(f"known link parameters (not {sorted(unknown)})")
        if not isinstance(self.title, str) or self.title not in english:
            problems.append(f"a title that is a key of the English catalogue (not {self.title!r})")
        if not isinstance(self.text, str) or (self.text and self.text not in english):
            problems.append(f"its teaching text as a key of the English catalogue (\"\" when its own components say "
                            f"it; not {self.text!r})")
        if problems:
            raise TypeError(f"view {self.id!r} needs " + "; ".join(problems))

    def place_for(self, kind: str | None = None) -> str:
        return self.place(kind) if callable(self.place) else self.place


# ---------------------------------------------------------------------------------------------- shared pieces


def teaching_text(view: View | str) -> None:
    """A view's teaching text (its key, or the view), translated by the page in the visitor's language."""
    gr.Markdown(label(view if isinstance(view, str) else view.text), elem_classes=["teaching"])


def image_figure(name: str, elem_id: str | None = None, **kwargs: Any) -> Picture:
    """A drawn picture (a matplotlib figure as PNG): shown, not edited. name: the key of its label."""
    return Picture(label=label(name), format="png", interactive=False, elem_id=elem_id, **kwargs)


def weights_choices() -> list[tuple[Any, str]]:
    """The weights radio's choices: each value (kept in deep links and the API) with its label in words."""
    return [(label(WEIGHTS_NAMES[value]), value) for value in WEIGHTS_CHOICES]


def no_image() -> str:
    """"Upload an image (or pick an example) to see this view.", in the visitor's language."""
    return t(NO_IMAGE)


def described(picture: Any, alt: str) -> dict:
    """A drawn picture with its words for whoever cannot see it (gr.Image's alt text): what it shows, of which
    model and block, and its salient number, written from this image's numbers (explorer.text.i18n's `t`)."""
    return gr.update(value=picture, alt_text=alt)


def shown(pixels: np.ndarray) -> np.ndarray:
    """A drawn picture with LABEL_MARGIN white rows on top, where gr.Image lays its label badge."""
    return np.pad(pixels, ((LABEL_MARGIN, 0), (0, 0), (0, 0)), constant_values=255)


def drawn(figure: Callable[..., Any], view: Any, large: bool, scale: float = 0.0) -> np.ndarray:
    """A matplotlib figure of a view as pixels; in presentation mode its text as large as the body text (or
    `scale` times larger, for figures of many panels)."""
    with figures.large_text((scale or PRESENTATION_TEXT_SCALE) if large else 1.0):
        return figures.drawn_once(figure(view))
