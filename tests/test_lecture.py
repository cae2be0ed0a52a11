"""Lecture mode is a slide (issue 29, point 4), in headless Chromium at 1280×720 and 1920×1080: every view's main
figure entirely on screen, its top in the top 20% of the screen, spanning 80% of its height or of its width; the
chrome one thin bar; the map a slide of its own, a key away. The measuring is tests/slides.py's."""

import json
import re

from conftest import EMBEDDED_BLOCKS, ROOT
from slides import SIZES, SLIDES, measure, open_slide, settled

OUTPUT = ROOT / "test-output" / "slides"
BAR_HEIGHT = 48  # px at most: one thin line
LOCALES = ROOT / "explorer" / "text" / "locales"


def catalogue(tag: str) -> dict[str, str]:
    """One language's words, read from its file (not through the code that looks them up)."""
    return json.loads((LOCALES / f"{tag}.json").read_text(encoding="utf-8"))


ENGLISH = catalogue("en")


def test_the_page_script_carries_the_lecture_bars_words_in_every_language():
    """page.js picks its words in the browser (the page is built once for all): page.py gives it every language's
    page.* words, and only those."""
    from explorer.app.page import script

    found = re.search(r"const lexicon = (\{.*?\});\n", script())
    assert found, "page.js's words are filled in"
    lexicon = json.loads(found.group(1))
    expected = {tag: {k: v for k, v in catalogue(tag).items() if k.startswith("page.")}
                for tag in ("en", "es", "zh-CN")}
    assert lexicon == expected
    assert lexicon["es"]["page.leave"] != lexicon["en"]["page.leave"]


def screen(browser, width: int, height: int):
    return browser.new_page(viewport={"width": width, "height": height})


def under_the_bar(p, bar: dict) -> bool:
    """The bar is one thin line and the figure starts under it, not behind it."""
    return bar["height"] <= BAR_HEIGHT and p.top * p.height >= bar["y"] + bar["height"] - 1


def test_every_view_s_main_figure_is_a_whole_slide(app_url, browser):
    """Every slide on both screens (one page per screen, side by side, so that their waits overlap); a screenshot of
    each slide that fails, in test-output/slides/."""
    pages = [screen(browser, width, height) for width, height in SIZES]
    try:
        placements, rows = [], []
        for slide in SLIDES:
            for page, p in zip(pages, measure(pages, app_url, slide)):
                bar = page.locator("#slide-bar").bounding_box()
                placements.append((p, bar))
                rows.append(p.row())
                if not (p.is_a_slide and under_the_bar(p, bar)):  # what failed, as the audience would see it
                    OUTPUT.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=OUTPUT / f"{slide}-{p.width}x{p.height}.png")
        assert {(p.width, p.height) for p, _ in placements} == set(SIZES)
        assert [p.slide for p, _ in placements] == [s for s in SLIDES for _ in SIZES]
        table = "\n".join(rows)
        for p, bar in placements:
            assert p.on_screen, table  # entirely on the screen, nothing scrolled
            assert p.top <= 0.20, table  # its top within the top 20% of the screen
            assert p.across >= 0.80 or p.down >= 0.80, table  # 80% of the screen's width or of its height
            assert under_the_bar(p, bar), (p, bar)
    finally:
        for page in pages:
            page.close()


def test_the_chrome_is_one_thin_line_with_the_image_model_block_and_place(app_url, browser):
    page = screen(browser, 1280, 720)
    try:
        open_slide(page, app_url, "token-mixing")
        settled(page, "#gallery img")
        bar = page.locator("#slide-bar")
        assert bar.bounding_box()["height"] <= BAR_HEIGHT
        # the image's thumbnail, the model, the block, the open view, and where it is on the map
        assert page.locator("#slide-bar .sb-thumb img").evaluate("(e) => e.complete && e.naturalWidth > 0")
        text = bar.inner_text()
        for words in ("embedded", "MLP-Mixer", ENGLISH["page.block"].format(block=3), "Token mixing"):
            assert words in text, text
        here = ENGLISH["page.map"].format(place=ENGLISH["map.block.token"].format(block=3))
        assert page.locator("#slide-bar .sb-map").get_attribute("aria-label") == here
        marks = page.locator("#slide-bar .sb-strip i")
        assert marks.count() == 5 + EMBEDDED_BLOCKS  # input, patches, stem, the blocks, pool, head
        assert page.locator("#slide-bar .sb-strip i.sb-here").count() == 1
        assert "sb-here" in (marks.nth(3 + 3).get_attribute("class") or "")  # block 3's mark
        # the fallback as a few words on that line (its whole why on hover), the banner itself folded away
        fallback = page.locator("#slide-bar .sb-fallback")
        assert "ImageNet weights could not be loaded here" in fallback.inner_text()
        assert "CIFAR-10" in fallback.get_attribute("title")
        assert fallback.bounding_box()["height"] <= BAR_HEIGHT and not page.locator("#banner").is_visible()
        # nothing else above the slide: no tabs, no pickers, no map, no examples
        for hidden in ("#intro", "#views .tab-wrapper", "#model", "#examples", "#model-map", "#image"):
            assert not page.locator(hidden).first.is_visible(), hidden
        page.screenshot(path=OUTPUT / "bar-1280x720.png", clip={"x": 0, "y": 0, "width": 1280, "height": 48})
    finally:
        page.close()


