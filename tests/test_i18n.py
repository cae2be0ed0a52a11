"""The message catalogues (explorer/text/locales): every language has every key, each key is used, each used key
exists, and a request's language is read as a browser means it."""
from __future__ import annotations

import json
import re
import string
from pathlib import Path

import pytest

from explorer.text import i18n

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "explorer" / "text" / "locales"
SOURCES = [p for p in (ROOT / "explorer").rglob("*") if p.suffix in (".py", ".js", ".html") and p.is_file()]
# a key looked up in the code: t("key"), label("key"), or a key kept in a constant or View spec ("area.name")
LOOKUP = re.compile(r"""\b(?:t|label)\(\s*["']([\w.-]+)["']""")


def read(tag: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{tag}.json").read_text(encoding="utf-8"))


def names_in(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


TAGS = sorted(p.stem for p in LOCALES.glob("*.json"))
CODE = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES)


def test_the_app_speaks_english_chinese_and_spanish():
    assert {"en", "zh-CN", "es"} <= set(TAGS)


@pytest.mark.parametrize("tag", [t for t in TAGS if t != "en"])
def test_every_language_has_every_english_key_and_no_other(tag):
    english, other = read("en"), read(tag)
    assert sorted(set(english) - set(other)) == [], f"{tag} lacks these keys"
    assert sorted(set(other) - set(english)) == [], f"{tag} has keys English does not"


@pytest.mark.parametrize("tag", [t for t in TAGS if t != "en"])
def test_every_translation_fills_in_the_same_values_as_english(tag):
    english, other = read("en"), read(tag)
    differ = {key: (names_in(english[key]), names_in(other[key])) for key in english
              if key in other and names_in(english[key]) != names_in(other[key])}
    assert differ == {}


@pytest.mark.parametrize("tag", TAGS)
def test_no_text_is_empty(tag):
    assert [key for key, text in read(tag).items() if not text.strip()] == []


def used(key: str) -> bool:
    """The key is written in the code, whole ("plot.lens.title") or as its family's prefix of two parts or more,
    which the code completes at run time ("access.gradio." for every access.gradio.* key)."""
    family = key.rsplit(".", 1)[0] + "."
    return any(f"{quote}{key}{quote}" in CODE for quote in "\"'") or (family.count(".") >= 2 and (
        f'"{family}' in CODE or f"'{family}" in CODE or f"`{family}" in CODE))


def test_every_key_is_used_somewhere_in_the_code():
    assert [key for key in read("en") if not used(key)] == []


def test_every_key_the_code_looks_up_exists():
    english = read("en")
    looked_up = {key for key in LOOKUP.findall(CODE)}
    assert sorted(looked_up - set(english)) == []
    assert looked_up, "the pattern finds the lookups"


@pytest.mark.parametrize("header, expected", [
    ("es-MX,es;q=0.9,en;q=0.8", "es"),
    ("zh-CN,zh;q=0.9", "zh-CN"),
    ("zh-TW", "zh-CN"),  # one Chinese catalogue: the simplified one is the nearer reading than English
    ("fr-FR,fr;q=0.9,es;q=0.5,en;q=0.4", "es"),  # French is not spoken: the next the visitor reads
    ("en;q=0.3,es;q=0.7", "es"),  # weights, not order
    ("fr, de", "en"),
    ("", "en"),
    ("*", "en"),
])
def test_a_browsers_accept_language_picks_the_first_language_the_app_speaks(header, expected):
    assert i18n.language_of({}, {"accept-language": header}) == expected


def test_the_addresss_lang_outranks_the_browser_and_unknown_ones_are_ignored():
    browser = {"accept-language": "zh-CN"}
    assert i18n.language_of({"lang": "es"}, browser) == "es"
    assert i18n.language_of({"lang": "ES"}, browser) == "es"
    assert i18n.language_of({"lang": "klingon"}, browser) == "zh-CN"
    assert i18n.language_of({"lang": "en"}, browser) == "en"


def test_t_fills_in_values_in_the_language_spoken():
    key = next(k for k, text in read("en").items() if names_in(text))
    values = {name: 7 for name in names_in(read("en")[key])}
    for tag in TAGS:
        with i18n.speaking(tag):
            assert i18n.t(key, **values) == read(tag)[key].format(**values)
    assert i18n.t(key, **values) == read("en")[key].format(**values)  # outside: English
