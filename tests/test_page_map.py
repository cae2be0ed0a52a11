"""The page around the model map, in headless Chromium (conftest's `browser`): the map on top at
a laptop's size, its places open their views and the address bar says which, the answer beside the image."""

import json

import pytest

from conftest import EMBEDDED_BLOCKS, ROOT

OUTPUT = ROOT / "test-output"
LAPTOP = {"width": 1366, "height": 768}
ENGLISH = json.loads((ROOT / "explorer" / "text" / "locales" / "en.json").read_text(encoding="utf-8"))


@pytest.fixture
def laptop(browser):
    page = browser.new_page(viewport=LAPTOP)
    try:
        yield page
    finally:
        page.close()


def map_drawn(page, depth: int | None = None) -> None:
    page.locator("#model-map [data-part=token-mixing]").first.wait_for(timeout=60_000)
    if depth is not None:
        page.wait_for_function(f"() => document.querySelectorAll('#model-map [data-part=token-mixing]').length === "
                               f"{depth}",
                               timeout=60_000)


def test_the_map_is_on_screen_and_a_block_opens_token_mixing_there_and_the_address_says_so(app_url, browser, laptop):
    laptop.goto(app_url)
    map_drawn(laptop, EMBEDDED_BLOCKS)
    assert laptop.locator("#model-map").bounding_box()["y"] < LAPTOP["height"] - 100
    for part in ("input", "patches", "stem", "pool", "head"):
        assert laptop.locator(f"#model-map [data-part={part}]").count() == 1
    # the contract's seven values and no other (the smaller places, patch drop and teach it, carry data-view)
    parts = laptop.eval_on_selector_all("#model-map [data-part]", "places => places.map(p => p.dataset.part)")
    assert set(parts) == {"input", "patches", "stem", "token-mixing", "channel-mixing", "pool", "head"}
    laptop.locator("#model-map [data-part=token-mixing][data-block='3']").click()
    laptop.wait_for_function("() => document.querySelector('#gallery img')?.naturalWidth > 0", timeout=60_000)
    laptop.wait_for_function("() => location.search.includes('block=3')", timeout=30_000)
    query = laptop.evaluate("location.search")
    assert "view=token-mixing" in query and "block=3" in query
    assert laptop.locator("#block input[type=number]").input_value() == "3"
    marked = laptop.locator("#model-map [aria-current=true]")
    assert (marked.get_attribute("data-part"), marked.get_attribute("data-block")) == ("token-mixing", "3")

    again = browser.new_page(viewport=LAPTOP)  # the address opens the same screen
    try:
        again.goto(app_url + query)
        map_drawn(again)
        again.wait_for_function("() => document.querySelector('#gallery img')?.naturalWidth > 0", timeout=60_000)
        assert again.locator("#block input[type=number]").input_value() == "3"
        again.wait_for_function("() => document.querySelector('#model-map [aria-current=true]')?.dataset.block === '3'",
                                timeout=30_000)
    finally:
        again.close()


