"""The corruption lab's charts (Plotly): the clean top-1's probability against severity for every corruption, and
where one corrupted picture breaks: how far its tokens are from the clean picture's after each block, and what the
logit lens says of both."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go

from explorer.analysis.corruptions import GROUPS, corruption_name, group_name
from explorer.render import style
from explorer.render.plotly.common import block_ticks, legend_above, legend_rows, safe, shorten, styled
from explorer.text.i18n import t

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
    holds_word, lost_word = t("plot.shift.holds"), t("plot.shift.lost")
    for group, names in GROUPS.items():
        for rank, name in enumerate(n for n in names if n in grid.corruptions):
            k = grid.corruptions.index(name)
            y = [grid.clean_probability, *grid.clean_class_probability[k]]
            holds = [True, *grid.holds[k]]
            tops = [grid.clean_label] + [grid.label(k, v) for v in range(len(grid.severities))]
            top_p = [grid.clean_probability, *grid.top_probability[k]]
            fig.add_trace(go.Scatter(
                x=x, y=y, mode="lines+markers", name=corruption_name(name), legendgroup=group,
                legendgrouptitle_text=group_name(group) if rank == 0 else None,
                line=dict(color=GROUP_COLOURS[group], dash=DASHES[rank % len(DASHES)], width=2),
                marker=dict(symbol=["circle" if h else "x-thin-open" for h in holds], size=9,
                            line=dict(width=2, color=GROUP_COLOURS[group])),
                customdata=np.array([[safe(top), p, holds_word if h else lost_word]
                                     for top, p, h in zip(tops, top_p, holds)], dtype=object),
                hovertemplate=t("plot.shift.severity_hover", corruption=corruption_name(name), severity="%{x}",
                                label=safe(clean_label), p="%{y:.3f}", top="%{customdata[0]}",
                                top_p="%{customdata[1]:.3f}", holds="%{customdata[2]}") + "<extra></extra>"))
    fig.update_xaxes(title_text=t("plot.shift.severity"), tickvals=x, range=[-0.2, max(x) + 0.2])
    fig.update_yaxes(title_text=t("plot.shift.probability_of", label=safe(clean_label)), range=[-0.03, 1.03])
    fig.update_layout(legend=dict(groupclick="toggleitem", tracegroupgap=6))
    title = t("plot.shift.severity_title", model=grid.model, label=safe(clean_label))
    return styled(fig, large, 520, title, description=severity_described(grid))


def severity_described(grid: ShiftGrid) -> str:
    """Where the clean top-1's probability falls lowest, and in how many corrupted pictures it still wins."""
    k, v = np.unravel_index(np.argmin(grid.clean_class_probability), grid.clean_class_probability.shape)
    return t("plot.shift.severity_description", label=grid.clean_label, p=grid.clean_probability,
             corruptions=len(grid.corruptions), corruption=corruption_name(grid.corruptions[k]),
             severity=grid.severities[v], low=float(grid.clean_class_probability[k, v]),
             holds=int(np.sum(grid.holds)), pictures=int(np.size(grid.holds)))


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
                             fillcolor="rgba(33, 102, 172, 0.18)", name=t("plot.shift.percentiles"),
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=worst, mode="lines+markers", name=t("plot.shift.furthest"),
                             line=dict(color=style.LIGHT_GREY, dash="dot"), customdata=np.array(where),
                             hovertemplate=t("plot.shift.furthest_hover", after="%{x}", row="%{customdata[0]}",
                                             column="%{customdata[1]}", value="%{y:.3f}") + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=mean, mode="lines+markers", name=t("plot.shift.mean"),
                             line=dict(color=style.BLUE, width=3),
                             hovertemplate=t("plot.shift.mean_hover", after="%{x}", value="%{y:.3f}")
                             + "<extra></extra>"))
    ticks = block_ticks(depth)
    tickvals = [-1, *range(0, depth, ticks["dtick"])]
    fig.update_xaxes(title_text=t("plot.shift.after_block"), tickvals=tickvals,
                     ticktext=[t("plot.shift.stem"), *map(str, tickvals[1:])], range=[-1.5, depth - 0.5])
    fig.update_yaxes(title_text=t("plot.shift.distance"), rangemode="tozero")
    fig.update_layout(legend=legend_above())
    names = [trace.name for trace in fig.data]
    title = t("plot.shift.distance_title", corruption=corruption_name(view.corruption), severity=view.severity)
    furthest = int(mean.argmax())
    description = t("plot.shift.distance_description", depth=depth, corruption=corruption_name(view.corruption),
                    severity=view.severity,
                    where=t("plot.shift.the_stem") if furthest == 0 else t("plot.shift.block", block=furthest - 1),
                    value=float(mean[furthest]), final=float(mean[-1]))
    return styled(fig, large, 420, title, rows_above=legend_rows(names, large), description=description)


