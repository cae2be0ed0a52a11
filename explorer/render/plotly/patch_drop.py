"""Patch drop: the top-1's probability and how often it holds as a growing share of patches is dropped, under the
loaded weights and random ones (Plotly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from explorer.render import style
from explorer.render.plotly.common import legend_above, legend_rows, safe, shorten, styled

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
        hovertemplate=f"{safe(name)} · %{{x:.0f}}% dropped: top-1 probability %{{y:.3f}} (mean of {seeds} "
                      "seeds)<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(
        x=shares, y=curve.holds_rate, mode="lines+markers", name=safe(name), legendgroup=name, showlegend=False,
        line=dict(color=colour, dash=dash, width=3),
        hovertemplate=f"{safe(name)} · %{{x:.0f}}% dropped: the top-1 holds in %{{y:.0%}} of {seeds} "
                      "seeds<extra></extra>"), row=1, col=2)


def patch_drop_plot(view: PatchDropView, large: bool = False) -> go.Figure:
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    names = [f"{view.weights} (top-1: {shorten(view.trained_label)})"]
    add_curve(fig, view.trained, names[0], style.BLUE, "solid")
    if view.random is not None:
        names.append(f"random weights (top-1: {shorten(view.random_label or '')})")
        add_curve(fig, view.random, names[1], style.LIGHT_GREY, "dash")
    fig.update_xaxes(title_text="patches dropped (%)", range=[-3, 93], dtick=10 if not large else 30)
    fig.update_yaxes(range=[-0.03, 1.03], title_text="top-1's probability" if large else
                     "probability of the intact image's top-1", row=1, col=1)
    fig.update_yaxes(range=[-0.03, 1.03], tickformat=".0%", title_text="top-1 holds" if large else
                     "how often the top-1 holds (seeds)", row=1, col=2)
    fig.update_layout(legend=legend_above())
    title = (f"{view.model}: patches dropped, each one's token replaced by the mean token" if large else
             f"{view.model}: drop a growing share of the patches (a dropped patch's token is replaced by the image's "
             "mean token, after the stem)")
    return styled(fig, large, 420, safe(title), rows_above=legend_rows(names, large))
