"""The page's views, in page order: one module each (its layout, its drawing, its words, its place on the map),
listed once here. Every list of views the app needs is built from VIEWS: the tabs (explorer.app.layout), the
renderers and their outputs (explorer.app.wiring), the deep link's view names (explorer.app.links), the map's
places and the address (explorer.app.navigation), the map's smaller places under its stages
(explorer.app.model_map), lecture mode's selectors (explorer.app.page).

Adding a view: its numbers in an analysis module (explorer/analysis/), its figures in a render module
(explorer/render/), a module here exporting `VIEW = View(...)` (explorer.app.views.base), and one line in VIEWS.
"""
from __future__ import annotations

from explorer.app.views import (activations, architecture, compare, drop, evidence, export, logit_lens, models,
                                predict, shift, shuffle, stem, teach, timeline, token_mixing, tour, unit)
from explorer.app.views.base import Components, Controls, Session, View

VIEWS: tuple[View, ...] = (
    predict.VIEW,
    tour.VIEW,
    token_mixing.VIEW,
    stem.VIEW,
    activations.VIEW,
    evidence.VIEW,
    logit_lens.VIEW,
    shuffle.VIEW,
    drop.VIEW,
    shift.VIEW,
    teach.VIEW,
    unit.VIEW,
    architecture.VIEW,
    compare.VIEW,
    timeline.VIEW,
    export.VIEW,
    models.VIEW,
)


def by_id(views: tuple[View, ...]) -> dict[str, View]:
    """The views by id, checked as a whole: ids, map places and component names each belong to one view."""
    ids = [v.id for v in views]
    opened = [v.place for v in views if v.opened_from_map]
    outputs = [name for v in views for name in v.outputs]
    for what, names in (("view id", ids), ("map place opening a view", opened), ("view output", outputs)):
        if twice := sorted({n for n in names if names.count(n) > 1}):
            raise TypeError(f"each {what} belongs to one view: {twice} appear more than once")
    return dict(zip(ids, views))


BY_ID = by_id(VIEWS)
IDS = tuple(BY_ID)
# every component a view's draw may set: the outputs of every drawing event (the open view kept in "view")
VIEW_OUTPUTS = ("view", *(name for v in VIEWS for name in v.outputs))
# the controls whose change redraws the open view; presentation mode redraws every view's words large
REDRAWING_CONTROLS = tuple(dict.fromkeys(["present", *(name for v in VIEWS for name in v.controls)]))
FIGURES = tuple(f for v in VIEWS for f in v.figures)  # drawn pictures: what lecture mode fits to the screen
CHARTS = tuple(c for v in VIEWS for c in v.charts)  # Plotly charts
PLACE_VIEWS = {v.place: v.id for v in VIEWS if v.opened_from_map}  # a click on a place of the map opens its view
SUB_PLACES = tuple(v.id for v in VIEWS if v.sub_place)  # the views with a smaller place of their own on the map


def draw(ui: Components, view: str, c: Controls, session: str | None) -> dict:
    """The view's components, drawn from the session's analysis (and the view itself, kept in the page's state)."""
    spec = BY_ID[view]
    return {ui.view: view, **(spec.draw(ui, c, Session(c, session)) if spec.draw else {})}


def stepped(ui: Components, view: str, action: str, c: Controls) -> dict:
    """What ←/→/Home/End move on the open view (nothing on views without steps)."""
    spec = BY_ID.get(view)
    return spec.stepped(ui, action, c) if spec and spec.stepped else {}


__all__ = ["VIEWS", "BY_ID", "IDS", "VIEW_OUTPUTS", "REDRAWING_CONTROLS", "FIGURES", "CHARTS", "PLACE_VIEWS",
           "SUB_PLACES", "draw", "stepped", "Components", "Controls", "Session", "View"]
