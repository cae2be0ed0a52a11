"""What a person sees: the real app in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""
import os
import socket
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import EXAMPLES, ROOT
from explorer.ui import build_app, launch

CHROMIUM = Path("/usr/bin/chromium")
OUTPUT = ROOT / "test-output"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="Debian's chromium is not installed (.ci/run installs it)")


@pytest.fixture(scope="module")
def app_url():
    demo = build_app(default_model="embedded")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


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
    page.get_by_role("button", name="Export all views").click()
    link = page.locator("#export-file a[download='explanation.zip']")
    link.wait_for(timeout=60_000)
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "explanation.zip"
    info.value.save_as(path)
    import zipfile

    assert "summary.json" in zipfile.ZipFile(path).namelist()
