"""The logit lens: the final norm and head applied to every block's output."""
from __future__ import annotations

import gradio as gr

from explorer.app import presenters as show
from explorer.app.views.base import NO_IMAGE, Components, Controls, Session, View, teaching_text
from explorer.render import plotly as plots

TEXT = (
    "The final norm and head applied to every block's output, as if the network stopped there. It shows at which "
    "depth the answer appears and how confident the model is along the way; the last block is the model's own "
    "prediction."
)


def lay_out(ui: Components) -> None:
    teaching_text(TEXT)
    ui.lens = gr.Plot(label="Logit lens", show_label=False, elem_id="lens")
    ui.lens_table = gr.Dataframe(headers=["block", "lens top-1", "its probability", "final class's probability"],
                                 interactive=False, elem_id="lens-table")


def draw(ui: Components, c: Controls, s: Session) -> dict:
    if s.analysis is None:
        return {ui.lens: plots.empty_plot(NO_IMAGE, large=c.present), ui.lens_table: []}
    lens = plots.lens_plot(s.analysis.logit_lens(), large=c.present)
    return {ui.lens: lens, ui.lens_table: show.lens_rows(s.analysis)}


# marked at the head, whose click opens the predictions
VIEW = View("logit-lens", "Logit lens", TEXT, lay_out, draw, outputs=("lens", "lens_table"), place="head",
            charts=("#lens",))
