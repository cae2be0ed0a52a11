"""Interactive charts of the views: view dataclasses (explorer.analysis.analysis) in, Plotly `go.Figure`s out.

Renderers only draw: every number comes from the view. Each takes `large=True` for a lecture hall (fonts about
1.6 times larger). Colours follow explorer.render.figures: viridis for magnitudes, red-white-blue around zero.
"""
from __future__ import annotations

import base64
import io
import textwrap

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from explorer.analysis.analysis import ActivationView, EvidenceView, LensView, UpdatesView
from explorer.analysis.architecture import PARTS, ArchitectureCard
from explorer.render.figures import DIVERGING, SEQUENTIAL  # the same colours in both renderers

__all__ = [
    "activations_plot",
    "architecture_plot",
    "comparison_plot",
    "empty_plot",
    "evidence_plot",
    "lens_plot",
    "style",
    "updates_plot",
]

TOKEN_COLOUR = "#2166ac"  # blue: token mixing, in every chart
CHANNEL_COLOUR = "#b2182b"  # red: channel mixing
LINE_COLOURS = ("#2166ac", "#b2182b", "#1b7837", "#762a83", "#e08214", "#444444")
PART_COLOURS = {"stem": "#762a83", "token mixing": TOKEN_COLOUR, "channel mixing": CHANNEL_COLOUR, "norms and scales": "#999999", "head": "#1b7837"}

TEXT_SIZE = 14  # ticks, axis titles, legends, hover labels, colour bars, annotations
TITLE_SIZE = 17
LARGE = 1.6  # presentation mode: 14 -> 22, 17 -> 27
TITLE_CHARS = {False: 80, True: 55}  # characters per title line: about 700 px at either size
# The plotting area of a full-width chart, (width, height) in pixels, to lay labels and legends out in: about the
# least a laptop window or a 720p slide gives it (wider or taller, labels only sit further apart).
PLOT_PX = {False: (850, 300), True: (850, 200)}


# ---------------------------------------------------------------------------------------------- shared helpers


def text_size(large: bool) -> int:
    return round(TEXT_SIZE * LARGE) if large else TEXT_SIZE


def title_size(large: bool) -> int:
    return round(TITLE_SIZE * LARGE) if large else TITLE_SIZE


