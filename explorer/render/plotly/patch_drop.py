"""Patch drop: the top-1's probability and how often it holds as a growing share of patches is dropped, under the
loaded weights and random ones (Plotly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.render import style
from explorer.render.plotly.common import legend_above, legend_rows, safe, shorten, styled
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.patch_drop import PatchDropCurve, PatchDropView

def add_curve(fig: go.Figure, curve: PatchDropCurve, name: str, colour: str, dash: str) -> None:
    """One set of weights: the mean over the seeds as a line in both panels, each seed's probability as a dot."""
    shares = curve.shares * 100
    seeds = curve.top1_probability.shape[1]
    fig.add_trace(go.Scatter(
        x=np.repeat(shares, seeds), y=curve.top1_probability.ravel(), mode="markers", showlegend=False,
        marker=dict(size=5, color=colour, opacity=0.35), hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=shares, y=curve.mean_probability, mode="lines+markers", name=safe(name), legendgroup=name,
        line=dict(color=colour, dash=dash, width=3),
        hovertemplate=t("plot.patch_drop.probability_hover", name=safe(name), share="%{x:.0f}", p="%{y:.3f}",
                        seeds=seeds) + "<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=shares, y=curve.holds_rate, mode="lines+markers", name=safe(name), legendgroup=name, showlegend=False,
        line=dict(color=colour, dash=dash, width=3),
        hovertemplate=t("plot.patch_drop.holds_hover", name=safe(name), share="%{x:.0f}", rate="%{y:.0%}",
                        seeds=seeds) + "<extra></extra>"), row=1, col=2)


def patch_drop_plot(view: PatchDropView, large: bool = False) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    names = [t("plot.patch_drop.trained", weights=style.weights_name(view.weights), label=shorten(view.trained_label))]
    add_curve(fig, view.trained, names[0], style.BLUE, "solid")
    if view.random is not None:
        names.append(t("plot.patch_drop.random_weights", label=shorten(view.random_label or "")))
        add_curve(fig, view.random, names[1], style.LIGHT_GREY, "dash")
    fig.update_xaxes(title_text=t("plot.patch_drop.dropped"), range=[-3, 93], dtick=10 if not large else 30)
    fig.update_yaxes(range=[-0.03, 1.03], title_text=t("plot.patch_drop.probability_short") if large else
                     t("plot.patch_drop.probability"), row=1, col=1)
    fig.update_yaxes(range=[-0.03, 1.03], tickformat=".0%", title_text=t("plot.patch_drop.holds_short") if large else
                     t("plot.patch_drop.holds"), row=1, col=2)
    fig.update_layout(legend=legend_above())
    title = (t("plot.patch_drop.title_short", model=view.model) if large else
             t("plot.patch_drop.title", model=view.model))
    return styled(fig, large, 420, safe(title), rows_above=legend_rows(names, large), description=described(view))


def described(view: PatchDropView) -> str:
    """The chart in a sentence or two: at the largest share dropped, how often the top-1 holds and how sure it is."""
    most = int(view.trained.shares.argmax())
    text = t("plot.patch_drop.description", share=float(view.trained.shares[most] * 100), label=view.trained_label,
             weights=style.weights_name(view.weights), holds=float(view.trained.holds_rate[most]),
             p=float(view.trained.mean_probability[most]), seeds=view.trained.top1_probability.shape[1])
    if view.random is not None:
        most = int(view.random.shares.argmax())
        text += " " + t("plot.patch_drop.description_random", holds=float(view.random.holds_rate[most]),
                        p=float(view.random.mean_probability[most]))
    return text
