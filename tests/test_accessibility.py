"""The page for everyone in the hall, in headless Chromium (conftest's `browser`): axe-core (Deque's engine) finds
no WCAG 2.1 AA violation on any view in the three layouts a class uses, every picture is described in words,
every chart has a name and a table of its numbers, and the answer is announced."""
from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from conftest import ROOT
from pages import IDLE
from explorer.app.views import VIEWS

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
LAYOUTS = {"laptop": ({"width": 1366, "height": 768}, ""), "lecture": ({"width": 1280, "height": 720}, "&present=1"),
           "phone": ({"width": 390, "height": 844}, "")}
EXAMPLE = "model=embedded&example=chelsea-cat"
ENGLISH = json.loads((ROOT / "explorer" / "text" / "locales" / "en.json").read_text(encoding="utf-8"))
AXE = Axe()


def answered(page) -> None:
    """The deep link's answer is in: the top-1 shown beside the image."""
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0",
                           timeout=90_000)


def drawn(page, view) -> None:
    """The view is open (its address in the bar), its main picture or chart is in, and no event is running
    (Gradio greys out what it is redrawing: axe would measure the grey)."""
    waits = [("its address", f"() => location.search.includes('view={view.id}')")]
    if view.figures:
        # a picture below the fold loads lazily, once scrolled to (on a phone, the tour's is)
        waits.append(("its picture", f"""() => {{ const img = document.querySelector('{view.figures[0]} img');
            if (img && !img.complete) img.scrollIntoView({{block: "center"}});
            return img?.complete && img.naturalWidth > 0; }}"""))
    elif view.charts:
        waits.append(("its chart", f"() => document.querySelector('{view.charts[0]} .js-plotly-plot')?.layout"))
    waits.append(("no event running", IDLE))
    for what, condition in waits:
        try:
            page.wait_for_function(condition, polling=100, timeout=60_000)
        except PlaywrightTimeout as exc:
            raise AssertionError(f"view {view.id}: {what} did not come within 60 s") from exc


def opened(page, app_url: str, view, extra: str = "") -> None:
    """The view's deep link with the cat photo (and `extra`, e.g. "&present=1"), answered and drawn."""
    page.goto(f"{app_url}?{EXAMPLE}&view={view.id}{extra}")
    answered(page)
    drawn(page, view)


def violations(page) -> dict[str, list[str]]:
    """axe's WCAG 2.x A/AA violations on the page: rule id -> the first few offending elements."""
    result = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return {v["id"]: [n["target"][0] if n["target"] else "?" for n in v["nodes"]][:5]
            for v in result.response["violations"]}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_axe_finds_no_wcag_aa_violation_on_any_view(app_url, browser, layout):
    viewport, extra = LAYOUTS[layout]
    page = browser.new_page(viewport=viewport)
    try:
        found = {}
        for view in VIEWS:
            opened(page, app_url, view, extra)
            if problems := violations(page):
                found[view.id] = problems
        assert found == {}, json.dumps(found, indent=1)
    finally:
        page.close()


def test_every_visible_picture_is_described_in_words(app_url, browser):
    page = browser.new_page(viewport=LAYOUTS["laptop"][0])
    try:
        undescribed = {}
        for view in VIEWS:
            opened(page, app_url, view)
            # a picture inside a named control (an example's button, a place on the map) may be decorative (alt="")
            alts = page.eval_on_selector_all("#main img, #side img", """imgs => imgs
                .filter(i => i.offsetParent && i.naturalWidth > 1)
                .filter(i => { const c = i.closest('button, a'); return !(i.getAttribute('alt') === '' && c
                               && (c.getAttribute('aria-label') || c.textContent.trim())); })
                .map(i => [i.closest('[id]')?.id, i.getAttribute('alt') ?? ''])""")
            # a description says something: words, not empty, not a file's name
            bad = [(where, alt) for where, alt in alts
                   if len(alt.split()) < 2 and not re.search(r"[\u4e00-\u9fff]{2}", alt)
                   or re.search(r"\.(png|jpe?g|webp)\b", alt)]
            if bad:
                undescribed[view.id] = bad
        assert undescribed == {}
    finally:
        page.close()