def test_the_map_by_keyboard_alone_opens_token_mixing_at_block_1_with_the_focus_visible(app_url, laptop):
    """Tab reaches the strip of blocks (one Tab stop), Home and → move along it, Enter opens the place: the
    token-mixing tab selected at block 1, that place marked open, and the focus still on it, drawn as a ring."""
    laptop.goto(app_url)
    map_drawn(laptop, EMBEDDED_BLOCKS)
    in_strip = "() => document.activeElement?.matches('#model-map .mm-cell')"
    for _ in range(120):  # the page's controls before the map, one Tab each
        laptop.keyboard.press("Tab")
        if laptop.evaluate(in_strip):
            break
    assert laptop.evaluate(in_strip), "Tab reaches the map's blocks"
    assert laptop.evaluate("() => document.querySelectorAll('#model-map .mm-cell[tabindex=\"0\"]').length") == 1
    laptop.keyboard.press("Home")
    laptop.keyboard.press("ArrowUp")  # the token-mixing row, whichever row Tab arrived on
    laptop.keyboard.press("ArrowRight")
    focused = "() => [document.activeElement.dataset.part, document.activeElement.dataset.block]"
    assert laptop.evaluate(focused) == ["token-mixing", "1"]
    name = laptop.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert name == ENGLISH["map.block.token"].format(block=1)  # "token mixing, block 1"
    laptop.keyboard.press("Enter")
    laptop.wait_for_function("() => document.querySelector('#views [role=tab][aria-selected=true]')?.dataset.tabId "
                             "=== 'token-mixing'", timeout=60_000)
    laptop.wait_for_function("() => location.search.includes('view=token-mixing') && "
                             "location.search.includes('block=1')", timeout=30_000)
    assert laptop.locator("#block input[type=number]").input_value() == "1"
    marked = laptop.locator("#model-map [aria-current=true]")
    assert (marked.get_attribute("data-part"), marked.get_attribute("data-block")) == ("token-mixing", "1")
    assert laptop.evaluate(focused) == ["token-mixing", "1"], "the focus stays on the place opened"
    ring = laptop.evaluate("() => { const e = document.activeElement, s = getComputedStyle(e); return "
                           "{visible: e.matches(':focus-visible'), style: s.outlineStyle, width: s.outlineWidth}; }")
    assert ring["visible"] and ring["style"] != "none" and float(ring["width"].removesuffix("px")) >= 2, ring
    OUTPUT.mkdir(exist_ok=True)
    laptop.locator("#model-map").screenshot(path=OUTPUT / "map-keyboard-focus.png")


def test_a_tab_opened_by_hand_moves_the_mark_and_the_address(app_url, laptop):
    laptop.goto(app_url)
    map_drawn(laptop)
    laptop.get_by_role("tab", name="Stem").click()
    laptop.wait_for_function("() => document.querySelector('#model-map [aria-current=true]')?.dataset.part === 'stem'",
                             timeout=30_000)
    laptop.wait_for_function("() => location.search.includes('view=stem')", timeout=30_000)
    laptop.locator("#model-map [data-part=head]").click()
    laptop.wait_for_function("() => location.search.includes('view=predict')", timeout=30_000)


def test_an_example_click_shows_its_top1_on_the_laptop_screen_and_the_address_names_it(app_url, laptop):
    OUTPUT.mkdir(exist_ok=True)
    laptop.goto(app_url)
    map_drawn(laptop)
    laptop.locator("#examples .gallery-item, #examples button").first.click()
    laptop.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0",
                             timeout=60_000)
    top1 = laptop.locator("#labels h2").bounding_box()
    assert top1["y"] + top1["height"] <= LAPTOP["height"]
    first_row = laptop.locator("#labels dd, #labels .bar, #labels [data-testid=label-output-value]").first
    assert first_row.bounding_box()["y"] < LAPTOP["height"]
    laptop.wait_for_function("() => location.search.includes('example=')", timeout=30_000)
    laptop.screenshot(path=OUTPUT / "map-1366x768.png")


def test_on_a_phone_the_top_k_comes_right_under_the_image(app_url, browser):
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        phone.goto(app_url + "?example=chelsea-cat")
        phone.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0",
                                timeout=60_000)
        image, labels = phone.locator("#image").bounding_box(), phone.locator("#labels").bounding_box()
        examples = phone.locator("#examples").bounding_box()
        assert image["y"] < labels["y"] < examples["y"]
        assert labels["y"] - (image["y"] + image["height"]) < 40
        phone.screenshot(path=OUTPUT / "map-390x844.png", full_page=True)
    finally:
        phone.close()


@pytest.mark.parametrize("model, depth", [("mixer_s32_224", 8), ("gmixer_12_224", 12), ("resmlp_12_224", 12),
                                          ("gmlp_ti16_224", 30)])
def test_the_map_has_one_token_mixing_place_per_block_for_every_family(app_url, laptop, model, depth):
    laptop.goto(app_url + f"?model={model}&weights=random")
    map_drawn(laptop, depth)
    assert laptop.locator("#model-map [data-part=channel-mixing]").count() == depth
    assert model in laptop.locator("#model-map").inner_text()