def safe(text: str) -> str:
    """Plotly reads text as a small subset of HTML: escape a label's own <, > and & so it shows as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrap(text: str, width: int) -> str:
    """Break text into lines of about `width` characters joined by <br>. Nothing is cut: a word longer than
    `width` stays whole on its own line."""
    lines = []
    for part in text.split("<br>"):
        lines += textwrap.wrap(part, width, break_long_words=False, break_on_hyphens=False) or [""]
    return "<br>".join(lines)


def wrap_title(text: str, large: bool) -> str:
    return wrap(text, TITLE_CHARS[large])


def shorten(label: str, chars: int = 18) -> str:
    """A label short enough for a tick or a point: its first name ("tabby, tabby cat" -> "tabby"), then cut
    with an ellipsis. Callers always put the full label in the hover."""
    first = label.split(",")[0].strip() or label
    return first if len(first) <= chars else first[: chars - 1] + "…"


def block_ticks(depth: int) -> dict:
    """x-axis ticks for blocks 0..depth-1: every block up to 16, then every 2nd or 4th so labels never collide."""
    step = 1 if depth <= 16 else 2 if depth <= 32 else 4
    return dict(tick0=0, dtick=step)


def style(fig: go.Figure, large: bool, normal_height: int, title: str, rows_above: int = 0) -> go.Figure:
    """Apply the shared look: white template, font sizes, the wrapped title at the top and a top margin tall
    enough for it plus `rows_above` rows of text (a legend or subplot titles) between it and the plot."""
    size, big = text_size(large), title_size(large)
    title = wrap_title(title, large)
    title_lines = title.count("<br>") + 1
    # Plotly lifts a title of several lines by about 0.7 of a line above its anchor: push it back down.
    lift = 0.75 * big if title_lines > 1 else 0
    top = 14 + lift + title_lines * big * 1.3 + rows_above * size * 2.0 + 12
    fig.update_layout(
        template="plotly_white",
        # Lecture mode: no height of its own, the page sizes the chart to what the screen has left (a slide never
        # scrolls); Gradio draws Plotly charts with autosize and responsive on.
        height=None if large else normal_height,
        font=dict(size=size),
        hoverlabel=dict(font=dict(size=size)),
        # Left-aligned: the top right corner is where Plotly shows its tool bar on hover.
        title=dict(text=title, font=dict(size=big), x=0, xanchor="left", xref="container", y=1, yanchor="top", yref="container", pad=dict(t=14 + lift, l=16)),
        # Small side margins: automargin (below), colour bars, legends and sliders push them out as far as they need.
        margin=dict(l=20, r=30 if not large else 50, b=20, t=round(top)),
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    fig.update_annotations(font_size=size)  # make_subplots gives its panel titles a fixed size of its own
    return fig


def legend_above() -> dict:
    """A horizontal legend just above the plot area (below the title): it never covers the data."""
    return dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom")


def picture_uri(picture: np.ndarray) -> str:
    """(H, W, 3) float in [0, 1] -> a PNG data URI, for a layout image under a heat map."""
    pixels = (np.clip(np.nan_to_num(picture), 0, 1) * 255).round().astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def put_picture_under(fig: go.Figure, uri: str, cols: int, rows: int, axes: str = "") -> None:
    """Stretch the picture over a grid of `cols` x `rows` cells whose centres are at integer coordinates, so
    cell (r, c) of a heat map lies over the part of the picture it was computed from. `axes` is the subplot's
    axis suffix: "" for x/y, "2" for x2/y2."""
    fig.add_layout_image(
        source=uri, xref=f"x{axes}", yref=f"y{axes}", x=-0.5, y=-0.5, sizex=cols, sizey=rows,
        xanchor="left", yanchor="top", sizing="stretch", layer="below",
    )


def image_axes(fig: go.Figure, cols: int, rows: int, axes: str = "", toward: str = "center") -> None:
    """Axes for a picture: row 0 at the top, square cells, no grid lines over the image. `toward` says which
    side of its space the square panel keeps to when the space is wider than the panel."""
    fig.update_layout({
        f"xaxis{axes}": dict(range=[-0.5, cols - 0.5], constrain="domain", constraintoward=toward, showgrid=False, zeroline=False),
        f"yaxis{axes}": dict(range=[rows - 0.5, -0.5], scaleanchor=f"x{axes}", scaleratio=1, constrain="domain", showgrid=False, zeroline=False),
    })


def colour_bar(title: str, large: bool, **position) -> dict:
    """A colour bar whose title (what one value is, in its unit) runs down its right side, wrapped to stay
    about as long as the bar."""
    return dict(title=dict(text=wrap(title, 22 if large else 30), side="right"), thickness=20 if large else 14, **position)


def symmetric_limit(values: np.ndarray) -> float:
    """The largest |value|, for a colour range centred on zero (1 when there is nothing to scale)."""
    finite = np.abs(values[np.isfinite(values)])
    return float(finite.max()) if finite.size and finite.max() > 0 else 1.0


# ---------------------------------------------------------------------------------------------- the charts


def empty_plot(message: str, large: bool = False) -> go.Figure:
    """A blank chart that says why it is blank (e.g. "upload an image first")."""
    fig = go.Figure()
    fig.add_annotation(text=wrap(safe(message), 40), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)
    style(fig, large, 420, "")
    fig.update_annotations(font_size=round(text_size(large) * 1.3), font_color="#555555")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def activations_plot(view: ActivationView, shared_scale: bool = True, large: bool = False, block: int = 0) -> go.Figure:
    """Every block's map over the picture, one block at a time, chosen with a slider that works in the browser
    (in lecture mode, `large`, with the page's Block slider instead, so that the map keeps the slide's height).

    view.picture: (H, W, 3) in [0, 1], drawn underneath; view.maps: (depth, grid_h, grid_w), one heat map per
    block. shared_scale: one colour range for all blocks (blocks compare with each other) or one each (the
    pattern inside every block shows even when its values are small). block: the one shown first."""
    depth, rows, cols = view.maps.shape
    block = min(max(block, 0), depth - 1)
    titles = [f"Block {b} (of 0–{depth - 1}) · {view.title}" for b in range(depth)]  # the block first: it is what changes
    low, high = float(np.nanmin(view.maps)), float(np.nanmax(view.maps))
    fig = go.Figure()
    for b in range(depth):
        zmin, zmax = (low, high) if shared_scale else (float(np.nanmin(view.maps[b])), float(np.nanmax(view.maps[b])))
        fig.add_trace(go.Heatmap(
            z=view.maps[b], zmin=zmin, zmax=zmax, colorscale=SEQUENTIAL, opacity=0.6, visible=b == block, name=f"block {b}",  # the picture shows through
            colorbar=colour_bar(safe(view.quantity), large),
            hovertemplate=f"block {b} · patch row %{{y}}, column %{{x}}<br>{safe(view.quantity)}: %{{z:.4g}}<extra></extra>",
        ))
    put_picture_under(fig, picture_uri(view.picture), cols, rows)
    image_axes(fig, cols, rows)
    fig.update_xaxes(title_text="patch column")
    fig.update_yaxes(title_text="patch row")
    # One slider step per block: it shows that block's trace and title in the browser, without asking the server.
    # Not in lecture mode (large): there the page's Block slider chooses, and the map keeps the slide's height.
    steps = [
        dict(method="update", label=str(b), args=[{"visible": [i == b for i in range(depth)]}, {"title.text": wrap_title(safe(titles[b]), large)}])
        for b in range(depth)
    ]
    if not large:
        fig.update_layout(sliders=[dict(active=block, steps=steps, currentvalue=dict(prefix="block "), pad=dict(t=30))])
    style(fig, large, 560, safe(titles[-1]))  # the margin fits the longest title (the last block's) ...
    fig.update_layout(title_text=wrap_title(safe(titles[block]), large))  # ... and `block` is shown first
    return fig


def updates_plot(view: UpdatesView, large: bool = False) -> go.Figure:
    """Per block, how much its token mixing and its channel mixing change the residual stream they are added to.

    view.token_mixing, view.channel_mixing: (depth,) ‖update‖ / ‖stream‖. gMLP mixes tokens inside its one
    update (view.separate is False): one series, the whole block."""
    depth = len(view.channel_mixing)
    blocks = np.arange(depth)
    fig = go.Figure()
    if view.separate:
        series = [("token mixing", view.token_mixing, TOKEN_COLOUR), ("channel mixing", view.channel_mixing, CHANNEL_COLOUR)]
    else:
        series = [("whole block (spatial gating inside)", view.channel_mixing, CHANNEL_COLOUR)]
    for name, values, colour in series:
        what = "the whole block" if not view.separate else name
        fig.add_trace(go.Bar(
            x=blocks, y=values, name=name, marker_color=colour,
            hovertemplate=f"block %{{x}}: {what} changed the stream by %{{y:.1%}} of its size<extra></extra>",
        ))
    # showlegend: with one series Plotly would hide the legend, and gMLP's series name is its explanation.
    fig.update_layout(barmode="group", legend=legend_above(), showlegend=True)
    fig.update_xaxes(title_text="block", **block_ticks(depth))
    fig.update_yaxes(title_text="‖update‖ / ‖stream‖", rangemode="tozero")
    return style(fig, large, 420, f"How much each block changes the residual stream ({safe(view.family)})", rows_above=1)


def evidence_plot(view: EvidenceView, large: bool = False) -> go.Figure:
    """Where the evidence for one class lies: per patch (left) and per pixel (right), both over the picture.

    Left, view.relative: (grid_h, grid_w), each patch's logit minus the mean patch's (the mean is the model's
    logit), red for patches that argue for the class more than the average patch. Right, view.saliency: (H, W)
    input × gradient summed over colours."""
    rows, cols = view.patch_logits.shape
    pixel_rows, pixel_cols = view.saliency.shape
    label = safe(view.label)
    spacing = 0.28 if large else 0.2  # room between the panels for the left panel's colour bar and its title
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=spacing, subplot_titles=("per patch: logit − mean", "per pixel: input × gradient"))
    left_end = (1 - spacing) / 2  # where the left panel's space ends, in fractions of the figure's width

    limit = symmetric_limit(view.relative)
    fig.add_trace(go.Heatmap(
        # The numbers go to the hover as text: Plotly.js's number formats ignore a "+" sign flag.
        z=view.relative, customdata=np.dstack([np.vectorize("{:.3f}".format)(view.patch_logits), np.vectorize("{:+.3f}".format)(view.relative)]),
        zmid=0, zmin=-limit, zmax=limit, colorscale=DIVERGING, opacity=0.65,
        colorbar=colour_bar(f"patch logit − mean (mean = logit {view.logit:.3f})", large, x=left_end + 0.01, xanchor="left"),
        hovertemplate=(
            f"patch row %{{y}}, column %{{x}}<br>logit for '{label}' from this patch: %{{customdata[0]}}"
            f"<br>the mean patch: {view.logit:.3f} (the model's logit)<br>this patch − mean: %{{customdata[1]}}<extra></extra>"
        ),
    ), row=1, col=1)

    limit = symmetric_limit(view.saliency)
    fig.add_trace(go.Heatmap(
        z=view.saliency, zmid=0, zmin=-limit, zmax=limit, colorscale=DIVERGING, opacity=0.7,
        colorbar=colour_bar("input × gradient (summed over colours)", large, x=1.01, xanchor="left"),
        hovertemplate=(
            f"pixel row %{{y}}, column %{{x}}<br>input × gradient for '{label}': %{{z:.3g}}"
            "<br>(above 0: this pixel raises the logit; below 0: lowers it)<extra></extra>"
        ),
    ), row=1, col=2)

    uri = picture_uri(view.picture)
    put_picture_under(fig, uri, cols, rows, "")
    put_picture_under(fig, uri, pixel_cols, pixel_rows, "2")
    # Both square panels keep to the right of their space: the left one then sits next to its colour bar.
    image_axes(fig, cols, rows, "", toward="right")
    image_axes(fig, pixel_cols, pixel_rows, "2", toward="right")
    # Pixel numbers would crowd the left colour bar; the hover gives each pixel's row and column.
    fig.update_layout(xaxis2_showticklabels=False, yaxis2_showticklabels=False)
    title = f"Evidence for '{label}' (class {view.class_index}): its logit {view.logit:.2f} is the mean of the {rows * cols} patch logits"
    return style(fig, large, 480, title, rows_above=1)


def label_width(text: str, large: bool) -> float:
    """About how many pixels a label takes at the chart's text size (an average glyph is ~0.6 of the size)."""
    return len(text) * text_size(large) * 0.6 + 10


