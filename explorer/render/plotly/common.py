"""What every Plotly chart shares: text sizes (and lecture mode's larger ones), titles, legends, colour bars, a
picture under a heat map, and the empty chart. Colours, limits and wrapping come from explorer.render.style.
"""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from explorer.render import style

TEXT_SIZE = 14  # ticks, axis titles, legends, hover labels, colour bars, annotations
TITLE_SIZE = 17
LARGE = 1.6  # presentation mode: 14 -> 22, 17 -> 27
TITLE_CHARS = {False: 80, True: 55}  # characters per title line: about 700 px at either size
# The plotting area of a full-width chart, (width, height) in pixels, to lay labels and legends out in: about the
# least a laptop window or a 720p slide gives it (wider or taller, labels only sit further apart).
PLOT_PX = {False: (850, 300), True: (850, 200)}


def text_size(large: bool) -> int:
    return round(TEXT_SIZE * LARGE) if large else TEXT_SIZE


def title_size(large: bool) -> int:
    return round(TITLE_SIZE * LARGE) if large else TITLE_SIZE


def safe(text: str) -> str:
    """Plotly reads text as a small subset of HTML: escape a label's own <, > and & so it shows as written (in the
    reader's language: a CIFAR-10 name is Words, explorer.text.words)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def wrap(text: str, width: int) -> str:
    """Lines of about `width` characters joined by <br>; a word longer than `width` stays whole (style.wrap)."""
    return style.wrap(text, width)


def wrap_title(text: str, large: bool) -> str:
    return wrap(text, TITLE_CHARS[large])


def shorten(label: str, chars: int = 18) -> str:
    """A label short enough for a tick or a point: its first name ("tabby, tabby cat" -> "tabby"), then cut
    with an ellipsis. Callers always put the full label in the hover."""
    label = str(label)  # said in the reader's language (a CIFAR-10 name is Words)
    first = label.split(",")[0].strip() or label
    return first if len(first) <= chars else first[: chars - 1] + "…"


def block_ticks(depth: int) -> dict:
    """x-axis ticks for blocks 0..depth-1: every block up to 16, then every 2nd or 4th so labels never collide."""
    step = 1 if depth <= 16 else 2 if depth <= 32 else 4
    return dict(tick0=0, dtick=step)


def styled(fig: go.Figure, large: bool, normal_height: int, title: str, rows_above: int = 0,
           description: str = "") -> go.Figure:
    """Apply the shared look: white template, font sizes, the wrapped title at the top and a top margin tall
    enough for it plus `rows_above` rows of text (a legend or subplot titles) between it and the plot.

    The chart in words rides in its layout's `meta` (Plotly keeps it and draws nothing of it): `name`, the title,
    and `description`, a sentence or two from this chart's numbers (the largest value, where it is). The page
    gives the chart these as its accessible name and description, and a "Table" of its numbers (page.js)."""
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
        title=dict(
            text=title,
            font=dict(size=big),
            x=0,
            xanchor="left",
            xref="container",
            y=1,
            yanchor="top",
            yref="container",
            pad=dict(t=14 + lift, l=16),
        ),
        # Small side margins: automargin (below), colour bars, legends and sliders push them out as far as they need.
        margin=dict(l=20, r=30 if not large else 50, b=20, t=round(top)),
        meta=dict(name=re.sub(r"<[^>]+>", " ", title).strip(), description=description),
    )
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    fig.update_annotations(font_size=size)  # make_subplots gives its panel titles a fixed size of its own
    return fig


def legend_above() -> dict:
    """A horizontal legend just above the plot area (below the title): it never covers the data."""
    return dict(orientation="h", x=0, xanchor="left", y=1.0, yanchor="bottom")


def label_width(text: str, large: bool) -> float:
    """About how many pixels a label takes at the chart's text size (an average glyph is ~0.6 of the size)."""
    return len(text) * text_size(large) * 0.6 + 10


def legend_rows(names: list[str], large: bool) -> int:
    """How many rows a horizontal legend of these names takes in a PLOT_PX-wide plot (one or two)."""
    return 1 if sum(label_width(name, large) + 40 for name in names) <= PLOT_PX[large][0] else 2  # 40: a line's sample


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
        source=uri,
        xref=f"x{axes}",
        yref=f"y{axes}",
        x=-0.5,
        y=-0.5,
        sizex=cols,
        sizey=rows,
        xanchor="left",
        yanchor="top",
        sizing="stretch",
        layer="below",
    )


def image_axes(fig: go.Figure, cols: int, rows: int, axes: str = "", toward: str = "center") -> None:
    """Axes for a picture: row 0 at the top, square cells, no grid lines over the image. `toward` says which
    side of its space the square panel keeps to when the space is wider than the panel."""
    fig.update_layout(
        {
            f"xaxis{axes}": dict(
                range=[-0.5, cols - 0.5], constrain="domain", constraintoward=toward, showgrid=False, zeroline=False
            ),
            f"yaxis{axes}": dict(
                range=[rows - 0.5, -0.5],
                scaleanchor=f"x{axes}",
                scaleratio=1,
                constrain="domain",
                showgrid=False,
                zeroline=False,
            ),
        }
    )


def colour_bar(title: str, large: bool, **position) -> dict:
    """A colour bar whose title (what one value is, in its unit) runs down its right side, wrapped to stay
    about as long as the bar."""
    return dict(
        title=dict(text=wrap(title, 22 if large else 30), side="right"), thickness=20 if large else 14, **position
    )


def empty_plot(message: str, large: bool = False) -> go.Figure:
    """A blank chart that says why it is blank (e.g. "upload an image first")."""
    fig = go.Figure()
    fig.add_annotation(text=wrap(safe(message), 40), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)
    styled(fig, large, 420, "", description=message)
    fig.update_layout(meta=dict(name=message, description=message))  # untitled: a screen reader hears why it is blank
    fig.update_annotations(font_size=round(text_size(large) * 1.3), font_color=style.MID_GREY)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig
