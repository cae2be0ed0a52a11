"""Teach it and Patch drop in headless Chromium, as visitors use them: two classes from the examples, Learn, an
answer; two visitors who never see each other's classes; the patch-drop chart opened from the map, its 0% point
the model's own prediction."""
from __future__ import annotations

import pytest

from conftest import EXAMPLES, ROOT
from pages import add_to_class, example
from slides import settled


OUTPUT = ROOT / "test-output"
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture
def visitor(browser):
    context = browser.new_context(viewport=LAPTOP)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def other_visitor(browser):
    context = browser.new_context(viewport=LAPTOP)
    try:
        yield context.new_page()
    finally:
        context.close()


def probes_answer(classes: dict[str, list[str]], shown: str) -> str:
    """The class a probe taught `classes` (name -> example names) picks for the example `shown`, as explorer's API
    computes it in this process (the server's): what the page must show, reached without the page."""
    from explorer import load_model
    from explorer.analysis.analysis import Analysis
    from explorer.analysis.teach import Lesson, image_features, learn, probe_answer

    loaded, lesson = load_model("embedded"), Lesson()
    for name, pictures in classes.items():
        lesson = lesson.with_images(name, [(EXAMPLES / f"{p}.jpg", p) for p in pictures])
    return probe_answer(learn(loaded, lesson), image_features(Analysis(loaded, EXAMPLES / f"{shown}.jpg"))).label


def test_two_classes_from_the_examples_then_learn_shows_the_probes_answer(app_url, visitor):
    taught = {"kitty": ["chelsea-cat", "cifar10-frog"], "boat": ["cifar10-ship", "rocket"]}
    OUTPUT.mkdir(exist_ok=True)
    visitor.goto(app_url + "?view=teach")
    visitor.locator("#teach-learn").wait_for(timeout=60_000)
    visitor.wait_for_function("() => document.querySelector('#teach-summary')?.textContent.includes('No classes')",
                              timeout=60_000)
    for name, picture, count in (("kitty", "chelsea-cat", 1), ("kitty", "cifar10-frog", 2),
                                 ("boat", "cifar10-ship", 1), ("boat", "rocket", 2)):
        example(visitor, picture)
        add_to_class(visitor, name, count)
    visitor.locator("#teach-learn").click()
    visitor.wait_for_function("() => document.querySelector('#teach-summary')?.textContent.includes('Leave-one-out')",
                              timeout=60_000)
    answer = "() => document.querySelector('#teach-answer h2')?.textContent.trim()"
    visitor.wait_for_function(f"(expected) => ({answer})() === expected", arg=probes_answer(taught, "rocket"),
                              timeout=60_000)
    # beside the model's own answer, and the training images in the chart with this image among them
    assert visitor.locator("#teach-model h2").inner_text().strip() == visitor.locator("#labels h2").inner_text().strip()
    names = visitor.evaluate("document.querySelector('#teach-plot .js-plotly-plot').data.map(t => t.name)")
    assert {"kitty", "boat", "this image"} <= set(names)
    visitor.screenshot(path=OUTPUT / "teach-1366x768.png", full_page=True)
    # another image: the probe answers on it too
    example(visitor, "cifar10-horse")
    visitor.wait_for_function("() => document.querySelector('#teach-model h2')?.textContent.trim() === "
                              "document.querySelector('#labels h2')?.textContent.trim()", timeout=60_000)
    visitor.wait_for_function(f"(expected) => ({answer})() === expected", arg=probes_answer(taught, "cifar10-horse"),
                              timeout=60_000)
    # and on any other view too, under the model's predictions
    visitor.get_by_role("tab", name="Stem").click()
    example(visitor, "cifar10-automobile")
    visitor.wait_for_function("(expected) => document.querySelector('#probe-line')?.textContent.includes("
                              "'Your probe: ' + expected)", arg=probes_answer(taught, "cifar10-automobile"),
                              timeout=60_000)


def test_two_visitors_never_see_each_others_classes(app_url, visitor, other_visitor):
    visitor.goto(app_url + "?view=teach&example=chelsea-cat")
    visitor.locator("#teach-learn").wait_for(timeout=60_000)
    visitor.wait_for_function("() => location.search.includes('example=chelsea-cat')", timeout=60_000)
    add_to_class(visitor, "secretcats", 1)
    other_visitor.goto(app_url + "?view=teach&example=cifar10-ship")
    other_visitor.locator("#teach-learn").wait_for(timeout=60_000)
    other_visitor.wait_for_function("() => location.search.includes('example=cifar10-ship')", timeout=60_000)
    add_to_class(other_visitor, "myboats", 1)
    summary = other_visitor.locator("#teach-summary").inner_text()
    assert "myboats (1)" in summary and "secretcats" not in summary and "1 class" in summary
    other_visitor.locator("#teach-class input").click()  # the class picker lists only the visitor's own
    assert "secretcats" not in other_visitor.locator("#teach-class").inner_text()
    visitor.locator("#teach-class input").fill("secretcats")  # the first visitor's lesson is still whole
    example(visitor, "cifar10-frog")
    visitor.locator("#teach-add").click()
    visitor.wait_for_function("() => document.querySelector('#teach-summary')?.textContent.includes('secretcats (2)')",
                              timeout=60_000)
    assert "myboats" not in visitor.locator("#teach-summary").inner_text()


def test_patch_drop_opens_from_the_map_and_at_0_percent_is_the_models_prediction(app_url, visitor):
    from explorer import load_model
    from explorer.analysis.analysis import Analysis

    visitor.goto(app_url + "?example=cifar10-ship")
    visitor.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim() === 'ship'",
                              timeout=60_000)
    visitor.locator("#model-map [data-view=drop]").click()
    visitor.wait_for_function("() => location.search.includes('view=drop')", timeout=60_000)
    visitor.wait_for_function("() => document.querySelector('#drop-plot .js-plotly-plot')?.data?.length >= 4",
                              timeout=120_000)
    assert visitor.locator("#model-map [data-view=drop]").get_attribute("aria-current") == "true"
    # the traces as Plotly drew them (its own data may hold the arrays still encoded)
    traces = visitor.evaluate("document.querySelector('#drop-plot .js-plotly-plot')._fullData"
                              ".map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}))")
    trained = next(t for t in traces if t["name"] and t["name"].startswith("pretrained (top-1"))
    assert any(t["name"] and t["name"].startswith("random weights") for t in traces)
    analysis = Analysis(load_model("embedded"), EXAMPLES / "cifar10-ship.jpg")  # the server runs in this process
    assert trained["x"][0] == 0 and trained["y"][0] == pytest.approx(float(analysis.probabilities.max()), abs=1e-5)
    assert "mean token" in visitor.locator("#drop-text").inner_text()
    visitor.screenshot(path=OUTPUT / "drop-1366x768.png", full_page=True)


def test_on_a_lecture_slide_the_patch_drop_chart_ends_on_the_screen(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto(app_url + "?present=1&example=cifar10-ship&view=drop")
        page.wait_for_function("() => document.querySelector('#drop-plot .js-plotly-plot .main-svg')"
                               "?.getBoundingClientRect().height > 0", timeout=120_000)
        settled(page, "#drop-plot .js-plotly-plot .main-svg")  # the page fits the chart to the screen, Plotly redraws
        box = page.locator("#drop-plot .js-plotly-plot .main-svg").first.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 720, box
        assert page.evaluate("() => window.scrollY") == 0
        page.screenshot(path=OUTPUT / "drop-lecture-1280x720.png")
    finally:
        page.close()
