"""Deep links, a slide as a bookmark: `?model=…&weights=…&example=…&view=…&block=…&unit=…&kind=…&step=…&present=1`,
read and clamped in one place. explorer.app.handlers sets the components from a `Link`.

    ?model=embedded&example=chelsea-cat&view=evidence
    ?model=mixer_b16_224&weights=random&block=3&view=token-mixing&unit=5
    ?model=embedded&example=cifar10-ship&view=drop          ?view=teach
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from explorer.analysis.tour import STEP_TITLES
from explorer.app.presenters import weights_for
from explorer.app.views import IDS
from explorer.model.catalogue import catalogue
from explorer.model.embedded import EXAMPLES
from explorer.model.loading import WEIGHTS_CHOICES
from explorer.text.i18n import t
from explorer.units.address import KINDS

MAX_BLOCK = 35  # the deepest model timm has (resmlp_36) has 36 blocks; each view clamps to its own model
MAX_UNIT = 10**6  # a unit's index is clamped to its model's units when its view is drawn


@dataclass(frozen=True)
class Link:
    """What a link asks for; None (or False) where it says nothing. Numbers are clamped, and `notes` says where
    (in the language of the visitor who opened the link)."""

    depth: int  # blocks of the model the link names (or of the default model): the block slider's range
    model: str | None = None
    weights: str | None = None
    block: int | None = None
    step: int | None = None
    unit: int | None = None
    kind: str | None = None
    view: str | None = None
    present: bool = False
    image: str | None = None  # an example's path, looked up by its name
    notes: tuple[str, ...] = field(default=())

    @property
    def note(self) -> str:
        return "⚠️ " + " ".join(self.notes) if self.notes else ""


def clamped(query: Mapping[str, str], key: str, first: int, last: int, notes: list[str]) -> int | None:
    """The integer `query[key]` within first..last (first if it is no integer), with a note when it was not; None
    when the link does not name `key`."""
    if key not in query:
        return None
    raw = str(query[key])
    value = int(raw) if raw.lstrip("-").isdigit() else None
    kept = first if value is None else min(max(value, first), last)
    if value != kept:
        notes.append(t("links.outside", key=key, raw=raw[:20], first=first, last=last, kept=kept))
    return kept


def parse_link(query: Mapping[str, str], default_model: str) -> Link:
    """The link's parameters, checked: a model's weights follow what it has unless `weights=` says; an example
    is only ever a name from the examples folder, looked up, never made into a path."""
    notes: list[str] = []
    model = query.get("model") or None
    weights = query.get("weights") if query.get("weights") in WEIGHTS_CHOICES else None
    weights = weights or (weights_for(model) if model else None)
    depth = next((e.depth for e in catalogue() if e.name == (model or default_model)), MAX_BLOCK + 1)
    block = clamped(query, "block", 0, depth - 1, notes)
    step = clamped(query, "step", 1, len(STEP_TITLES), notes)
    unit = clamped(query, "unit", 0, MAX_UNIT, notes)
    image = None
    if "example" in query:
        name = query["example"]
        if name in EXAMPLES:
            image = str(EXAMPLES[name])
        else:
            notes.append(t("links.unknown_example", name=name[:60], examples=", ".join(EXAMPLES)))
    return Link(depth, model, weights, block, step, unit, query.get("kind") if query.get("kind") in KINDS else None,
                query.get("view") if query.get("view") in IDS else None, query.get("present") in ("1", "true", "yes"),
                image, tuple(notes))
