"""Models: every Mixer-family model timm knows, and the embedded default."""
from __future__ import annotations

from typing import Callable

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View
from explorer.model.catalogue import catalogue
from explorer.model.published import TEST_SETS, published_top1
from explorer.text.i18n import ENGLISH, catalogues, label, t

# the table's headers: catalogue keys, and the paper's symbols as they are
COLUMNS = ("models.column.available", "models.column.name", "models.column.family", "models.column.labels",
           "models.column.params", "models.column.patch", "models.column.image", "S", "C", "D_S", "D_C",
           "models.column.depth", "models.column.published")


def headers(say: Callable[[str], str]) -> list[str]:
    return [say(column) if column.startswith("models.") else column for column in COLUMNS]


def published(name: str) -> str:
    numbers = published_top1(name)
    if numbers is None:
        return ""
    return " / ".join("–" if getattr(numbers, test) is None else f"{getattr(numbers, test):.1f}" for test in TEST_SETS)


def rows() -> list[list]:
    return [[*row, published(entry.name)] for row, entry in zip(show.catalogue_rows(), catalogue())]


def lay_out(ui: Components) -> None:
    gr.Markdown(label("models.text"))
    gr.Markdown(label("models.source"))  # where the last column's numbers come from (published.SOURCE, in words)
    # English until the tab is opened (the page translates no table headers: its draw does)
    ui.models_table = gr.Dataframe(rows(), headers=headers(catalogues()[ENGLISH].__getitem__), interactive=False,
                                   wrap=True, elem_id="models-table")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    """The table in the visitor's language: the same rows for every image."""
    return {ui.models_table: gr.update(value=rows(), headers=headers(t))}


VIEW = View("models", "models.title", "models.text", lay_out, draw, outputs=("models_table",))