def legend_rows(names: list[str], large: bool) -> int:
    """How many rows a horizontal legend of these names takes in a PLOT_PX-wide plot (one or two)."""
    return 1 if sum(label_width(name, large) + 40 for name in names) <= PLOT_PX[large][0] else 2  # 40: a line's sample


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """Whether two (left, right, top, bottom) boxes share any area."""
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def label_changes(fig: go.Figure, view: LensView, y: np.ndarray, y_range: list[float], log: bool, large: bool) -> None:
    """Name the lens's top-1 at the blocks where it changes (view.changes), and nowhere else: as many as fit.

    Each name hangs on a short line from its point, above or below it (taken in turn from one change to the next;
    near the top of the plot always below, near the bottom above), one or two text lines away — one only in
    lecture mode, whose plot is a short band of the slide. A name goes to the first of those places where it does
    not run into a name already placed (boxes checked in a PLOT_PX plot); where none is free it is left out: a
    random 30-block model changes its mind at every other block, and the hover and the table under the chart name
    every block. The most telling changes are placed first: where the lens settles on its last answer, then the
    others by their probability. Hovering a name shows the full label."""
    depth = len(view.top_index)
    width_px, height_px = PLOT_PX[large]
    step = text_size(large) * 1.7  # pixels between the heights: a bit more than a line of text
    line = text_size(large) * 1.3  # a name's own height
    steps = (1,) if large else (1, 2)
    changes = [int(b) for b in view.changes]
    order = sorted(range(len(changes)), key=lambda k: (k != len(changes) - 1, -float(view.top_probability[changes[k]])))
    placed: list[tuple[float, float, float, float]] = []  # the boxes of the names placed, in pixels
    for k in order:
        b = changes[k]
        place = np.log10(y[b]) if log else float(y[b])  # annotations on a log axis take powers of 10
        fraction = (place - y_range[0]) / (y_range[1] - y_range[0])
        sides = [False] if fraction > 0.8 else [True] if fraction < 0.2 else [k % 2 == 0, k % 2 != 0]
        text = shorten(view.top_label[b])
        x, point_y, half = (b + 0.5) / depth * width_px, (1 - fraction) * height_px, label_width(text, large) / 2
        offsets = [(-step if above else step) * n for n in steps for above in sides]  # pixels from the point, in order of preference; negative is up
        boxes = {ay: (x - half, x + half, point_y + ay - line / 2, point_y + ay + line / 2) for ay in offsets}
        free = [ay for ay, box in boxes.items() if not any(overlap(box, other) for other in placed)]
        if not free:
            continue
        placed.append(boxes[free[0]])
        fig.add_annotation(
            x=b, y=place, text=safe(text), hovertext=safe(view.top_label[b]), ax=0, ay=free[0],
            showarrow=True, arrowhead=0, arrowwidth=1, arrowcolor="#999999", standoff=4,
            bgcolor="rgba(255, 255, 255, 0.75)",  # legible where a name crosses a line
        )
    fig.layout.annotations = sorted(fig.layout.annotations, key=lambda a: a.x)  # left to right, as they read


