"""What the browser tests and the screenshot script (tests/slides.py) share: where Chromium is, how it is started,
and the steps a visitor takes on a page. Importing it changes nothing else (conftest sets the suite's network state
and file folders at import; the script imports conftest only when it starts its own app)."""
from __future__ import annotations

import shutil
from pathlib import Path

# Where Debian puts Chromium (`apt-get install chromium`), else whatever `chromium` is on the PATH.
CHROMIUM = next((Path(p) for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                                   shutil.which("chromium-browser") or "")
                 if p and Path(p).exists()), None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

# A page with no event running (Gradio's progress text or its translucent cover over what it redraws) for a whole
# second: what is on screen is what the server answered, not a grey stand-in.
IDLE = """() => {  // no event running (Gradio's progress text or translucent cover) for a whole second
  const busy = document.querySelector('.progress-text, .translucent, .pending, .generating');
  const now = performance.now();
  if (busy || window.__busyAt === undefined) window.__busyAt = now;
  return !busy && now - window.__busyAt >= 1000;
}"""


def launch_chromium(playwright):
    """Headless Chromium with the project's flags, from a running `sync_playwright()`."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def example(page, name: str) -> None:
    """Click an example and wait for its predictions (the address names it once they are in)."""
    page.locator(f"#examples img[src*='{name}']").first.click()
    page.wait_for_function(f"() => location.search.includes('example={name}')", timeout=60_000)


def add_to_class(page, name: str, count: int) -> None:
    """Type a class name and add the current image to it; wait until the summary counts `count` images."""
    page.locator("#teach-class input").fill(name)
    page.locator("#teach-add").click()
    page.wait_for_function(f"() => document.querySelector('#teach-summary')?.textContent.includes('{name} ({count})')",
                           timeout=60_000)
