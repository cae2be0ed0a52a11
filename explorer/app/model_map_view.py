"""The model map as a Gradio component: one gr.HTML drawn by model_map.html (a Handlebars template Gradio fills from
the component's value), styled by model_map.css and made clickable by model_map.js. No framework, no build step.

    map_view = model_map_component(model_map_value(model_map(loaded, analysis, VIEWS)))
    map_view.click(on_place, inputs=[map_view], outputs=[...])   # evt: gr.EventData -> opened_place(evt)

Its value is the presenter's data (explorer.app.model_map.ModelMap.as_dict()) plus `open`: the place shown as
open, {"part": ..., "block": ...} or None. A click on a place marks it open in the browser (the value Python
receives then carries it) and fires the component's "click" event with that place; a handler that returns a
new value (another model, another image) passes the open place on with `model_map_value(..., open_place=...)`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from explorer.app.model_map import PARTS, ModelMap
from explorer.app.views import SUB_PLACES

HERE = Path(__file__).resolve().parent
MODEL_PART = "model"  # the map's title: the model itself (architecture, compare, timeline, export, models)


def template(name: str) -> str:
    """One of the map's package files (model_map.html, .css or .js), as text."""
    return (HERE / name).read_text(encoding="utf-8")


def model_map_value(
    model_map: ModelMap | None, open_place: tuple[str, int | None] | None = None
) -> dict[str, Any] | None:
    """The component's value: the map's data and the place marked open (None: nothing marked)."""
    if model_map is None:
        return None
    part, block = open_place if open_place else (None, None)
    return {**model_map.as_dict(), "open": {"part": part, "block": block} if part else None}


def model_map_component(value: dict[str, Any] | None = None, **kwargs: Any) -> gr.HTML:
    """The map (the element #model-map inside), from a `model_map_value`; kwargs go to gr.HTML (elem_id, ...).
    Its "click" event's data is the place clicked: read it with `opened_place`."""
    return gr.HTML(
        value,
        html_template=template("model_map.html"),
        css_template=template("model_map.css"),
        js_on_load=template("model_map.js"),
        apply_default_css=False,
        **kwargs,
    )


def opened_place(event: gr.EventData) -> tuple[str, int | None]:
    """(part, block) of a click on the map: part is one of PARTS, a view's id for its smaller place (SUB_PLACES)
    or "model" (the title); block is the 0-based block for token-mixing and channel-mixing, else None."""
    part, block = event.part, event.block
    if part not in (*PARTS, *SUB_PLACES, MODEL_PART):
        raise ValueError(f"not a place on the model map: {part!r}")
    return part, None if block is None else int(block)
