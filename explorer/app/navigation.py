"""Where the page is: the model map's places and the views they open (each view's `place`, explorer.app.views),
and the address (the deep link, parameters as explorer.app.links reads them) of what is on screen.
"""
from __future__ import annotations

from urllib.parse import urlencode

from explorer.app.views import BY_ID, IDS, PLACE_VIEWS
from explorer.app.inputs import example_of
from explorer.text.i18n import asked_language

Place = tuple[str, "int | None"]  # (part, 0-based block or None), as explorer.app.model_map_view.opened_place

BLOCK_PARTS = ("token-mixing", "channel-mixing")  # the map's places that stand for one block


def view_of(part: str) -> str:
    """The view a place on the map opens."""
    return PLACE_VIEWS[part]


def place_of(view: str | None, block: float | None, kind: str | None = None) -> Place:
    """The place on the map that stands for `view` (a unit's page: its kind's mixing at its block)."""
    spec = BY_ID.get(view or IDS[0])
    part = spec.place_for(kind) if spec else "model"
    return part, (int(block or 0) if part in BLOCK_PARTS else None)


def address(view: str, model: str | None, weights: str | None, image: str | None, block: float | None,
            step: float | None, unit: float | None, kind: str | None, present: bool) -> str:
    """The query string ("?model=…&view=…") of the deep link that opens this screen again; an upload has none.
    In a page whose address chose its language (`?lang=es`), the link keeps it."""
    query: dict[str, object] = {"model": model or None, "weights": weights or None, "example": example_of(image),
                                "view": view}
    carried = BY_ID[view].link  # what this view's link carries
    if "block" in carried and block is not None:
        query["block"] = int(block)
    if "step" in carried and step is not None:
        query["step"] = int(step)
    if "unit" in carried and unit is not None and int(unit) >= 0:
        query["unit"] = int(unit)
    if "kind" in carried and kind:
        query["kind"] = kind
    if present:
        query["present"] = 1
    query["lang"] = asked_language()  # the language the page's own address asked for goes on with it
    return "?" + urlencode({key: value for key, value in query.items() if value is not None})
