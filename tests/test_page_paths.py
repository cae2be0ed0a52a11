"""Paths through the page no other browser test takes, in headless Chromium: deep links to the Models view, to
lecture mode with `present=yes`, and with a kind that is no kind; the tour's and the unit page's Previous/Next
buttons; Teach it's "Remove this class" and "Start over"."""
from __future__ import annotations

import pytest

from pages import add_to_class, example


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        yield page
    finally:
        page.close()


def text_of(selector: str) -> str:
    """A page function: the text of the first element matching `selector` ('' until there is one)."""
    return f"(document.querySelector({selector!r})?.textContent || '')"


def test_deep_links_to_the_models_view_to_a_yes_lecture_and_with_no_such_kind(app_url, page):
    from explorer.model.catalogue import catalogue

    page.goto(app_url + "?view=models")
    names = [e.name for e in catalogue()]
    # the Models tab open, its table listing the catalogue (the rows in view: a table scrolls its own rows)
    page.wait_for_function("(names) => document.querySelector('#views button[role=tab][aria-selected=true]')"
                           "?.textContent.trim() === 'Models' && names.filter((n) => ('\\n' + document.body.innerText"
                           " + '\\n').includes('\\n' + n + '\\n')).length >= 10", arg=names, timeout=60_000)

    page.goto(app_url + "?present=yes&example=chelsea-cat&view=evidence")  # yes, as 1 and true
    page.wait_for_function("() => document.querySelector('gradio-app')?.classList.contains('presentation')",
                           timeout=60_000)

    page.goto(app_url + "?model=embedded&example=chelsea-cat&view=unit&block=1&kind=neuron&unit=5")
    # no such kind: the unit page opens on the default kind (a channel) and the unit asked for, with no error
    page.wait_for_function(f"() => {text_of('#unit-text')}.includes('block 1 channel 5 (of')", timeout=60_000)
    assert page.locator("#unit-kind input[value=channel]").is_checked()
    assert page.locator(".toast-body").count() == 0 and "Traceback" not in page.content()


def test_the_tours_and_the_unit_pages_previous_and_next_buttons(app_url, page):
    page.goto(app_url + "?model=embedded&example=chelsea-cat&view=tour&step=3")
    step = text_of("#tour-text")
    page.wait_for_function(f"() => {step}.includes('Step 3 of 7')", timeout=60_000)
    page.get_by_role("button", name="Next →").click()
    page.wait_for_function(f"() => {step}.includes('Step 4 of 7')", timeout=30_000)
    page.get_by_role("button", name="← Previous").click()
    page.wait_for_function(f"() => {step}.includes('Step 3 of 7')", timeout=30_000)

    page.goto(app_url + "?model=embedded&example=chelsea-cat&view=unit&block=1&kind=channel&unit=5")
    unit = "() => document.querySelector('#unit-index input')?.value"
    page.wait_for_function(f"() => ({unit})() === '5' && {text_of('#unit-text')}.includes('block 1 channel 5 (of')",
                           timeout=60_000)
    page.get_by_role("button", name="Next unit →").click()
    page.wait_for_function(f"() => ({unit})() === '6' && {text_of('#unit-text')}.includes('block 1 channel 6 (of')",
                           timeout=30_000)
    page.get_by_role("button", name="← Previous unit").click()
    page.wait_for_function(f"() => ({unit})() === '5' && {text_of('#unit-text')}.includes('block 1 channel 5 (of')",
                           timeout=30_000)


def test_teach_it_removes_a_class_and_starts_over(app_url, page):
    page.goto(app_url + "?model=embedded&view=teach&example=chelsea-cat")
    page.locator("#teach-learn").wait_for(timeout=60_000)
    page.wait_for_function("() => location.search.includes('example=chelsea-cat')", timeout=60_000)
    add_to_class(page, "cats", 1)
    example(page, "cifar10-ship")
    add_to_class(page, "ships", 1)
    summary = text_of("#teach-summary")
    page.locator("#teach-class input").fill("cats")
    page.locator("#teach-remove").click()
    page.wait_for_function(f"() => !{summary}.includes('cats (') && {summary}.includes('ships (1)')",
                           timeout=30_000)
    page.locator("#teach-clear").click()
    page.wait_for_function(f"() => {summary}.includes('No classes') && !{summary}.includes('ships')",
                           timeout=30_000)


def test_architectures_latency_button_and_the_activations_channel_page(app_url, page):
    page.goto(app_url + "?model=embedded&view=architecture")
    page.get_by_role("button", name="Measure latency here").click()
    page.wait_for_function("() => /\\d+\\.\\d ms per image \\(embedded, one image at a time/"
                           ".test(document.body.innerText)", timeout=60_000)

    page.goto(app_url + "?model=embedded&example=chelsea-cat&view=activations&block=2")
    page.locator("#activations .main-svg").first.wait_for(timeout=60_000)
    channel = page.get_by_label("Channel (-1: norm over all channels)")
    channel.fill("7")
    channel.press("Enter")
    page.locator("#open-channel").click()
    page.wait_for_function(f"() => {text_of('#unit-text')}.includes('block 2 channel 7 (of')", timeout=60_000)
    assert page.locator("#unit-kind input[value=channel]").is_checked()


def test_compare_with_another_model(app_url, page):
    page.goto(app_url + "?model=embedded&example=chelsea-cat&view=compare&block=0")
    page.locator("#compare-plot .main-svg").first.wait_for(timeout=60_000)
    second = page.locator("#compare-controls input[role=listbox], #compare-controls input").first
    second.fill("mixer_s32_224")
    second.press("Enter")
    page.get_by_role("button", name="Compare", exact=True).click()
    legend = "() => [...document.querySelectorAll('#compare-plot .legendtext')].map((e) => e.textContent)"
    page.wait_for_function(f"() => JSON.stringify(({legend})()) === "
                           "JSON.stringify(['embedded (pretrained)', 'mixer_s32_224 (random)'])", timeout=60_000)
