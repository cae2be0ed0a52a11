"""What a person sees: the real app in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; the
`browser` fixture is conftest's)."""
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import EMBEDDED_BLOCKS, EXAMPLES, ROOT
from slides import settled

OUTPUT = ROOT / "test-output"


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    try:
        yield page
    finally:
        page.close()


def drawn(path: Path) -> bool:
    """A screenshot that is a picture, not a blank box: many distinct colours."""
    pixels = np.asarray(Image.open(path).convert("RGB")).reshape(-1, 3)
    return len(np.unique(pixels, axis=0)) > 50


def test_upload_classify_and_read_the_label(app_url, page):
    OUTPUT.mkdir(exist_ok=True)
    page.goto(app_url)
    page.locator("#image input[type=file]").set_input_files(str(EXAMPLES / "cifar10-ship.jpg"))
    label = page.locator("#labels h2")  # gr.Label shows the top class as a heading
    label.wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0", timeout=30_000)
    assert label.inner_text().strip() == "ship"
    assert "embedded" in page.locator("#status").inner_text()
    page.screenshot(path=OUTPUT / "predict.png", full_page=True)


def test_deep_link_opens_the_gallery_and_a_click_enlarges_a_unit(app_url, page):
    page.goto(app_url + "?model=embedded&weights=pretrained&block=2&view=token-mixing")
    gallery = page.locator("#gallery img")
    gallery.wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('#gallery img')?.naturalWidth > 0", timeout=30_000)
    assert page.locator("#block input[type=number]").input_value() == "2"
    gallery.screenshot(path=OUTPUT / "gallery.png")
    assert drawn(OUTPUT / "gallery.png")
    box = gallery.bounding_box()
    gallery.click(position={"x": box["width"] * 0.05, "y": box["height"] * 0.05})
    page.locator("#unit img").wait_for(timeout=30_000)
    page.locator("#unit").screenshot(path=OUTPUT / "unit.png")
    assert drawn(OUTPUT / "unit.png")
    page.screenshot(path=OUTPUT / "token-mixing.png", full_page=True)


def test_export_downloads_a_zip(app_url, page, tmp_path):
    page.goto(app_url + "?view=export")
    page.locator("#image input[type=file]").set_input_files(str(EXAMPLES / "cifar10-horse.jpg"))
    page.locator("#image img").wait_for(timeout=30_000)  # the upload has landed
    page.get_by_role("button", name="Export all views").click()
    link = page.locator("#export-file a[download='explanation.zip']")
    link.wait_for(timeout=60_000)
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "explanation.zip"
    info.value.save_as(path)
    import zipfile

    assert "summary.json" in zipfile.ZipFile(path).namelist()


