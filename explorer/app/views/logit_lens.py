"""The logit lens: the final norm and head applied to every block's output."""
from __future__ import annotations

import gradio as gr

from explorer.analysis import logit_lens
from explorer.app import presenters as show
from explorer.app.views.base import Components, Controls, Session, View, no_image, teaching_text
from explorer.render import plotly as plots
from explorer.text.i18n import label, t

COLUMNS = ("logit_lens.column.block", "logit_lens.column.top1", "logit_lens.column.probability",
           "logit_lens.column.final")


def lay_out(ui: Components) -> None:
    teaching_text("logit_lens.text")
    ui.lens = gr.Plot(label=label("logit_lens.plot"), show_label=False, elem_id="lens")
    ui.lens_table = gr.Dataframe(headers=[label(key) for key in COLUMNS], interactive=False, elem_id="lens-table")


def table(rows: list[list]) -> dict:
    """The lens's table with its headers in the visitor's language (the page does not translate them)."""
    return gr.update(value=rows, headers=[t(key) for key in COLUMNS])


def draw(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.lens: plots.empty_plot(no_image(), large=c.present), ui.lens_table: table([])}
    lens = plots.lens_plot(logit_lens.view(s.analysis), large=c.present)
    return {ui.lens: lens, ui.lens_table: table(show.lens_rows(s.analysis))}


# marked at the head, whose click opens the predictions
VIEW = View("logit-lens", "logit_lens.title", "logit_lens.text", lay_out, draw, outputs=("lens", "lens_table"),
            place="head", charts=("#lens",))
