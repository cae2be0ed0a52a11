"""The corruption lab's charts (Plotly): the clean top-1's probability against severity for every corruption, and
where one corrupted picture breaks: how far its tokens are from the clean picture's after each block, and what the
logit lens says of both."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer.analysis.corruptions import GROUPS
from explorer.render import style
from explorer.render.plotly.common import block_ticks, legend_above, legend_rows, safe, shorten, styled

if TYPE_CHECKING:
    from explorer.analysis.shift import BreakView, ShiftGrid

GROUP_COLOURS = {"noise": style.BLUE, "blur": style.PURPLE, "weather": style.GREEN, "digital": style.ORANGE}
DASHES = ("solid", "dash", "dot", "dashdot")  # the corruptions of one group told apart


def severity_plot(grid: ShiftGrid, large: bool = False) -> go.Figure:
    """grid.clean_class_probability (K, V) against severity, one line per corruption from the clean picture's
    probability at severity 0; a filled dot where the clean top-1 still wins, a cross where another class does."""
    fig = go.Figure()
    x = [0, *grid.severities]
    clean_label = shorten(grid.clean_label, 30)
    for group, names in GROUPS.items():
        for rank, name in enumerate(n for n in names if n in grid.corruptions):
            k = grid.corruptions.index(name)
            y = [grid.clean_probability, *grid.clean_class_probability[k]]
            holds = [True, *grid.holds[k]]
            tops = [grid.clean_label] + [grid.label(k, v) for v in range(len(grid.severities))]
            top_p = [grid.clean_probability, *grid.top_probability[k]]
            fig.add_trace(go.Scatter(
                x=x, y=y, mode="lines+markers", name=name.replace("_", " "), legendgroup=group,
                legendgrouptitle_text=group if rank == 0 else None,
                line=dict(color=GROUP_COLOURS[group], dash=DASHES[rank % len(DASHES)], width=2),
                marker=dict(symbol=["circle" if h else "x-thin-open" for h in holds], size=9,
                            line=dict(width=2, color=GROUP_COLOURS[group])),
                customdata=np.array([[safe(t), p, "holds" if h else "lost"] for t, p, h in zip(tops, top_p, holds)],
                                    dtype=object),
                hovertemplate=(f"{name.replace('_', ' ')}, severity %{{x}}: p({safe(clean_label)}) = %{{y:.3f}}"
                               "<br>top-1: %{customdata[0]} (%{customdata[1]:.3f}), the clean top-1 "
                               "%{customdata[2]}<extra></extra>")))
    fig.update_xaxes(title_text="severity (0: the clean picture)", tickvals=x, range=[-0.2, max(x) + 0.2])
    fig.update_yaxes(title_text=f"probability of '{safe(clean_label)}'", range=[-0.03, 1.03])
    fig.update_layout(legend=dict(groupclick="toggleitem", tracegroupgap=6))
    title = (f"{grid.model}: the clean top-1 '{safe(clean_label)}' as each corruption grows (● it still wins, "
             "✕ another class does)")
    return styled(fig, large, 520, title)


def distance_plot(view: BreakView, large: bool = False) -> go.Figure:
    """view.distance (depth,): the mean over patches of 1 - cos(corrupted token, clean token) after each block
    (and entering block 0, the stem), with the range over patches from the 10th to the 90th percentile and the
    patch moved furthest."""
    depth = len(view.patch_distance)
    per_patch = np.concatenate([view.stem_distance.reshape(1, -1), view.patch_distance.reshape(depth, -1)])
    x = np.arange(-1, depth)
    low, high = np.percentile(per_patch, 10, axis=1), np.percentile(per_patch, 90, axis=1)
    mean, worst = per_patch.mean(axis=1), per_patch.max(axis=1)
    cols = view.stem_distance.shape[1]
    where = [divmod(int(i), cols) for i in per_patch.argmax(axis=1)]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=np.r_[x, x[::-1]], y=np.r_[high, low[::-1]], fill="toself", mode="none",
                             fillcolor="rgba(33, 102, 172, 0.18)", name="patches, 10th to 90th percentile",
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=worst, mode="lines+markers", name="the patch moved furthest",
                             line=dict(color=style.LIGHT_GREY, dash="dot"),
                             customdata=np.array(where), hovertemplate="after %{x}: the furthest patch, row "
                             "%{customdata[0]} column %{customdata[1]}: %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=mean, mode="lines+markers", name="mean over patches",
                             line=dict(color=style.BLUE, width=3),
                             hovertemplate="after %{x}: mean 1 − cos = %{y:.3f}<extra></extra>"))
    ticks = block_ticks(depth)
    tickvals = [-1, *range(0, depth, ticks["dtick"])]
    fig.update_xaxes(title_text="after block", tickvals=tickvals, ticktext=["stem", *map(str, tickvals[1:])],
                     range=[-1.5, depth - 0.5])
    fig.update_yaxes(title_text="1 − cos(corrupted, clean token)", rangemode="tozero")
    fig.update_layout(legend=legend_above())
    names = [t.name for t in fig.data]
    title = (f"Where {view.corruption.replace('_', ' ')} (severity {view.severity}) takes hold: how far the "
             "corrupted picture's tokens are from the clean picture's")
    return styled(fig, large, 420, title, rows_above=legend_rows(names, large))


def break_lens_plot(view: BreakView, large: bool = False) -> go.Figure:
    """The logit lens of both pictures: the clean top-1's probability after each block, clean and corrupted, and
    the corrupted picture's own lens top-1; a line where the corrupted lens leaves the clean class for good."""
    depth = len(view.clean_class_lens)
    blocks = np.arange(depth)
    clean_label = shorten(view.clean_lens.final_label, 24)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=blocks, y=view.clean_lens.final_probability, mode="lines+markers",
                             name=f"clean: p({safe(clean_label)})", line=dict(color=style.BLUE, width=3),
                             hovertemplate="after block %{x}: %{y:.3f}<extra>clean</extra>"))
    fig.add_trace(go.Scatter(x=blocks, y=view.clean_class_lens, mode="lines+markers",
                             name=f"corrupted: p({safe(clean_label)})", line=dict(color=style.RED, width=3),
                             hovertemplate="after block %{x}: %{y:.3f}<extra>corrupted</extra>"))
    fig.add_trace(go.Scatter(x=blocks, y=view.lens.top_probability, mode="lines+markers",
                             name="corrupted: the lens's top-1", line=dict(color=style.DARK_GREY, dash="dash"),
                             customdata=np.array([safe(label) for label in view.lens.top_label], dtype=object),
                             hovertemplate="after block %{x}: %{customdata} (%{y:.3f})<extra>corrupted</extra>"))
    if view.breaks_at is not None:
        fig.add_vline(x=view.breaks_at - 0.5, line=dict(color=style.RED, dash="dot"))
        fig.add_annotation(x=view.breaks_at - 0.5, y=1.0, yref="paper", text="breaks here", showarrow=False,
                           xanchor="left", yanchor="top", bgcolor=style.LABEL_GROUND)
    fig.update_xaxes(title_text="after block", range=[-0.5, depth - 0.5], **block_ticks(depth))
    fig.update_yaxes(title_text="probability", range=[-0.03, 1.03])
    fig.update_layout(legend=legend_above())
    ends = (f"still ends on '{safe(clean_label)}'" if view.same_top1 else
            f"ends on '{safe(shorten(view.lens.final_label, 24))}' instead of '{safe(clean_label)}'")
    title = f"The logit lens, clean and corrupted: the corrupted picture {ends}"
    return styled(fig, large, 420, title, rows_above=legend_rows([t.name for t in fig.data], large))