def test_every_tab_draws_for_an_uploaded_image(app_url, page):
    """Visit each view with the cat photo loaded: each one's figure drawn (its picture in test-output/tabs/)."""
    from explorer.model.catalogue import catalogue

    shots = OUTPUT / "tabs"
    shots.mkdir(parents=True, exist_ok=True)
    page.goto(app_url + "?model=embedded&weights=pretrained&view=predict")
    page.locator("#image input[type=file]").set_input_files(str(EXAMPLES / "chelsea-cat.jpg"))
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0", timeout=30_000)
    drawn_by = {"Predictions": "#labels", "Activations": "#activations .main-svg", "Evidence": "#evidence .main-svg",
                "Logit lens": "#lens .main-svg", "Architecture": "#arch-plot .main-svg", "Token mixing": "#gallery img",
                "Stem": "#stem img", "Patch shuffle": "#shuffle img", "Training timeline": "#timeline img"}
    for view, name in [("predict", "Predictions"), ("token-mixing", "Token mixing"), ("stem", "Stem"),
                       ("activations", "Activations"), ("evidence", "Evidence"), ("logit-lens", "Logit lens"),
                       ("shuffle", "Patch shuffle"), ("architecture", "Architecture"),
                       ("timeline", "Training timeline"), ("models", "Models")]:
        page.get_by_role("tab", name=name).click()
        if name == "Models":  # a table, not a picture: every model of the catalogue listed
            names = [e.name for e in catalogue()]
            # a cell per name
            page.wait_for_function(f"() => {names!r}.filter((n) => ('\\n' + document.body.innerText + "
                                   f"'\\n').includes('\\n' + n + '\\n')).length >= 10", timeout=30_000)
        else:  # opening the tab draws it: the figure itself is a picture, not a blank box
            figure = page.locator(drawn_by[name]).first
            figure.wait_for(timeout=30_000)
            if drawn_by[name].endswith("img"):
                page.wait_for_function(f"() => document.querySelector('{drawn_by[name]}')?.naturalWidth > 0",
                                       timeout=30_000)
            settled(page, drawn_by[name], still_ms=500)  # drawn, and no longer being redrawn or resized
            figure.screenshot(path=shots / f"{view}-figure.png")
            assert drawn(shots / f"{view}-figure.png"), view
    assert page.locator("#labels h2").first.text_content().strip() == "cat"
    assert "GFLOPs" in page.content()
    page.get_by_role("tab", name="Compare").click()
    page.wait_for_function("() => [...document.querySelectorAll('.prose')].some(p => "
                           "p.textContent.includes('(random) · block 0'))", timeout=60_000)
    page.locator("#compare-plot .main-svg").first.wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelectorAll('#compare-plot .legendtext').length === 2", timeout=30_000)
    legend = page.evaluate("() => [...document.querySelectorAll('#compare-plot .legendtext')].map((e) => "
                           "e.textContent)")
    assert legend == ["embedded (pretrained)", "embedded (random)"]  # the two models, one line each
    assert page.locator("#compare-plot .scatterlayer .trace").count() == 2
    page.screenshot(path=shots / "compare.png", full_page=True)


def test_a_deep_link_with_an_example_opens_on_a_drawn_chart_with_no_click(app_url, page):
    page.goto(app_url + "?model=embedded&example=chelsea-cat&view=evidence")
    page.locator("#evidence .heatmaplayer image, #evidence .heatmaplayer path").first.wait_for(state="attached",
                                                                                               timeout=60_000)
    assert page.locator("#evidence .gtitle").first.text_content().startswith("Evidence for 'cat'")
    assert "embedded" in page.locator("#status").inner_text()  # the predictions ran too, with no click


@pytest.mark.parametrize("link", ["?example=cifar10-horse", "?example=cifar10-horse&view=predict",
                                  "?example=cifar10-horse&view=evidence"])
def test_a_deep_link_shows_the_predictions_with_their_note(app_url, page, link):
    page.goto(app_url + link)  # the Predictions tab open already (no tab event) or another tab
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim() === 'horse'", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#predict-note')?.textContent.includes('32×32')",
                           timeout=30_000)
    # what the model knows, beside its answer
    assert "airplane, automobile, bird" in page.locator("#predict-note").text_content()


def test_hovering_the_evidence_map_says_what_the_number_means(app_url, page):
    page.goto(app_url + "?model=embedded&example=cifar10-horse&view=evidence")
    drag = page.locator("#evidence .nsewdrag").first
    drag.wait_for(timeout=60_000)
    settled(page, "#evidence .js-plotly-plot .main-svg", still_ms=500)  # where the mouse goes stays put
    box = drag.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.55)
    hover = page.locator("#evidence .hoverlayer .hovertext").first
    hover.wait_for(timeout=10_000)
    text = hover.text_content()
    assert "logit for 'horse' from this patch" in text and "patch row" in text
    assert re.search(r"this patch − mean: [+-]\d\.\d{3}$", text)  # a number as people read it
    page.screenshot(path=OUTPUT / "evidence-hover.png")


def test_a_bad_upload_shows_a_readable_message(app_url, page, tmp_path):
    bad = tmp_path / "holiday.jpg"
    bad.write_text("not a picture at all")
    page.goto(app_url)
    page.locator("#image input[type=file]").set_input_files(str(bad))
    toast = page.get_by_text("holiday.jpg is not an image format this app can read")
    toast.first.wait_for(timeout=30_000)
    page.screenshot(path=OUTPUT / "bad-upload.png")
    page.locator("#image input[type=file]").set_input_files(str(EXAMPLES / "cifar10-frog.jpg"))
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim() === 'frog'", timeout=30_000)