def lens_plot(view: LensView, large: bool = False) -> go.Figure:
    """The logit lens: after each block, how sure the model's own head would already be, and of what.

    view.top_probability: (depth,) the lens's top-1 probability; view.final_probability: (depth,) the
    probability of the class the model ends on. The top-1 is named where it changes (view.changes)."""
    depth = len(view.top_index)
    blocks = np.arange(depth)
    # One row per block for the hover, full labels: [lens top-1 label, its p, final label, final p].
    customdata = np.array([[safe(view.top_label[b]), float(view.top_probability[b]), safe(view.final_label), float(view.final_probability[b])] for b in blocks], dtype=object)
    hover = "after block %{x}<br>the lens's top-1: %{customdata[0]} (p = %{customdata[1]:.3f})<br>final class '%{customdata[2]}': %{customdata[3]:.3g}<extra></extra>"

    highest = float(np.nanmax(np.r_[view.top_probability, view.final_probability]))
    log = highest < 0.2  # small probabilities all sit on the floor of a linear axis: spread them out
    floor = 1e-9  # a zero probability (float underflow) cannot go on a log axis; the hover keeps the true value
    top_y = np.maximum(view.top_probability, floor) if log else view.top_probability
    final_y = np.maximum(view.final_probability, floor) if log else view.final_probability
    if log:
        lowest = float(np.nanmin(np.r_[top_y, final_y]))
        y_range = [np.log10(lowest) - 0.3, np.log10(max(highest, floor)) + 0.6]  # log axes take ranges in powers of 10
    else:
        y_range = [0, min(highest * 1.1, 1.05)]

    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=blocks, y=top_y, name="lens top-1", mode="lines+markers", line=dict(color="#444444"), customdata=customdata, hovertemplate=hover,
    ))
    fig.add_trace(go.Scatter(
        x=blocks, y=final_y, name=f"final class: {safe(shorten(view.final_label, 30))}", mode="lines+markers",
        line=dict(color=CHANNEL_COLOUR, dash="dash"), marker=dict(symbol="square"), customdata=customdata, hovertemplate=hover,
    ))
    label_changes(fig, view, top_y, y_range, log, large)
    fig.update_layout(legend=legend_above())
    fig.update_xaxes(title_text="after block", range=[-0.5, depth - 0.5], **block_ticks(depth))
    fig.update_yaxes(title_text="probability (log scale)" if log else "probability", type="log" if log else "linear", range=y_range)
    if log and large:  # a slide's short plot: Plotly would crowd 2, 3, 4 … between the powers of ten
        decades = y_range[1] - y_range[0]
        fig.update_yaxes(dtick="D2" if decades < 1.6 else max(1, round(decades / 4)))  # 1, 2, 5 of each; or every power
    final = shorten(view.final_label, 30) if large else view.final_label  # a slide: a title line more is a plot line less
    title = f"The logit lens: what the final head would say after each block (the model ends on '{safe(final)}')"
    return style(fig, large, 460, title, rows_above=legend_rows([fig.data[0].name, fig.data[1].name], large))