def test_no_fallback_words_when_the_model_asked_for_runs(app_url, browser):
    page = screen(browser, 1280, 720)
    try:
        page.goto(app_url + "?present=1&model=mixer_s32_224&weights=random&example=chelsea-cat&view=evidence")
        settled(page, "#evidence .js-plotly-plot .main-svg")
        page.wait_for_function("() => document.querySelector('#slide-bar')?.innerText.includes('mixer_s32_224')",
                               timeout=60_000)
        assert page.locator("#slide-bar .sb-fallback").count() == 0
    finally:
        page.close()


def test_m_shows_the_map_as_a_slide_a_place_there_opens_its_view_and_esc_steps_back(app_url, browser):
    page = screen(browser, 1280, 720)
    try:
        open_slide(page, app_url, "stem")
        settled(page, "#stem img")
        page.locator("body").press("m")
        page.locator("#model-map").wait_for(state="visible", timeout=10_000)
        assert not page.locator("#stem").is_visible()
        page.locator("body").press("Escape")  # closes the map: the slide it came from, still in lecture mode
        page.locator("#model-map").wait_for(state="hidden", timeout=10_000)
        assert page.locator("#stem img").is_visible()
        assert page.evaluate("() => document.querySelector('gradio-app').classList.contains('presentation')")

        page.locator("#slide-bar .sb-map").click()  # the bar's map button, as M
        page.locator("#model-map").wait_for(state="visible", timeout=10_000)
        page.locator("#model-map [data-part=token-mixing][data-block='2']").click()
        page.locator("#model-map").wait_for(state="hidden", timeout=10_000)
        page.wait_for_function("() => location.search.includes('view=token-mixing') && location.search.includes("
                               "'block=2') && location.search.includes('present=1')", timeout=60_000)
        box = settled(page, "#gallery img")
        assert box["top"] <= 0.2 * 720 and box["height"] >= 0.8 * 720, box
        assert ENGLISH["page.block"].format(block=2) in page.locator("#slide-bar").inner_text()

        page.locator("body").press("Escape")  # no map open: Esc leaves lecture mode
        page.wait_for_function("() => !document.querySelector('gradio-app').classList.contains('presentation')",
                               timeout=30_000)
        assert not page.locator("#slide-bar").is_visible()
        page.locator("#model-map").wait_for(state="visible", timeout=10_000)  # the page around the map again
        # M is lecture mode's key only. The page's key handler (on the document) runs before one on the window, which
        # notes whether the map's slide is open once the key has been handled: a condition to wait on, not a pause.
        page.evaluate("() => window.addEventListener('keydown', (e) => { window.__afterKey = {key: e.key, "
                      "mapSlide: document.querySelector('gradio-app').classList.contains('map-slide')}; }, "
                      "{once: true})")
        page.locator("body").press("m")
        page.wait_for_function("() => window.__afterKey?.key === 'm'", timeout=10_000)
        assert page.evaluate("() => window.__afterKey.mapSlide") is False
        assert not page.evaluate("() => document.querySelector('gradio-app').classList.contains('map-slide')")
    finally:
        page.close()


def test_a_figure_whose_picture_arrives_late_is_fitted_when_it_arrives(app_url, browser):
    """A slow server: the figure's <img> is on the page before its picture has loaded (its size unknown, nothing
    to fit yet). Once the picture arrives it is fitted to the slide (page.js listens for the picture's load)."""
    page = screen(browser, 1280, 720)
    held, holding = [], [True]  # the page's requests for files (the figure's picture among them)
    try:
        page.route("**/gradio_api/file=**",
                   lambda route: held.append(route) if holding[0] else route.continue_())
        open_slide(page, app_url, "stem")
        page.wait_for_function("() => document.querySelector('#stem img')?.getAttribute('src')", timeout=60_000)
        # the page has had its frames to fit (it fits on the next animation frame; nothing to fit: no picture yet)
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        assert held and not page.locator("#stem img").evaluate("(e) => e.complete && e.naturalWidth > 0")
        holding[0] = False
        for route in held:  # the pictures arrive
            route.continue_()
        box = settled(page, "#stem img")
        assert box["top"] <= 0.2 * 720 and box["height"] >= 0.8 * 720, box
    finally:
        page.close()
