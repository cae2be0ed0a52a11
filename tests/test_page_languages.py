"""The page in the visitor's language, in headless Chromium (conftest's `browser`): a browser set to Chinese or
Spanish sees no English outside names on any view, and `?lang=es` speaks Spanish on an English browser and keeps
doing so as the visitor clicks."""
from __future__ import annotations

import json
import re

import pytest

from conftest import ROOT
from pages import IDLE
from explorer.app.views import VIEWS
from explorer.model.catalogue import catalogue

LOCALES = ROOT / "explorer" / "text" / "locales"
CATALOGUES = {tag: json.loads((LOCALES / f"{tag}.json").read_text(encoding="utf-8")) for tag in ("en", "zh-CN", "es")}
EXAMPLE = "model=embedded&example=chelsea-cat"
# Names stay as they are in every language: models, datasets, libraries, units and file formats
NAMES = {"mlp", "mixer", "mlp-mixer", "gmixer", "resmlp", "gmlp", "cifar", "imagenet", "timm", "gradio", "pytorch",
         "ray", "gelu", "layernorm", "api", "mcp", "cpu", "gpu", "cuda", "png", "json", "zip", "npz", "logit",
         "logits", "softmax", "relu", "tolstikhin", "arxiv", "neurips", "jpeg", "webp", "svg", "csv", "url", "hugging",
         "face", "safetensors", "plotly", "matplotlib", "axe", "wcag", "goog", "augreg", "miil", "sam", "fb",
         "dist", "float", "bfloat", "fp", "top", "sources", "md", "assets", "examples", "embedded", "pretrained",
         "random", "esc", "pageup", "pagedown", "home", "end", "tab", "enter", "space", "min", "max", "norm",
         "google", "fall", "sketch", "imagenetv", "hendrycks", "dietterich", "naseer", "chelsea", "python", "explorer"}
# Terms Chinese writing on machine learning keeps in Latin letters
NAMES |= {"token", "tokens", "stem", "rgb", "cos", "flops", "gflops", "transformer", "cnn", "top"}
NAMES |= {part for entry in catalogue() for part in re.split(r"[^a-z]+", entry.name.lower()) if part}
# English words that Spanish never uses as words of its own
ENGLISH_ONLY = {"the", "and", "with", "this", "which", "each", "from", "your", "what", "where", "how", "its", "of",
                "is", "are", "patches", "block", "blocks", "image", "layer", "mixing", "channels", "weights"}
VISIBLE_WORDS = """() => {
  const seen = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement, text = node.textContent.trim();
    const unseen = "script, style, .offscreen, [hidden], [aria-hidden=true]", code = "code, pre, kbd";  // code: a name
    if (!text || !element || element.closest(unseen) || element.closest(code)) continue;
    if (!element.getClientRects().length || getComputedStyle(element).visibility === "hidden") continue;
    seen.push(text);
  }
  for (const element of document.querySelectorAll("img[alt], [aria-label], [title]")) {
    if (!element.getClientRects().length) continue;
    for (const name of ["alt", "aria-label", "title"]) {
      if (element.getAttribute(name)) seen.push(element.getAttribute(name));
    }
  }
  return seen;
}"""


def open_view(page, url: str, view) -> None:
    page.goto(url)
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0",
                           timeout=90_000)
    page.wait_for_function(f"() => location.search.includes('view={view.id}')", timeout=60_000)
    page.wait_for_function(IDLE, polling=100, timeout=60_000)


def english_in(texts: list[str], language: str) -> list[str]:
    """The texts that are English: in Chinese, any word of Latin letters that is no name; in Spanish, a word that
    only English uses, or an English catalogue text that Spanish says otherwise."""
    english_texts = {text for key, text in CATALOGUES["en"].items() if CATALOGUES["es"][key] != text
                     and len(text.split()) >= 2}
    found = []
    for text in texts:
        # code, files, paths and environment variables are names too ("/explain", "summary.json", HF_HUB_OFFLINE)
        tokens = [token for token in text.split() if not re.search(r"[/._=]|^-", token)]
        words = [w.lower() for token in tokens for w in re.findall(r"[A-Za-z][A-Za-z'-]*[A-Za-z]|[A-Za-z]", token)
                 if not (len(w) > 1 and w.isupper())]
        if language == "zh-CN":
            strays = [w for w in words if len(w) > 2 and w.strip("-'") not in NAMES
                      and not any(part in NAMES for part in w.split("-"))]
        else:
            strays = [w for w in words if w in ENGLISH_ONLY] + ([text] if text in english_texts else [])
        if strays:
            found.append(f"{text[:80]!r}: {strays[:4]}")
    return sorted(set(found))


@pytest.mark.parametrize("language", ["zh-CN", "es"])
def test_a_browser_in_chinese_or_spanish_sees_no_english_outside_names(app_url, browser, language):
    context = browser.new_context(locale=language, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        found = {}
        for view in VIEWS:
            open_view(page, f"{app_url}?{EXAMPLE}&view={view.id}", view)
            assert page.evaluate("document.documentElement.lang") == language
            if strays := english_in(page.evaluate(VISIBLE_WORDS), language):
                found[view.id] = strays
        assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
    finally:
        context.close()


def test_lang_es_speaks_spanish_on_an_english_browser_and_survives_a_click_on_the_map(app_url, browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        view = next(v for v in VIEWS if v.id == "evidence")
        open_view(page, f"{app_url}?{EXAMPLE}&view=evidence&lang=es", view)
        page.wait_for_function("() => document.documentElement.lang === 'es'", timeout=30_000)
        spanish_tab = page.locator("#views button[role=tab][aria-selected=true]").inner_text().strip()
        assert spanish_tab in CATALOGUES["es"].values() and spanish_tab not in CATALOGUES["en"].values()
        page.locator("#model-map [data-part=token-mixing][data-block='1']").click()
        page.wait_for_function("() => location.search.includes('view=token-mixing')", timeout=60_000)
        assert "lang=es" in page.evaluate("location.search")
        page.wait_for_function(IDLE, polling=100, timeout=60_000)
        assert english_in(page.evaluate(VISIBLE_WORDS), "es") == []
        page.reload()  # the address it kept opens in Spanish again
        page.wait_for_function("() => document.documentElement.lang === 'es'", timeout=30_000)
    finally:
        context.close()


@pytest.mark.parametrize("region, spoken", [("zh-TW", "zh-CN"), ("es-MX", "es")])
def test_a_browser_in_a_region_the_app_speaks_by_its_language_sees_that_language_whole(app_url, browser, region,
                                                                                       spoken):
    """Gradio has a zh-TW locale of its own: without the page's switch its labels would fall back to English while
    the server answered in Chinese. The page speaks what the server does."""
    context = browser.new_context(locale=region, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        view = next(v for v in VIEWS if v.id == "evidence")
        open_view(page, f"{app_url}?{EXAMPLE}&view=evidence", view)
        page.wait_for_function(f"() => document.documentElement.lang === '{spoken}'", timeout=30_000)
        tab = page.locator("#views button[role=tab][aria-selected=true]").inner_text().strip()
        assert tab == CATALOGUES[spoken][view.title]
        page.wait_for_function(IDLE, polling=100, timeout=60_000)
        assert english_in(page.evaluate(VISIBLE_WORDS), spoken) == []
    finally:
        context.close()