def comparison_plot(names: list[str], smoothness: list[list[float]], large: bool = False) -> go.Figure:
    """Token-mixing smoothness per block of several models (which may have different depths), one line each.

    names: legend entries, e.g. "embedded (pretrained)"; smoothness[i]: model i's value per block."""
    if len(names) != len(smoothness):
        raise ValueError(f"{len(names)} names for {len(smoothness)} smoothness series")
    fig = go.Figure()
    for i, (name, values) in enumerate(zip(names, smoothness)):
        fig.add_trace(go.Scatter(
            x=np.arange(len(values)), y=np.asarray(values, dtype=float), name=safe(name), mode="lines+markers",
            line=dict(color=LINE_COLOURS[i % len(LINE_COLOURS)]),
            hovertemplate=f"{safe(name)} · block %{{x}}: smoothness %{{y:.3f}}<extra></extra>",
        ))
    depth = max((len(v) for v in smoothness), default=1)
    fig.update_layout(legend=legend_above())
    fig.update_xaxes(title_text="block", **block_ticks(depth))
    fig.update_yaxes(title_text="smoothness" if large else "smoothness (≈0 for noise)")  # on a slide's short axis the title says it
    return style(fig, large, 420, "Token-mixing smoothness per block: learned maps are smooth, random ones are noise", rows_above=legend_rows(names, large))