def test_the_guided_tour_steps_forward_in_presentation_mode(app_url, page):
    page.goto(app_url + "?view=tour&step=4&present=1")
    page.locator("#image input[type=file]").set_input_files(str(EXAMPLES / "chelsea-cat.jpg"))
    page.wait_for_function("() => document.querySelector('#tour-text')?.textContent.includes('Step 4 of 7')",
                           timeout=30_000)
    assert page.evaluate("() => document.querySelector('gradio-app').classList.contains('presentation')")
    page.locator("body").click(position={"x": 5, "y": 700})  # the slide has no buttons: a clicker's key steps it
    page.keyboard.press("PageDown")
    page.wait_for_function("() => document.querySelector('#tour-text')?.textContent.includes('Step 5 of 7: Channel "
                           "mixing')", timeout=30_000)
    page.locator("#tour-image img").wait_for(timeout=30_000)
    page.wait_for_function("() => document.querySelector('#tour-image img')?.naturalWidth > 0", timeout=30_000)
    settled(page, "#tour-image img", still_ms=500)
    (OUTPUT / "tabs").mkdir(parents=True, exist_ok=True)
    page.screenshot(path=OUTPUT / "tabs" / "tour.png", full_page=True)
    page.locator("#tour-image img").screenshot(path=OUTPUT / "tour-figure.png")
    assert drawn(OUTPUT / "tour-figure.png")  # the step's own figure, not the page around it


