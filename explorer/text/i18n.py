"""The app's words in every language it speaks: one catalogue per language, `locales/<tag>.json` beside this file
(a flat map of key → text, `{name}` for a value filled in), looked up by key. Adding a language is adding a file.

    t("chart.table")          the text of a key, in the language of whoever is being answered (`{name}`s filled in
                              from keyword arguments)
    label("chart.table")      a component's label or value, which Gradio's page translates itself

Who is being answered: a page's event speaks the language its address asks for (`?lang=es`), else the first
of the browser's `Accept-Language` this app speaks (zh-TW and zh read as zh-CN, es-MX as es), else English. The
request comes from Gradio's context (explorer.app.gradio_compat.current_request, which the app hands to
`read_requests_with` as it loads: this module needs no Gradio), so no handler passes it on; the
command line, the API clients without a browser and the tests speak English unless `speaking(tag)` says otherwise.
Names stay as they are in every language: models, datasets, libraries, ImageNet's class labels.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import string
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

LOCALES = Path(__file__).with_name("locales")
ENGLISH = "en"
# the language this thread answers in when no page asked (the CLI, tests): set by `speaking`
_spoken: contextvars.ContextVar[str | None] = contextvars.ContextVar("spoken", default=None)
_current_request: Callable[[], Any] = type(None)  # no request outside the app (read_requests_with)


@functools.cache
def catalogues() -> dict[str, dict[str, str]]:
    """Every language's catalogue by its tag ("en", "zh-CN", "es"), English first."""
    found = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(LOCALES.glob("*.json"))}
    return {ENGLISH: found.pop(ENGLISH), **found}


def languages() -> tuple[str, ...]:
    return tuple(catalogues())


def placeholders(text: str) -> set[str]:
    """The names a text fills in: {"model", "p"} for "{model} says {p:.0%}"."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def matched(tag: str | None) -> str | None:
    """The language this app speaks that a BCP 47 tag asks for ("es-MX" → "es", "zh-Hant" → "zh-CN"), or None."""
    if not tag:
        return None
    tag = tag.strip().replace("_", "-")
    by_lower = {spoken.lower(): spoken for spoken in languages()}
    if tag.lower() in by_lower:
        return by_lower[tag.lower()]
    primary = tag.split("-")[0].lower()
    return next((spoken for spoken in languages() if spoken.split("-")[0].lower() == primary), None)


def from_accept_language(header: str | None) -> str | None:
    """The first language of an `Accept-Language` header ("es-ES,es;q=0.9,en;q=0.8") this app speaks."""
    ranked = []
    for position, part in enumerate((header or "").split(",")):
        tag, _, weight = part.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            quality = 0.0
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    return next((found for *_, tag in sorted(ranked) if (found := matched(tag))), None)


def language_of(query: Mapping[str, str] | None, headers: Mapping[str, str] | None) -> str:
    """The language a request is answered in: the address's `lang`, else the browser's, else English."""
    return _chosen((query or {}).get("lang"), (headers or {}).get("accept-language"))


@functools.lru_cache(maxsize=256)
def _chosen(asked: str | None, accept_language: str | None) -> str:
    # every t() of an answer asks again (hundreds per event): the header is parsed once per distinct value
    return matched(asked) or from_accept_language(accept_language) or ENGLISH


def read_requests_with(source: Callable[[], Any]) -> None:
    """Where the request being answered is found (a function returning it, or None outside a request)."""
    global _current_request
    _current_request = source


def asked_language() -> str | None:
    """The language the page's address names (`?lang=`), which its links carry on; None when it names none."""
    request = _current_request()
    return matched(request.query_params.get("lang")) if request is not None else None


def current_language() -> str:
    """The language of whoever this thread is answering (see the module's docstring)."""
    spoken = _spoken.get()
    if spoken is not None:
        return spoken
    request = _current_request()
    return ENGLISH if request is None else language_of(request.query_params, request.headers)


@contextlib.contextmanager
def speaking(tag: str) -> Iterator[None]:
    """Answer in `tag` within this block (the CLI, a test, a notebook): `with speaking("es"): ...`."""
    token = _spoken.set(matched(tag) or ENGLISH)
    try:
        yield
    finally:
        _spoken.reset(token)


def t(key: str, /, **values: Any) -> str:
    """The text of `key` in the current language, its `{names}` filled in from `values`."""
    text = catalogues()[current_language()].get(key) or catalogues()[ENGLISH][key]
    return text.format(**values) if values else text


def words_of(prefix: str) -> dict[str, dict[str, str]]:
    """Every language's texts of the keys that start with `prefix`, for the page's own script (page.js, charts.js),
    which picks the page's language in the browser: {"en": {"chart.table": "Table", ...}, "es": {...}}."""
    return {tag: {key: text for key, text in catalogue.items() if key.startswith(prefix)}
            for tag, catalogue in catalogues().items()}


def label(key: str) -> Any:
    """A component's label or value, translated by Gradio's page in the browser's (or `?lang=`'s) language."""
    import gradio as gr

    return gr.I18n()(key)


def gradio_translations() -> Any:
    """Every catalogue as Gradio's gr.I18n, for `launch(i18n=...)`: the page translates the labels itself."""
    import gradio as gr

    return gr.I18n(**catalogues())


def report() -> dict[str, dict[str, list[str]]]:
    """Per language, the keys English has that it lacks, the keys it has that English lacks, and the keys whose
    `{names}` differ from English's: what a translator fills in (`python -m explorer.text.i18n`)."""
    english = catalogues()[ENGLISH]
    found = {}
    for tag, catalogue in catalogues().items():
        found[tag] = {"missing": sorted(set(english) - set(catalogue)),
                      "extra": sorted(set(catalogue) - set(english)),
                      "names differ": sorted(key for key in set(english) & set(catalogue)
                                             if placeholders(english[key]) != placeholders(catalogue[key]))}
    return found


def tidy() -> None:
    """Rewrite every catalogue with its keys sorted, one per line (so that two changes merge line by line)."""
    for path in LOCALES.glob("*.json"):
        entries = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(dict(sorted(entries.items())), ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")


if __name__ == "__main__":  # python -m explorer.text.i18n: the catalogues sorted, and what each one lacks
    tidy()
    for tag, problems in report().items():
        print(tag, {kind: keys for kind, keys in problems.items() if keys} or "complete")
