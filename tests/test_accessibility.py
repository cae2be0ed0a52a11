"""The page for everyone in the hall, in headless Chromium (conftest's `browser`): axe-core (Deque's engine) finds
no WCAG 2.1 AA violation on any view in the three layouts a class uses, every picture is described in words,
every chart has a name and a table of its numbers, and the answer is announced."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

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


def undescribed(page) -> list[tuple[str, str]]:
    """The visible pictures on the page not described in words: (the id of the element around it, its alt text)."""
    # a picture inside a named control (an example's button, a place on the map) may be decorative (alt="")
    alts = page.eval_on_selector_all("#main img, #side img", """imgs => imgs
        .filter(i => i.offsetParent && i.naturalWidth > 1)
        .filter(i => { const c = i.closest('button, a'); return !(i.getAttribute('alt') === '' && c
                       && (c.getAttribute('aria-label') || c.textContent.trim())); })
        .map(i => [i.closest('[id]')?.id, i.getAttribute('alt') ?? ''])""")
    # a description says something: words, not empty, not a file's name
    return [(where, alt) for where, alt in alts
            if len(alt.split()) < 2 and not re.search(r"[\u4e00-\u9fff]{2}", alt)
            or re.search(r"\.(png|jpe?g|webp)\b", alt)]


def chart_problems(page, view) -> list[str]:
    """What is wrong with the view's charts in words: a chart whose accessible name is not its figure's name, or
    whose table (behind its "Table" button) lacks headers or does not start with the chart's own first number."""
    problems = []
    for selector in view.charts:
        plot = page.locator(f"{selector} .js-plotly-plot")
        try:
            page.wait_for_function(f"() => document.querySelector('{selector} .js-plotly-plot')?.getAttribute("
                                   f"'aria-label')", timeout=30_000)
        except PlaywrightTimeout:
            problems.append(f"{selector}: no accessible name (aria-label) within 30 s")
            continue
        name, expected_name = plot.get_attribute("aria-label"), plot.evaluate("p => p.layout.meta.name")
        if not name or name != expected_name:
            problems.append(f"{selector}: named {name!r}, its figure's name is {expected_name!r}")
        words = f"{selector}-words-about"  # charts.js's words under the chart: its description and Table button
        toggle = page.locator(f"{words} .chart-table-toggle")
        if not toggle.count():
            problems.append(f"{selector}: no words under the chart ({words} .chart-table-toggle)")
            continue
        if toggle.is_hidden():  # a chart with nothing but pictures (e.g. image traces) has no numbers
            continue
        toggle.click()
        table = page.locator(f"{words} table").first
        try:
            table.wait_for(timeout=10_000)
        except PlaywrightTimeout:
            problems.append(f"{selector}: its Table button shows no table within 10 s")
            continue
        if table.locator("thead th").count() < 2:
            problems.append(f"{selector}: its table has fewer than 2 column headers")
        # the table's first number is the chart's own first number (Plotly's data, read independently)
        first = plot.evaluate("""p => { const t = (p._fullData || p.data).find(t => t.type !== 'image');
            const v = t.z ? t.z[0][0] : t.y[0]; return typeof v === 'number' ? v : null; }""")
        cell = table.locator("tbody tr").first.locator("td").first.inner_text()
        if first is not None and not (re.fullmatch(r"[-+\d.e]+", cell.strip())
                                      and float(cell) == pytest.approx(first, rel=1e-3, abs=1e-9)):
            problems.append(f"{selector}: its table starts with {cell!r}, the chart with {first!r}")
    return problems


@dataclass
class LaptopPass:
    """What one visit of every view on a laptop found, by view id (only views with something wrong): axe's
    violations, the pictures not described in words, the charts' missing names and tables, the errors the page's
    scripts raised; and the views that could not be opened at all (so checked for nothing)."""
    unopened: dict[str, str] = field(default_factory=dict)
    axe: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    undescribed: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    charts: dict[str, list[str]] = field(default_factory=dict)
    script_errors: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def laptop(app_url, browser) -> LaptopPass:
    """Every view opened once on a laptop's screen, and looked at for all three tests below that read it (each
    view's deep link is the slow part: opening it once, not three times, saves the module most of its time).
    axe runs first, on the page as it is drawn, before the chart check opens tables."""
    found = LaptopPass()
    page = browser.new_page(viewport=LAYOUTS["laptop"][0])
    # an error in the page's scripts stops the rest of them (access.js's mends, the live region): seen as the page
    # raises it, while the view it was opened for is the one on screen
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        for view in VIEWS:
            errors.clear()
            try:
                opened(page, app_url, view)
            except AssertionError as exc:
                found.unopened[view.id] = str(exc)
                continue
            if problems := violations(page):
                found.axe[view.id] = problems
            if bad := undescribed(page):
                found.undescribed[view.id] = bad
            if view.charts and view.id != "teach":  # Teach it's chart waits for a lesson
                if problems := chart_problems(page, view):
                    found.charts[view.id] = problems
            if errors:
                found.script_errors[view.id] = list(errors)
    finally:
        page.close()
    return found


def all_opened(laptop: LaptopPass) -> None:
    """Every view opened on the laptop: one that did not was checked for nothing."""
    assert laptop.unopened == {}, "views not opened on a laptop, so not checked:\n" + json.dumps(laptop.unopened,
                                                                                                indent=1)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_axe_finds_no_wcag_aa_violation_on_any_view(app_url, browser, layout, request):
    if layout == "laptop":  # the laptop's visit is shared with the tests of words below
        found = request.getfixturevalue("laptop")
        all_opened(found)
        assert found.axe == {}, "axe's WCAG AA violations on a laptop, by view:\n" + json.dumps(found.axe, indent=1)
        return
    viewport, extra = LAYOUTS[layout]
    page = browser.new_page(viewport=viewport)
    try:
        found = {}
        for view in VIEWS:
            opened(page, app_url, view, extra)
            if problems := violations(page):
                found[view.id] = problems
        assert found == {}, f"axe's WCAG AA violations on a {layout}, by view:\n" + json.dumps(found, indent=1)
    finally:
        page.close()


def test_every_visible_picture_is_described_in_words(laptop):
    all_opened(laptop)
    assert laptop.undescribed == {}, ("pictures without a description in words, by view: [the element around it, "
                                      "its alt text]\n" + json.dumps(laptop.undescribed, indent=1, ensure_ascii=False))


def test_every_chart_has_a_name_and_a_table_of_its_numbers(laptop):
    all_opened(laptop)
    assert laptop.charts == {}, ("charts without their name or table, by view:\n"
                                 + json.dumps(laptop.charts, indent=1, ensure_ascii=False))


def test_the_page_scripts_raise_no_error_on_any_view(laptop):
    all_opened(laptop)
    assert laptop.script_errors == {}, ("errors the page's scripts raised, by view:\n"
                                        + json.dumps(laptop.script_errors, indent=1, ensure_ascii=False))


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
