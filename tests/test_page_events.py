"""One queue event per action (issue 43): what a person does costs the server one round trip, counted as the
queue joins Chromium sends (Gradio's POST /gradio_api/queue/join), with the same screen as before."""
from conftest import EXAMPLES
from pages import example

# All of the page's events are done: no component shows Gradio's pending or generating state.
IDLE = ("() => document.querySelector('#labels h2')?.textContent.trim().length > 0 && "
        "!document.querySelector('.pending, .generating, .eta-bar')")


EVIDENCE_FOR_CAT = "() => document.querySelector('#evidence')?.textContent.includes(\"Evidence for 'cat'\")"


def counting_joins(page) -> list[str]:
    """The queue joins the page sends from now on (each one an event the server runs)."""
    joins: list[str] = []
    page.on("request", lambda r: joins.append(r.url) if r.method == "POST" and "/queue/join" in r.url else None)
    return joins


def map_carries(page, label: str) -> None:
    """The model map shows this image's top-1 (it came in the same answer as the predictions)."""
    page.wait_for_function("(label) => document.querySelector('#model-map')?.textContent.includes(label)", arg=label,
                           timeout=60_000)


def opened(page, url: str, shown: str) -> None:
    """The page at `url`, `shown` on screen and every event of its opening done."""
    page.goto(url)
    page.locator(shown).wait_for(timeout=60_000)
    page.wait_for_function("() => !document.querySelector('.pending, .generating')", timeout=60_000)


def test_an_upload_is_one_event_with_predictions_map_and_open_view(app_url, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        opened(page, app_url, "#model-map")
        joins = counting_joins(page)
        page.locator("#image input[type=file]").set_input_files(str(EXAMPLES / "cifar10-ship.jpg"))
        page.wait_for_function(IDLE, timeout=60_000)
        map_carries(page, "ship")
        page.wait_for_function("() => document.querySelector('#predict-note')?.textContent.includes('ship')",
                               timeout=60_000)
        assert page.locator("#labels h2").inner_text().strip() == "ship"
        assert len(joins) == 1, joins
    finally:
        page.close()


def test_an_example_click_is_one_event(app_url, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        opened(page, app_url + "?view=evidence", "#evidence")
        joins = counting_joins(page)
        example(page, "chelsea-cat")
        page.wait_for_function(IDLE, timeout=60_000)
        map_carries(page, "cat")
        # the open view (Evidence) drawn for the cat in the same answer
        page.wait_for_function(EVIDENCE_FOR_CAT, timeout=60_000)
        assert len(joins) == 1, joins
    finally:
        page.close()


def test_a_deep_link_is_at_most_two_events(app_url, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        joins = counting_joins(page)
        page.goto(app_url + "?example=chelsea-cat&view=evidence&model=embedded")
        page.wait_for_function(IDLE, timeout=60_000)
        map_carries(page, "cat")
        page.wait_for_function(EVIDENCE_FOR_CAT, timeout=60_000)
        assert page.locator("#labels h2").inner_text().strip() == "cat"
        assert len(joins) in (1, 2), joins  # the link read, then its view drawn by its own tab
    finally:
        page.close()
