"""The page's own style and script (page.css, page.js, files of this package) with the selector lists they share."""
from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files

from explorer.app.gradio_compat import GRADIO_CORE_MODULE
from explorer.app.views import CHARTS, FIGURES
from explorer.app.views.base import LABEL_MARGIN
from explorer.text.i18n import catalogues, languages

# The drawn pictures (gr.Image of a matplotlib figure) and the Plotly charts (each view names its own): what
# lecture mode fits to the screen and a phone lays out apart, in the CSS and the page's script alike.
LISTS = {"FIGURES": FIGURES, "CHARTS": CHARTS}
SELECTORS = re.compile(r"@@([^|@]*)\|(FIGURES|CHARTS)\|([^@]*)@@")  # @@scope|LIST|inner@@

# The checkbox toggles lecture mode in the browser at once (the views redraw their text large on the server).
TOGGLE_PRESENTATION = ("(on) => { document.querySelector('gradio-app')?.classList.toggle('presentation', on); "
                       "return on; }")

# The address bar keeps the deep link of what is on screen (explorer.app.navigation.address), with no reload.
KEEP_ADDRESS = "(link) => { if (link && link !== location.search) history.replaceState(null, '', link); }"


def each(ids: tuple[str, ...], inner: str = "", scope: str = "") -> str:
    """A CSS selector list: `inner` within each of the elements `ids`, inside `scope` (e.g. ".presentation ")."""
    return ", ".join(f"{scope}{i}{inner}" for i in ids)


def page_words() -> dict[str, dict[str, str]]:
    """The page script's own words (the lecture bar, the list of keys), `page.*`, in every language by its tag: the
    script picks the page's language in the browser (the page is built once for every visitor)."""
    return {tag: {key: text for key, text in catalogue.items() if key.startswith("page.")}
            for tag, catalogue in catalogues().items()}


def filled(text: str) -> str:
    """`text` with each @@scope|LIST|inner@@ written out as its selector list, and @@LABEL_MARGIN@@,
    @@LANGUAGES@@, @@PAGE_WORDS@@ and @@GRADIO_CORE_MODULE@@ as their values."""
    text = text.replace("@@LABEL_MARGIN@@", str(LABEL_MARGIN)).replace("@@LANGUAGES@@", json.dumps(languages()))
    text = text.replace("@@PAGE_WORDS@@", json.dumps(page_words()))  # ASCII (\u escapes): safe in a script
    text = text.replace("@@GRADIO_CORE_MODULE@@", GRADIO_CORE_MODULE)
    return SELECTORS.sub(lambda m: each(LISTS[m.group(2)], m.group(3), m.group(1)), text)


@cache
def asset(name: str) -> str:
    """page.css or page.js, its selector lists filled in (read once per process)."""
    return filled(files(__package__).joinpath(name).read_text(encoding="utf-8"))


def css() -> str:
    return asset("page.css")


def script() -> str:
    """The function the page runs once loaded: the keys, lecture mode's fitting of figures, ?present=1."""
    return asset("page.js")