def test_every_chart_has_a_name_and_a_table_of_its_numbers(app_url, browser):
    page = browser.new_page(viewport=LAYOUTS["laptop"][0])
    try:
        for view in (v for v in VIEWS if v.charts and v.id != "teach"):  # Teach it's chart waits for a lesson
            opened(page, app_url, view)
            for selector in view.charts:
                plot = page.locator(f"{selector} .js-plotly-plot")
                page.wait_for_function(f"() => document.querySelector('{selector} .js-plotly-plot')?.getAttribute("
                                       f"'aria-label')", timeout=30_000)
                name = plot.get_attribute("aria-label")
                expected_name = plot.evaluate("p => p.layout.meta.name")
                assert name and name == expected_name, (view.id, selector)
                toggle = page.locator(f"#{selector.lstrip('#')}-words .chart-table-toggle")
                if toggle.is_hidden():  # a chart with nothing but pictures (e.g. image traces) has no numbers
                    continue
                toggle.click()
                table = page.locator(f"#{selector.lstrip('#')}-words table").first
                table.wait_for(timeout=10_000)
                assert table.locator("thead th").count() >= 2
                # the table's first number is the chart's own first number (Plotly's data, read independently)
                first = plot.evaluate("""p => { const t = (p._fullData || p.data).find(t => t.type !== 'image');
                    const v = t.z ? t.z[0][0] : t.y[0]; return typeof v === 'number' ? v : null; }""")
                cell = table.locator("tbody tr").first.locator("td").first.inner_text()
                if first is not None:
                    assert float(cell) == pytest.approx(first, rel=1e-3, abs=1e-9), (view.id, selector)
    finally:
        page.close()


def test_the_top1_and_its_probability_are_announced_politely(app_url, browser):
    page = browser.new_page(viewport=LAYOUTS["laptop"][0])
    try:
        page.goto(app_url)
        region = page.locator("#announce")
        page.wait_for_function("() => document.querySelector('#announce')?.getAttribute('aria-live')", timeout=30_000)
        assert region.get_attribute("aria-live") == "polite" and region.get_attribute("role") == "status"
        page.locator("#examples img[src*='chelsea-cat']").first.click()
        answered(page)
        page.wait_for_function("() => document.querySelector('#announce')?.textContent.trim().length > 0",
                               timeout=60_000)
        top = page.locator("#labels h2").inner_text().strip()
        first_confidence = page.locator("#labels .label-confidence, #labels dd, #labels .confidence").first
        said = region.inner_text()
        assert top in said
        if first_confidence.count():
            assert first_confidence.inner_text().strip().rstrip("%") in said
    finally:
        page.close()


def test_in_lecture_mode_question_mark_lists_the_keys_and_escape_closes_the_list(app_url, browser):
    page = browser.new_page(viewport=LAYOUTS["lecture"][0])
    try:
        page.goto(f"{app_url}?{EXAMPLE}&view=tour&present=1")
        answered(page)
        page.locator("body").press("?")
        dialog = page.locator("#keys-dialog [role=dialog], #keys-dialog[role=dialog]").first
        dialog.wait_for(state="visible", timeout=10_000)
        assert dialog.get_attribute("aria-modal") == "true"
        listed = dialog.inner_text()
        for key in ("←", "→", "Home", "End", "M", "Esc", "?"):
            assert key in listed
        page.keyboard.press("Escape")
        page.locator("#keys-dialog").first.wait_for(state="hidden", timeout=10_000)
        assert page.evaluate("document.querySelector('gradio-app').classList.contains('presentation')")
    finally:
        page.close()