def break_lens_plot(view: BreakView, large: bool = False) -> go.Figure:
    """The logit lens of both pictures: the clean top-1's probability after each block, clean and corrupted, and
    the corrupted picture's own lens top-1; a line where the corrupted lens leaves the clean class for good."""
    depth = len(view.clean_class_lens)
    blocks = np.arange(depth)
    clean_label = shorten(view.clean_lens.final_label, 24)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=blocks, y=view.clean_lens.final_probability, mode="lines+markers",
                             name=t("plot.shift.clean_p", label=safe(clean_label)),
                             line=dict(color=style.BLUE, width=3),
                             hovertemplate=t("plot.shift.lens_hover", block="%{x}", p="%{y:.3f}")
                             + f"<extra>{t('plot.shift.clean')}</extra>"))
    corrupted = f"<extra>{t('plot.shift.corrupted')}</extra>"
    fig.add_trace(go.Scatter(x=blocks, y=view.clean_class_lens, mode="lines+markers",
                             name=t("plot.shift.corrupted_p", label=safe(clean_label)),
                             line=dict(color=style.RED, width=3),
                             hovertemplate=t("plot.shift.lens_hover", block="%{x}", p="%{y:.3f}") + corrupted))
    fig.add_trace(go.Scatter(x=blocks, y=view.lens.top_probability, mode="lines+markers",
                             name=t("plot.shift.corrupted_top1"), line=dict(color=style.DARK_GREY, dash="dash"),
                             customdata=np.array([safe(label) for label in view.lens.top_label], dtype=object),
                             hovertemplate=t("plot.shift.lens_top_hover", block="%{x}", label="%{customdata}",
                                             p="%{y:.3f}") + corrupted))
    if view.breaks_at is not None:
        fig.add_vline(x=view.breaks_at - 0.5, line=dict(color=style.RED, dash="dot"))
        fig.add_annotation(x=view.breaks_at - 0.5, y=1.0, yref="paper", text=t("plot.shift.breaks_here"),
                           showarrow=False, xanchor="left", yanchor="top", bgcolor=style.LABEL_GROUND)
    fig.update_xaxes(title_text=t("plot.shift.after_block"), range=[-0.5, depth - 0.5], **block_ticks(depth))
    fig.update_yaxes(title_text=t("plot.shift.probability"), range=[-0.03, 1.03])
    fig.update_layout(legend=legend_above())
    if view.same_top1:
        title = t("plot.shift.lens_title_holds", label=safe(clean_label))
        description = t("plot.shift.lens_description_holds", label=view.clean_lens.final_label,
                        clean=float(view.clean_lens.final_probability[-1]), corrupted=float(view.clean_class_lens[-1]))
    else:
        title = t("plot.shift.lens_title_changed", label=safe(clean_label),
                  other=safe(shorten(view.lens.final_label, 24)))
        description = t("plot.shift.lens_description_changed", label=view.clean_lens.final_label,
                        other=view.lens.final_label, clean=float(view.clean_lens.final_probability[-1]),
                        corrupted=float(view.clean_class_lens[-1]), block=view.breaks_at)
    return styled(fig, large, 420, title, rows_above=legend_rows([trace.name for trace in fig.data], large),
                  description=description)