def tour_heading(page) -> str:
    return page.locator("#tour-text h3").inner_text()


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_lecture_deep_link_shows_the_whole_step_and_the_keyboard_steps_it(app_url, browser, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(app_url + "?present=1&example=chelsea-cat&view=tour&step=4")
        page.wait_for_function("() => document.querySelector('#tour-text h3')?.textContent.includes('Step 4 of 7')",
                               timeout=60_000)
        page.locator("#tour-image img").wait_for(timeout=30_000)
        # no buttons and slider over the slide: the keys step it
        assert not page.locator("#tour-nav").is_visible() and not page.locator("#step").is_visible()
        for step in (4, 5):
            # what shows of the figure: its frame (a slide clips the label badge's white rows off the picture's top)
            box = page.locator("#tour-image .image-frame").bounding_box()
            assert (box["y"] >= 0 and box["y"] + box["height"] <= height
                    and box["x"] + box["width"] <= width), (step, box)
            assert page.evaluate("() => window.scrollY") == 0
            if step == 4:
                if width == 1280:
                    OUTPUT.mkdir(exist_ok=True)
                    page.screenshot(path=OUTPUT / "lecture-tour-1280x720.png")
                page.locator("body").click(position={"x": 5, "y": height - 5})  # focus the page, not a field
                page.keyboard.press("ArrowRight")  # what a presenter's clicker sends as PageDown, too
                page.wait_for_function("() => document.querySelector('#tour-text h3')?.textContent.includes('Step 5 "
                                       "of 7')", timeout=30_000)
                settled(page, "#tour-image img", still_ms=500)  # step 5's figure in, and fitted to the slide
        page.keyboard.press("End")
        page.wait_for_function("() => document.querySelector('#tour-text h3')?.textContent.includes('Step 7 of 7')",
                               timeout=30_000)
        page.keyboard.press("PageUp")
        page.wait_for_function("() => document.querySelector('#tour-text h3')?.textContent.includes('Step 6 of 7')",
                               timeout=30_000)
        # every view is a key away: M shows the model map, whose places open them (the tabs wait outside lecture
        # mode, none behind an overflow menu)
        from explorer.app.views import IDS as VIEWS

        assert page.locator("#views button[role=tab]").count() == len(VIEWS)
        page.keyboard.press("m")
        page.locator("#model-map [data-part=stem]").wait_for(state="visible", timeout=10_000)
    finally:
        page.close()


def test_on_a_phone_a_chart_keeps_its_layout_and_scrolls_sideways(app_url, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page.goto(app_url + "?example=chelsea-cat&view=evidence")
        page.wait_for_function("() => document.querySelector('#evidence .js-plotly-plot "
                               ".main-svg')?.getBoundingClientRect().width > 0", timeout=60_000)
        chart = page.locator("#evidence .js-plotly-plot .main-svg").first.bounding_box()
        assert chart["width"] >= 700, chart  # two maps and their colour bars side by side, not squeezed into 330 px
        block = page.evaluate("() => { const e = document.querySelector('#evidence'); return [e.scrollWidth, "
                              "e.clientWidth]; }")
        assert block[0] > block[1]  # the chart's own box scrolls ...
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # ... not the page
        page.goto(app_url + "?example=chelsea-cat&view=tour&step=4")
        step_figure = page.locator("#tour-image img")
        step_figure.wait_for(state="attached", timeout=60_000)
        step_figure.scroll_into_view_if_needed(timeout=30_000)
        # a lazy-loaded picture: it loads once scrolled to, as a visitor's would
        page.wait_for_function("() => document.querySelector('#tour-image img')?.naturalWidth > 0", timeout=30_000)
        # the tour's figure below its words, not a 170-px column beside them
        assert step_figure.bounding_box()["width"] >= 300
    finally:
        page.close()


# The first row of a picture that is not all white (the tiles' top: above it only the white rows the badge may
# cover), read off the picture's own pixels, as a fraction of its height.
FIRST_INKED_ROW = """(img) => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
    for (let row = 0; row < canvas.height; row++)
        for (let i = row * canvas.width * 4; i < (row + 1) * canvas.width * 4; i += 4)
            if (pixels[i] < 250 || pixels[i + 1] < 250 || pixels[i + 2] < 250) return row / canvas.height;
    return 1;
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_label_badge_and_tool_bar_never_cover_the_top_row_of_tiles(app_url, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.goto(app_url + "?example=chelsea-cat&view=token-mixing")
        page.wait_for_function("() => document.querySelector('#gallery img')?.naturalHeight > 0", timeout=60_000)
        settled(page, "#gallery img", still_ms=500)  # laid out for good
        inked = page.locator("#gallery img").first.evaluate(FIRST_INKED_ROW)
        assert 0 < inked < 0.5, inked  # white rows on top, then the tiles
        box = page.locator("#gallery img").first.bounding_box()
        tiles_top = box["y"] + inked * box["height"]
        badge, tools = page.evaluate("""() => [
            document.querySelector('#gallery label').getBoundingClientRect().bottom,
            document.querySelector('#gallery .icon-button-wrapper').getBoundingClientRect().bottom]""")
        # the picture shrinks on a phone, its white rows with it
        assert badge <= tiles_top + 1 and tools <= tiles_top + 1, (tiles_top, badge, tools)
    finally:
        page.close()


def test_escape_leaves_lecture_mode(app_url, page):
    page.goto(app_url + "?present=1&example=chelsea-cat&view=evidence")
    page.locator("#evidence .js-plotly-plot").wait_for(timeout=60_000)
    assert not page.locator("#intro").is_visible()  # folded away on a slide, with the Presentation checkbox
    page.locator("body").click(position={"x": 5, "y": 700})
    page.keyboard.press("m")  # the map's slide open: Esc closes it and the lecture goes on
    page.locator("#model-map").wait_for(state="visible", timeout=10_000)
    page.keyboard.press("Escape")
    page.locator("#model-map").wait_for(state="hidden", timeout=10_000)
    assert page.evaluate("() => document.querySelector('gradio-app').classList.contains('presentation')")
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('gradio-app').classList.contains('presentation')",
                           timeout=30_000)
    page.locator("#intro").wait_for(state="visible", timeout=10_000)
    assert not page.locator("#present input").is_checked()
    # redrawn at normal size
    page.wait_for_function("() => parseFloat(getComputedStyle(document.querySelector('#evidence .gtitle')).fontSize) "
                           "< 20", timeout=30_000)


def test_an_example_click_shows_its_predictions_and_random_weights_change_them(app_url, page):
    page.goto(app_url + "?model=embedded")
    page.locator("#examples img").first.wait_for(timeout=30_000)
    names = [p.stem for p in sorted(EXAMPLES.glob("*.jpg"))]
    page.locator("#examples button").nth(names.index("cifar10-horse")).click()  # one click, nothing else
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim() === 'horse'", timeout=30_000)
    page.wait_for_function("() => document.querySelector('#predict-note')?.textContent.includes('32×32')",
                           timeout=30_000)
    note = page.locator("#predict-note").inner_text()
    for label in ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"):
        assert label in note
    assert "ImageNet weights could not be loaded here" in page.locator("#banner").inner_text()
    pretrained = page.locator("#labels").inner_text()
    page.locator("#weights label", has_text="random").click()
    page.wait_for_function("() => document.querySelector('#status')?.textContent.includes('random weights')",
                           timeout=30_000)
    page.wait_for_function(f"() => document.querySelector('#labels')?.innerText !== {pretrained!r}", timeout=30_000)


@pytest.mark.parametrize("width, height, model", [(1280, 720, "embedded"), (1920, 1080, "embedded"),
                                                  (1280, 720, "mixer_s32_224&weights=random")])
def test_a_lecture_chart_fits_the_screen(app_url, browser, width, height, model):
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        # the fallback banner above it, or none
        page.goto(app_url + f"?present=1&model={model}&example=chelsea-cat&view=evidence")
        chart = page.locator("#evidence .js-plotly-plot")
        chart.wait_for(timeout=60_000)
        page.wait_for_function("() => document.querySelector('#evidence .js-plotly-plot "
                               ".main-svg')?.getBoundingClientRect().height > 0", timeout=30_000)
        # the page fits the chart to the screen on the next animation frame, then Plotly redraws
        settled(page, "#evidence .js-plotly-plot .main-svg", still_ms=500)
        box = page.locator("#evidence .js-plotly-plot .main-svg").first.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, box  # the whole chart on the slide, no scrolling
        # and it takes what the screen has left
        assert box["height"] >= 0.45 * height and box["y"] + box["height"] >= height - 60, box
        assert page.evaluate("() => window.scrollY") == 0
    finally:
        page.close()


def test_every_drawn_figure_of_a_lecture_slide_ends_on_the_screen_with_no_badge_over_it(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        for view, figure in (("token-mixing", "#gallery"), ("stem", "#stem"), ("shuffle", "#shuffle"),
                             ("timeline", "#timeline")):
            # the fallback banner and a note above each
            page.goto(app_url + f"?present=1&example=chelsea-cat&view={view}")
            picture = page.locator(f"{figure} img")
            picture.wait_for(timeout=60_000)
            page.wait_for_function(f"() => document.querySelector('{figure} img')?.complete", timeout=30_000)
            settled(page, f"{figure} img", still_ms=500)  # the page's own fitting runs on the next animation frame
            box = picture.bounding_box()
            assert box["height"] >= 200 and box["y"] + box["height"] <= 720, (view, box)
            # the label badge would cover the top row
            assert not page.locator(f"{figure} label").first.is_visible(), view
            assert page.evaluate("() => window.scrollY") == 0
    finally:
        page.close()


def test_no_banner_box_when_the_model_asked_for_runs(app_url, page):
    page.goto(app_url + "?model=mixer_s32_224&weights=random&example=chelsea-cat")
    page.wait_for_function("() => document.querySelector('#status')?.textContent.includes('mixer_s32_224')",
                           timeout=60_000)
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0", timeout=60_000)
    assert not page.locator("#banner").is_visible()  # not an empty yellow box either


def test_a_block_out_of_range_is_clamped_with_a_note_and_no_error(app_url, page):
    page.goto(app_url + "?model=embedded&block=99&view=token-mixing")
    page.wait_for_function("() => document.querySelector('#link-note')?.textContent.includes('block=99')",
                           timeout=30_000)
    last = str(EMBEDDED_BLOCKS - 1)
    assert f"showing block {last}" in page.locator("#link-note").inner_text()
    page.locator("#gallery img").wait_for(timeout=30_000)
    assert page.locator("#block input[type=number]").input_value() == last
    assert page.locator("#block input[type=range]").get_attribute("max") == last  # the embedded model's, not 35
    assert page.get_by_text("Error", exact=True).count() == 0


def test_screen_readers_hear_words_not_translation_keys(app_url, page):
    page.goto(app_url)
    page.locator("#image input[type=file]").wait_for(state="attached", timeout=30_000)
    page.evaluate("() => { window.said = [];\n"
                  "      const listen = () => document.querySelectorAll('[aria-live]').forEach((e) => { "
                  "const t = e.textContent.trim(); if (t) window.said.push(t); });\n"
                  "      new MutationObserver(listen).observe(document.body, "
                  "{childList: true, subtree: true, characterData: true}); }")
    page.locator("#image input[type=file]").set_input_files(str(EXAMPLES / "cifar10-ship.jpg"))
    page.wait_for_function("() => window.said.includes('Done')", timeout=60_000)
    said = page.evaluate("() => window.said")
    assert not any("common." in s for s in said), said


def test_sliders_follow_the_keyboard_and_typed_numbers_not_only_the_mouse(app_url, page):
    page.goto(app_url + "?model=embedded&view=token-mixing")
    note = ("() => [...document.querySelectorAll('.prose')].map((e) => e.textContent)"
            ".find((t) => t.includes('smoothness')) || ''")
    page.wait_for_function(f"() => ({note})().includes('block 0 ·')", timeout=30_000)
    page.locator("#block input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({note})().includes('block 1 ·')", timeout=30_000)
    page.locator("#block input[type=number]").fill("5")
    page.wait_for_function(f"() => ({note})().includes('block 5 ·')", timeout=30_000)


def test_a_unit_page_opens_from_a_link_and_the_keyboard_walks_the_units(app_url, page):
    last = EMBEDDED_BLOCKS - 1
    page.goto(app_url + f"?view=unit&model=embedded&block={last}&kind=channel&unit=5&example=chelsea-cat")
    heading = "() => document.querySelector('#unit-text h3')?.textContent || ''"
    page.wait_for_function(f"() => ({heading})().includes('block {last} channel 5 ')", timeout=60_000)
    page.locator("#unit-page img").wait_for(timeout=30_000)
    OUTPUT.mkdir(exist_ok=True)
    page.locator("#unit-page").screenshot(path=OUTPUT / "unit-page.png")
    assert drawn(OUTPUT / "unit-page.png")
    assert "held-out CIFAR-10 validation images" in page.locator("#unit-text").inner_text()
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({heading})().includes('block {last} channel 6 ')", timeout=30_000)
    page.keyboard.press("End")
    page.wait_for_function(f"() => ({heading})().includes('block {last} channel 127 ')", timeout=30_000)


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_a_unit_page_on_a_lecture_slide_is_one_wide_row_that_fits(app_url, browser, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(app_url + "?present=1&view=unit&model=embedded&block=0&kind=channel&unit=3&example=chelsea-cat")
        heading = "() => document.querySelector('#unit-text h3')?.textContent || ''"
        page.wait_for_function(f"() => ({heading})().includes('block 0 channel 3 ')", timeout=60_000)
        picture = page.locator("#unit-page img")
        picture.wait_for(timeout=30_000)
        page.wait_for_function("() => document.querySelector('#unit-page img')?.complete", timeout=30_000)
        box = page.locator("#unit-page .image-frame").bounding_box()  # what shows of it (see the tour's test)
        # the whole page on the slide, examples included
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, box
        assert box["width"] >= 0.7 * width, box  # one row across the screen, not a column down a third of it
        assert page.evaluate("() => window.scrollY") == 0
        # chosen before the lecture
        assert not page.locator("#unit-kind").is_visible() and not page.locator("#unit-index").is_visible()
        page.locator("body").click(position={"x": 5, "y": height - 5})
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => ({heading})().includes('block 0 channel 4 ')", timeout=30_000)
    finally:
        page.close()


def test_a_gallery_tile_opens_its_unit_page(app_url, page):
    page.goto(app_url + "?model=embedded&block=1&view=token-mixing")
    gallery = page.locator("#gallery img")
    gallery.wait_for(timeout=30_000)
    box = gallery.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.1, box["y"] + box["height"] * 0.3)
    page.locator("#unit img").wait_for(timeout=30_000)
    page.locator("#open-token-unit").click()
    page.wait_for_function("() => (document.querySelector('#unit-text h3')?.textContent || '').includes('block 1 "
                           "token-mixing unit')", timeout=30_000)


def unit_heading(page) -> str:
    return page.locator("#unit-text h3").inner_text()


def wait_text(page, selector: str, text: str, timeout: int = 60_000) -> None:
    page.wait_for_function(f"() => (document.querySelector({selector!r})?.innerText || '').includes({text!r})",
                           timeout=timeout)


def test_deep_links_open_a_token_unit_lecture_mode_and_clamp_what_is_out_of_range(app_url, page):
    page.goto(app_url + "?view=unit&model=embedded&block=1&kind=token&unit=2")
    wait_text(page, "#unit-text h3", "block 1 token-mixing unit 2 (of 64 token-mixing units)")
    assert page.locator("#unit-kind input[value=token]").is_checked()

    page.goto(app_url + "?present=true&view=evidence&example=cifar10-horse")
    page.wait_for_function("() => document.querySelector('gradio-app').classList.contains('presentation')",
                           timeout=60_000)
    assert page.locator("#present input").is_checked()

    page.goto(app_url + "?block=abc&view=token-mixing")
    wait_text(page, "#link-note", f"block=abc is outside 0–{EMBEDDED_BLOCKS - 1}: showing block 0.")
    page.locator("#gallery img").wait_for(timeout=30_000)
    assert page.locator("#block input[type=number]").input_value() == "0"

    page.goto(app_url + "?view=tour&step=99&example=chelsea-cat")
    wait_text(page, "#link-note", "step=99 is outside 1–7: showing step 7.")
    wait_text(page, "#tour-text h3", "Step 7 of 7")

    page.goto(app_url + "?view=unit&model=embedded&kind=channel&unit=-5")
    wait_text(page, "#link-note", "unit=-5 is outside")
    wait_text(page, "#unit-text h3", "block 0 channel 0 (of 128 channels)")

    page.goto(app_url + "?view=unit&model=embedded&kind=channel&unit=500")  # past this model's channels: its last
    wait_text(page, "#unit-text h3", "block 0 channel 127 (of 128 channels)")
    assert page.get_by_text("Error", exact=True).count() == 0


def test_a_link_with_an_unknown_view_weights_or_model_is_ignored_or_explained(app_url, page):
    page.goto(app_url + "?view=nonsense&weights=nonsense&model=embedded&example=cifar10-horse")
    # the trained answer: weights kept
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim() === 'horse'", timeout=60_000)
    assert page.locator("button[role=tab][aria-selected=true]").inner_text().strip() == "Predictions"
    assert page.locator("#weights input[value=pretrained]").is_checked()

    page.goto(app_url + "?model=resnet_zzz&example=cifar10-horse")
    toast = page.get_by_text("unknown model 'resnet_zzz'")
    toast.first.wait_for(timeout=60_000)
    assert "Traceback" not in page.content()


def test_the_feature_visualisation_is_computed_on_request_and_stop_cancels_it(app_url, page):
    # A model whose visualisations are not shipped: its unit page opens at once and offers the button.
    page.goto(app_url + "?view=unit&model=mixer_s32_224&weights=random&block=0&kind=channel&unit=0")
    wait_text(page, "#unit-text h3", "mixer_s32_224 · block 0 channel 0")
    assert "not computed yet" in page.locator("#unit-text").inner_text()
    page.locator("#unit-feature").click()
    page.get_by_text("optimising the image").first.wait_for(timeout=60_000)  # the progress bar over the page
    page.locator("#unit-stop").click()
    page.get_by_text("feature visualisation of block 0 stopped after").first.wait_for(timeout=60_000)
    assert "not computed yet" in page.locator("#unit-text").inner_text() and page.locator("#unit-feature").is_visible()

    # The embedded model with random weights: small enough to let it finish.
    page.goto(app_url + "?view=unit&model=embedded&weights=random&block=0&kind=channel&unit=5")
    wait_text(page, "#unit-text h3", "block 0 channel 5")
    wait_text(page, "#unit-text", "not computed yet")
    page.locator("#unit-page img").wait_for(timeout=30_000)
    before = page.locator("#unit-page img").get_attribute("src")
    page.locator("#unit-feature").click()
    page.wait_for_function("() => !(document.querySelector('#unit-text')?.innerText || '').includes('not computed "
                           "yet')", timeout=120_000)
    page.locator("#unit-feature").wait_for(state="hidden", timeout=30_000)
    # redrawn with it
    page.wait_for_function(f"() => document.querySelector('#unit-page img')?.getAttribute('src') !== {before!r}",
                           timeout=30_000)


def test_the_timeline_slider_shows_each_snapshot(app_url, page):
    from explorer.model import embedded

    epochs = list(embedded.read_timeline())
    note = ("() => [...document.querySelectorAll('.prose')].map((e) => e.textContent)"
            ".find((t) => t.includes(' · epoch ')) || ''")
    page.goto(app_url + "?view=timeline&model=embedded")
    # the end of training first
    page.wait_for_function(f"() => ({note})().includes('block 0 · epoch {epochs[-1]} of {epochs[-1]}')", timeout=60_000)
    page.wait_for_function("() => document.querySelector('#timeline img')?.naturalWidth > 0", timeout=30_000)
    page.locator("#timeline img").screenshot(path=OUTPUT / "timeline-last.png")
    last_src = page.locator("#timeline img").get_attribute("src")
    page.locator("#snapshot input[type=number]").fill("0")
    page.wait_for_function(f"() => ({note})().includes('block 0 · epoch {epochs[0]} of {epochs[-1]}')", timeout=30_000)
    # the first snapshot's picture in place of the last's, loaded
    page.wait_for_function("(last) => { const e = document.querySelector('#timeline img'); "
                           "return e && e.getAttribute('src') !== last && e.complete && e.naturalWidth > 0; }",
                           arg=last_src, timeout=30_000)
    page.locator("#timeline img").screenshot(path=OUTPUT / "timeline-first.png")
    first, last = (np.asarray(Image.open(OUTPUT / f"timeline-{n}.png").convert("RGB")).astype(int)
                   for n in ("first", "last"))
    assert first.shape == last.shape and np.abs(first - last).mean() > 5  # another picture: the initialisation's noise
    page.locator("#snapshot input[type=range]").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function(f"() => ({note})().includes('block 0 · epoch {epochs[1]} of {epochs[-1]}')", timeout=30_000)


@pytest.fixture(scope="module")
def cached_app_url(cached_weights, reachable_hub):
    """The app in a process of its own whose Hub answers and whose local cache holds ImageNet weights."""
    from conftest import serve

    yield from serve({"HF_HUB_CACHE": str(cached_weights), "HF_HUB_OFFLINE": "0", "HF_ENDPOINT": reachable_hub})


def test_the_fallback_banner_follows_the_network_state(app_url, cached_app_url, page):
    from conftest import CACHED_MODEL

    # This process: the Hub unreachable (HF_HUB_OFFLINE), nothing cached: the embedded model stands in, said.
    page.goto(app_url + f"?model={CACHED_MODEL}&example=cifar10-horse")
    wait_text(page, "#status", f"{CACHED_MODEL} (pretrained weights) could not be used")
    wait_text(page, "#banner", "ImageNet weights could not be loaded here")
    assert "not in the local Hugging Face cache" in page.locator("#banner").inner_text()

    # Weights in the local cache and a Hub that answers: the ImageNet model runs, and no banner for it or for the
    # embedded model chosen.
    page.goto(cached_app_url + f"?model={CACHED_MODEL}&example=cifar10-horse")
    wait_text(page, "#status", f"{CACHED_MODEL} · pretrained weights (local Hugging Face cache)")
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0", timeout=60_000)
    assert not page.locator("#banner").is_visible()
    page.goto(cached_app_url + "?model=embedded&example=cifar10-horse")
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim() === 'horse'", timeout=60_000)
    assert not page.locator("#banner").is_visible()
