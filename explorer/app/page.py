"""The page's own style and script (page.css, page.js, files of this package) with the selector lists they share."""
from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files

import gradio as gr

from explorer.app.gradio_compat import GRADIO_CORE_MODULE
from explorer.app.views import CHARTS, FIGURES, VIEWS
from explorer.app.views.base import LABEL_MARGIN
from explorer.text.i18n import catalogues, languages, words_of

# The drawn pictures (gr.Image of a matplotlib figure) and the Plotly charts (each view names its own): what
# lecture mode fits to the screen and a phone lays out apart, in the CSS and the page's script alike.
LISTS = {"FIGURES": FIGURES, "CHARTS": CHARTS}
SELECTORS = re.compile(r"@@([^|@]*)\|(FIGURES|CHARTS)\|([^@]*)@@")  # @@scope|LIST|inner@@
WORDS = re.compile(r"@@WORDS\|([\w.]+)@@")  # @@WORDS|chart.@@: the page's words of every language (the browser picks)

# The checkbox toggles lecture mode in the browser at once (the views redraw their text large on the server).
TOGGLE_PRESENTATION = ("(on) => { document.querySelector('gradio-app')?.classList.toggle('presentation', on); "
                       "return on; }")

# The address bar keeps the deep link of what is on screen (explorer.app.navigation.address), with no reload.
KEEP_ADDRESS = "(link) => { if (link && link !== location.search) history.replaceState(null, '', link); }"


def each(ids: tuple[str, ...], inner: str = "", scope: str = "") -> str:
    """A CSS selector list: `inner` within each of the elements `ids`, inside `scope` (e.g. ".presentation ")."""
    return ", ".join(f"{scope}{i}{inner}" for i in ids)


def view_titles() -> dict[str, dict[str, str]]:
    """Each language's tab titles by their English ones: Gradio translates a tab's title once, as it draws the tab
    bar, so a language chosen by the address (`?lang=`) after that reaches the tabs through access.js."""
    english = catalogues()["en"]
    return {tag: {english[view.title]: words[view.title] for view in VIEWS} for tag, words in catalogues().items()}


def filled(text: str) -> str:
    """`text` with each @@scope|LIST|inner@@ written out as its selector list, each @@WORDS|prefix@@ as the
    catalogues' texts of those keys, and @@LABEL_MARGIN@@, @@LANGUAGES@@, @@GRADIO_CORE_MODULE@@ and
    @@VIEW_TITLES@@ as their values."""
    text = text.replace("@@LABEL_MARGIN@@", str(LABEL_MARGIN)).replace("@@LANGUAGES@@", json.dumps(languages()))
    text = text.replace("@@GRADIO_CORE_MODULE@@", GRADIO_CORE_MODULE)
    text = text.replace("@@VIEW_TITLES@@", json.dumps(view_titles(), ensure_ascii=False))
    text = SELECTORS.sub(lambda m: each(LISTS[m.group(2)], m.group(3), m.group(1)), text)
    return WORDS.sub(lambda m: json.dumps(words_of(m.group(1)), ensure_ascii=False), text)


@cache
def asset(name: str) -> str:
    """page.css, common.js, page.js, charts.js or access.js, filled in (read once per process)."""
    return filled(files(__package__).joinpath(name).read_text(encoding="utf-8"))


def theme() -> gr.themes.Base:
    """Gradio's default look with its faint greys and its orange under white text darkened to at least 4.5:1
    against their background (WCAG 2.1 AA; axe-core found 1.9:1 and 2.8:1): the subdued text (slider ends,
    the footer), the primary button and the accent (the map's mark, the slide bar's view)."""
    return gr.themes.Default().set(
        body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_300",
        button_primary_background_fill="*primary_700", button_primary_background_fill_hover="*primary_800",
        button_primary_background_fill_dark="*primary_700", button_primary_background_fill_hover_dark="*primary_800",
        color_accent="*primary_700")


def css() -> str:
    return asset("page.css")


def script() -> str:
    """The function the page runs once loaded: the keys, lecture mode's fitting of figures, ?present=1
    (page.js), every chart's words and table (charts.js), and the mends of Gradio's markup for assistive
    technology with the answer's live region (access.js). Each of the three is a function of its own, called in
    turn; common.js, what they share (the page's language, its words, escaping), is written before them in the
    same function, so each sees its names."""
    parts = ("page.js", "charts.js", "access.js")
    return ("() => {\n" + asset("common.js").rstrip() + "\n"
            + "\n".join(f"  ({asset(name).strip()})();" for name in parts) + "\n}")