def architecture_plot(card: ArchitectureCard, large: bool = False) -> go.Figure:
    """Where a model's parameters (left) and its computation per image (right) go, part by part, in the order
    of architecture.PARTS (stem at the top)."""
    params = np.array([card.part_params.get(p, 0) for p in PARTS], dtype=float)
    gflops = np.array([card.part_gflops.get(p, 0.0) for p in PARTS], dtype=float)
    total_params, total_gflops = params.sum(), gflops.sum()
    param_share = params / total_params if total_params else np.zeros_like(params)
    flop_share = gflops / total_gflops if total_gflops else np.zeros_like(gflops)
    colours = [PART_COLOURS[p] for p in PARTS]

    spacing = 0.12 if large else 0.08
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=spacing, subplot_titles=("where the parameters are", "where the computation is"))
    fig.add_trace(go.Bar(
        y=list(PARTS), x=params, orientation="h", marker_color=colours, customdata=param_share,
        text=[f"{s:.1%}" for s in param_share], textposition="outside", cliponaxis=False,
        hovertemplate=f"%{{y}}: %{{x:,.0f}} parameters (%{{customdata:.1%}} of {int(card.params):,})<extra></extra>",
    ), row=1, col=1)
    fig.add_trace(go.Bar(
        y=list(PARTS), x=gflops, orientation="h", marker_color=colours, customdata=np.c_[flop_share, gflops * 1e9],
        text=[f"{s:.1%}" for s in flop_share], textposition="outside", cliponaxis=False,
        hovertemplate=f"%{{y}}: %{{x:.4g}} GFLOPs per image = %{{customdata[1]:,.0f}} FLOPs (%{{customdata[0]:.1%}} of {card.gflops:.4g} GFLOPs)<extra></extra>",
    ), row=1, col=2)
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed")  # PARTS order, top to bottom
    # Room to the right of the longest bar for its percentage.
    fig.update_xaxes(title_text="parameters", range=[0, max(params.max(), 1) * 1.3], row=1, col=1)
    flops_title = "GFLOPs per image" if large else wrap("GFLOPs per image (a multiply-add counts as two FLOPs)", 32)  # the slide keeps its height for the bars; the table says how FLOPs count
    fig.update_xaxes(title_text=flops_title, range=[0, max(gflops.max(), 1e-9) * 1.3], row=1, col=2)
    title = f"{safe(card.name)} ({safe(card.family)}): {int(card.params):,} parameters, {card.gflops:.2f} GFLOPs per image"
    return style(fig, large, 440, wrap(title, 40 if large else 60), rows_above=1)  # the chart has 3/5 of the row beside the table

