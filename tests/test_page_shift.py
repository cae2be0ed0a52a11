"""The corruption lab in Chromium: opened from the model map's place under the input, the grid of the visitor's
picture; a picked cell shows, block by block, how far its tokens moved."""
from pages import IDLE
from slides import settled

GRID = "() => document.querySelector('#shift-grid img')?.naturalWidth > 0"


def test_the_lab_opens_from_the_map_and_a_picked_cell_shows_where_it_breaks(app_url, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(app_url + "?model=embedded&example=cifar10-ship")
        page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim() === 'ship'",
                               timeout=60_000)
        place = page.locator("#model-map [data-view=shift]")
        place.click()
        page.wait_for_function(GRID, timeout=120_000)
        assert place.get_attribute("aria-current") == "true"  # the map marks the open place
        assert "view=shift" in page.url  # the address follows
        text = page.locator("#shift-text").inner_text()
        assert "clean: ship" in text and "of 75 cells" in text
        settled(page, "#shift-grid img", still_ms=300)
        # the first cell (fog, 3) broken down per block, then another picked: contrast at severity 5
        page.wait_for_function("() => document.querySelector('#shift-distance')?.textContent.includes('fog')",
                               timeout=60_000)
        page.locator("#shift-corruption input").fill("contrast")
        page.locator("#shift-corruption input").press("Enter")
        # the pick's redraw done before the next pick (on a loaded machine a change made during it can be lost)
        page.wait_for_function(IDLE, polling=100, timeout=60_000)
        page.locator("#shift-severity input[type=number]").fill("5")
        page.locator("#shift-severity input[type=number]").press("Enter")
        page.wait_for_function("() => document.querySelector('#shift-text')?.textContent.includes('contrast at "
                               "severity 5')", timeout=60_000)
        page.wait_for_function("() => document.querySelector('#shift-distance')?.textContent.includes('contrast')",
                               timeout=60_000)
        # one point per block of the embedded model on the distance chart
        assert page.locator("#shift-distance .scatterlayer .point").count() >= 7
    finally:
        page.close()
