"""Where the page is: the model map's places and the views they open, and the address (the deep link, parameters
as explorer.app.links reads them) of what is on screen. No Gradio here.

    input → the tour · patches → patch shuffle · stem → stem · a block's token mixing → token mixing at that block ·
    its channel mixing → activations at that block · pool → evidence · head → predictions · the title → architecture
    · under the patches, "drop patches" → patch drop · under the head, "teach it" → teach it
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from explorer.analysis.analysis import image_digest
from explorer.model.embedded import EXAMPLES

Place = tuple[str, "int | None"]  # (part, 0-based block or None), as explorer.app.model_map_view.opened_place

# the view each place opens (a block's places also set the Block slider)
PLACE_VIEWS = {"input": "tour", "patches": "shuffle", "stem": "stem", "token-mixing": "token-mixing",
               "channel-mixing": "activations", "pool": "evidence", "head": "predict", "model": "architecture",
               "drop": "drop", "teach": "teach"}
# the place each view is marked at (views not named here: the model itself, the map's title)
VIEW_PLACES = {**{view: part for part, view in PLACE_VIEWS.items()}, "logit-lens": "head"}
BLOCK_PARTS = ("token-mixing", "channel-mixing")
BLOCK_VIEWS = ("token-mixing", "activations", "unit", "compare", "timeline")  # the views that read the Block slider


def view_of(part: str) -> str:
    """The view a place on the map opens."""
    return PLACE_VIEWS[part]


def place_of(view: str | None, block: float | None, kind: str | None = None) -> Place:
    """The place on the map that stands for `view` (a unit's page: its kind's mixing at its block)."""
    if view == "unit":
        part = "token-mixing" if kind == "token" else "channel-mixing"
    else:
        part = VIEW_PLACES.get(view or "predict", "model")
    return part, (int(block or 0) if part in BLOCK_PARTS else None)


@cache
def example_digests() -> dict[str, str]:
    """digest of each example's file -> its name in a link"""
    return {image_digest(path): name for name, path in EXAMPLES.items()}


def example_of(image: str | None) -> str | None:
    """The name of the example `image` is (by its bytes: Gradio serves a copy under another path), or None."""
    if not image or not Path(image).is_file():
        return None
    return example_digests().get(image_digest(image))


def address(view: str, model: str | None, weights: str | None, image: str | None, block: float | None,
            step: float | None, unit: float | None, kind: str | None, present: bool) -> str:
    """The query string ("?model=…&view=…") of the deep link that opens this screen again; an upload has none."""
    query: dict[str, object] = {"model": model or None, "weights": weights or None, "example": example_of(image),
                                "view": view}
    if view in BLOCK_VIEWS and block is not None:
        query["block"] = int(block)
    if view == "tour" and step is not None:
        query["step"] = int(step)
    if view in ("unit", "token-mixing") and unit is not None and int(unit) >= 0:
        query["unit"] = int(unit)
    if view == "unit" and kind:
        query["kind"] = kind
    if present:
        query["present"] = 1
    return "?" + urlencode({key: value for key, value in query.items() if value is not None})
