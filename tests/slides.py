"""Lecture mode as slides, measured in headless Chromium: each view opened by its deep link with `present=1`, and
where its main figure lands on the screen (the painted picture, not its box: a drawn figure is letterboxed inside
its <img>). tests/test_lecture.py asserts on these numbers; run this file for the table itself:

    python tests/slides.py                         # serves the app itself (embedded model) on a free port
    python tests/slides.py http://127.0.0.1:7860/  # or measures a running one; screenshots in test-output/slides/
    python tests/slides.py --readme                # retakes the README's screenshots of the app (docs/screenshots/)
    python tests/slides.py --model=gmlp_s16_224    # another family, with random weights (none are downloaded here)
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from pages import add_to_class, example, launch_chromium

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-output" / "slides"
SIZES = ((1280, 720), (1920, 1080))
CHART = " .js-plotly-plot .main-svg"  # a Plotly chart's painted area: its first (main) svg
NO_SLIDE = ("teach",)  # its chart is empty until the visitor's classes are learned: no slide of its own


def slide_of(view) -> tuple[str, str]:
    """A view's slide: its deep link (at block 3, channel 5 where it reads them) and its main figure's selector
    (its first drawn picture, else its first chart: explorer.app.views.View)."""
    query = f"view={view.id}" + "".join(part for param, part in (("block", "&block=3"), ("kind", "&kind=channel"),
                                                                 ("unit", "&unit=5")) if param in view.link)
    if view.id == "token-mixing":
        query = query.replace("&unit=5", "")  # the gallery alone: no unit enlarged beside it
    return query, (f"{view.figures[0]} img" if view.figures else view.charts[0] + CHART)


def slides() -> dict[str, tuple[str, str]]:
    """slide name -> (the deep link's own parameters, the main figure's selector): every view with a figure (the
    tour once per step), and the map's own slide (M on any slide)."""
    from explorer.analysis.tour import STEP_TITLES
    from explorer.app.views import VIEWS

    found: dict[str, tuple[str, str]] = {}
    for view in VIEWS:
        if view.id == "tour":
            figure = slide_of(view)[1]
            steps = range(1, len(STEP_TITLES) + 1)
            found.update({f"tour-{step}": (f"view=tour&step={step}", figure) for step in steps})
        elif (view.figures or view.charts) and view.id not in NO_SLIDE:
            found[view.id] = slide_of(view)
    return {**found, "map": ("view=token-mixing&block=3", "#model-map")}


SLIDES = slides()
MAP_KEY = "m"
MODEL = "model=embedded"  # the deep link's model and weights (--model=NAME: NAME with random weights)

# The painted rectangle of an element: an <img>'s picture inside its box (object-fit: contain, centred), else the box.
PAINTED = """(e) => {
  const r = e.getBoundingClientRect();
  let {left, top, width, height} = r;
  if (e.tagName === "IMG" && e.naturalWidth > 0) {
    const scale = Math.min(width / e.naturalWidth, height / e.naturalHeight);
    const w = e.naturalWidth * scale, h = e.naturalHeight * scale;
    left += (width - w) / 2; top += (height - h) / 2; width = w; height = h;
  }
  const frame = e.parentElement.getBoundingClientRect();  // what its frame clips off (a slide: the badge's rows)
  if (e.tagName === "IMG" && top < frame.top) { height -= frame.top - top; top = frame.top; }
  return {left, top, width, height, ready: e.tagName !== "IMG" || (e.complete && e.naturalWidth > 0)};
}"""


@dataclass(frozen=True)
class Placement:
    """Where a slide's main figure is, as fractions of the screen."""

    slide: str
    width: int  # the screen's
    height: int
    top: float  # the figure's top, a fraction of the screen's height
    across: float  # its width, a fraction of the screen's width
    down: float  # its height, a fraction of the screen's height
    on_screen: bool  # entirely on the screen, the page unscrolled

    @property
    def span(self) -> float:
        return max(self.across, self.down)

    @property
    def is_a_slide(self) -> bool:
        """The issue's numbers: entirely on screen, its top in the top 20%, 80% of the height or of the width."""
        return self.on_screen and self.top <= 0.2 and self.span >= 0.8

    def row(self) -> str:
        return (f"| {self.slide} | {self.width}×{self.height} | {self.top:.0%} | {self.across:.2f} | {self.down:.2f} "
                f"| {'yes' if self.on_screen else 'NO'} | {'pass' if self.is_a_slide else 'FAIL'} |")


# True once the first element matching a selector is drawn and its painted rectangle and picture have stayed the
# same for `still_ms` (polled in the page, so no round trip to Python sits between two looks).
STILL = """([selector, stillMs]) => {
  const e = document.querySelector(selector), key = "__still " + selector, now = performance.now();
  const box = e && (%s)(e);
  const drawn = box && box.ready && box.width > 0 && box.height > 0;
  const look = drawn && JSON.stringify([box, e.currentSrc || e.innerHTML.length]);
  const last = window[key];
  if (!drawn || !last || last.look !== look) { window[key] = {look, since: now}; return false; }
  return now - last.since >= stillMs;
}""" % PAINTED


def settled(page, selector: str, timeout_ms: int = 60_000, still_ms: int = 1200) -> dict:
    """The figure's painted rectangle once it is drawn and has kept still for `still_ms` (the server redraws a
    view when the image arrives, the page then fits it to the screen within a frame, and Plotly redraws in its
    new box). Not drawn and still within the timeout (or hidden): fails, saying where the figure was last seen."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator(selector).first.wait_for(state="attached", timeout=timeout_ms)
    try:
        page.wait_for_function(STILL, arg=[selector, still_ms], polling=100, timeout=timeout_ms)
    except PlaywrightTimeout as exc:
        last = page.evaluate("(key) => window[key]?.look", "__still " + selector)
        raise AssertionError(f"{selector} was not drawn and still for {still_ms} ms within {timeout_ms} ms "
                             f"(last seen: {last})") from exc
    return page.locator(selector).first.evaluate(PAINTED)


def open_slide(page, base_url: str, slide: str) -> None:
    """The slide's deep link with the cat photo, in lecture mode; the map's slide is M pressed on a slide."""
    open_lecture(page, base_url, SLIDES[slide][0], map_slide=slide == "map")


def lecture_url(base_url: str, query: str) -> str:
    return f"{base_url}?present=1&{MODEL}&example=chelsea-cat&{query}"


def lecture_ready(page, map_slide: bool = False) -> None:
    """Wait for the opened deep link's answer; with map_slide, then press M."""
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0",
                           timeout=90_000)
    if map_slide:
        settled(page, "#gallery img")
        page.locator("body").press(MAP_KEY)


def open_lecture(page, base_url: str, query: str, map_slide: bool = False) -> None:
    """A deep link's own parameters, opened with the cat photo in lecture mode; with map_slide, then M."""
    page.goto(lecture_url(base_url, query))
    lecture_ready(page, map_slide)


def placement(page, slide: str, shot: Path | None = None) -> Placement:
    """Where the open slide's main figure settles, on `page`'s screen (its viewport)."""
    box = settled(page, SLIDES[slide][1])
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    scrolled = page.evaluate("() => [scrollX, scrollY]") != [0, 0]
    on_screen = (not scrolled and box["width"] > 0 and box["left"] >= -0.5 and box["top"] >= -0.5
                 and box["left"] + box["width"] <= width + 0.5 and box["top"] + box["height"] <= height + 0.5)
    if shot is not None:
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=shot)
    return Placement(slide, width, height, box["top"] / height, box["width"] / width, box["height"] / height,
                     on_screen)


def measure(pages: list, base_url: str, slide: str, shots: Path | None = None) -> list[Placement]:
    """Open `slide` on every page (one per screen size) and measure its main figure on each. The pages load side
    by side: each one's waiting (the server's answer, the figure keeping still) overlaps the others'."""
    for page in pages:
        page.goto(lecture_url(base_url, SLIDES[slide][0]))
    placements = []
    for page in pages:
        lecture_ready(page, map_slide=slide == "map")
        size = page.viewport_size
        placements.append(placement(page, slide, shots and shots / f"{slide}-{size['width']}x{size['height']}.png"))
    return placements


def table(base_url: str, slides: list[str] | None = None) -> list[Placement]:
    from playwright.sync_api import sync_playwright

    placements = []
    print("| slide | screen | top | width | height | on screen | a slide |\n|---|---|---|---|---|---|---|", flush=True)
    with sync_playwright() as p:
        browser = launch_chromium(p)
        pages = [browser.new_page(viewport={"width": width, "height": height}) for width, height in SIZES]
        for slide in slides or SLIDES:
            for placement_on_screen in measure(pages, base_url, slide, SHOTS):
                print(placement_on_screen.row(), flush=True)
                placements.append(placement_on_screen)
        browser.close()
    return sorted(placements, key=lambda p: p.width)


# The README's screenshots (docs/screenshots/): lecture slides at 1280x720, and the page a visitor sees at 1366x768.
DOCS = ROOT / "docs" / "screenshots"
LECTURE_SHOTS = {name: SLIDES[name] for name in ("token-mixing", "shuffle", "evidence", "activations", "stem")} | {
    "predict": ("view=predict", "#labels h2"), "lecture-tour": SLIDES["tour-4"], "lecture-map": SLIDES["map"]}
# The unit pages the README shows (name -> block, channel) and the lesson its Teach-it shot teaches (class -> examples)
SHOWN_UNITS = {"unit-block0": (0, 5), "unit-last": (-1, 93)}
TAUGHT = {"animal": ("chelsea-cat", "cifar10-horse", "cifar10-frog"),
          "vehicle": ("cifar10-automobile", "cifar10-ship", "rocket"), "other": ("astronaut", "coffee")}
VISITOR_SHOTS = {"architecture": SLIDES["architecture"], "compare": SLIDES["compare"],
                 "logit-lens": SLIDES["logit-lens"], "models": ("view=models", "#views table"),
                 "timeline": SLIDES["timeline"], "tour": SLIDES["tour-4"]}


def readme_shots(base_url: str) -> None:
    """Retake every README screenshot of the app: the lecture slides, the visitor's pages and screens, a lesson
    taught, the unit pages and a hover over the evidence map."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        for name, (query, figure) in LECTURE_SHOTS.items():
            open_lecture(page, base_url, query, map_slide=name == "lecture-map")
            settled(page, figure)
            page.screenshot(path=DOCS / f"{name}.png")
        page.close()
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        for name, (query, figure) in VISITOR_SHOTS.items():
            visit(page, base_url, "chelsea-cat", query, figure)
            page.screenshot(path=DOCS / f"{name}.png", full_page=True)
        page_shots(page, base_url)
        page.close()
        page = browser.new_page(viewport={"width": 1700, "height": 1000})  # a unit page as wide as the README's
        unit_shots(page, base_url)
        page.close()
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        visit(page, base_url, "cifar10-horse", "view=evidence", "#evidence" + CHART)
        heatmap = page.locator("#evidence .nsewdrag").first.bounding_box()  # the per-patch map's plotting area
        page.mouse.move(heatmap["x"] + heatmap["width"] * 4.5 / 8, heatmap["y"] + heatmap["height"] * 4.5 / 8)
        page.locator("#evidence .hoverlayer .hovertext").wait_for(timeout=10_000)
        page.screenshot(path=DOCS / "evidence-hover.png")
        browser.close()


def visit(page, base_url: str, example: str, query: str, figure: str) -> None:
    """A visitor's deep link on the embedded model with an example, once its predictions and figure are drawn."""
    page.goto(f"{base_url}?model=embedded&example={example}&{query}")
    page.wait_for_function("() => document.querySelector('#labels h2')?.textContent.trim().length > 0",
                           timeout=90_000)
    settled(page, figure)


def unit_shots(page, base_url: str) -> None:
    """The unit pages the README shows, each as its own picture."""
    from explorer.model import embedded

    for name, (block, unit) in SHOWN_UNITS.items():
        block = block % embedded.architecture()["num_blocks"]  # -1: the last block
        visit(page, base_url, "chelsea-cat", f"view=unit&block={block}&kind=channel&unit={unit}", "#unit-page img")
        page.locator("#unit-page").screenshot(path=DOCS / f"{name}.png")


def page_shots(page, base_url: str) -> None:
    """The README's shots at 1366x768 that are a screen (not a whole page), or a lesson taught."""
    visit(page, base_url, "chelsea-cat", "view=token-mixing&block=3", "#gallery img")
    page.screenshot(path=DOCS / "model-map.png")
    visit(page, base_url, "cifar10-ship", "view=drop", "#drop-plot" + CHART)
    page.locator("#drop-text").evaluate("(e) => scrollTo(0, e.getBoundingClientRect().top + scrollY - 8)")
    page.screenshot(path=DOCS / "drop.png")
    page.goto(f"{base_url}?model=embedded&view=teach")
    page.locator("#teach-learn").wait_for(timeout=60_000)
    for name, pictures in TAUGHT.items():
        for count, picture in enumerate(pictures, 1):
            example(page, picture)
            add_to_class(page, name, count)
    example(page, "chelsea-cat")
    page.locator("#teach-learn").click()
    page.wait_for_function("() => document.querySelector('#teach-summary')?.textContent.includes('Leave-one-out')",
                           timeout=60_000)
    settled(page, "#teach-plot" + CHART)
    page.locator("#teach-class").evaluate("(e) => scrollTo(0, e.getBoundingClientRect().top + scrollY - 10)")
    page.screenshot(path=DOCS / "teach.png")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT))
    args = [a for a in sys.argv[1:] if not a.startswith(("--only=", "--model="))]
    only = next((a.split("=", 1)[1].split(",") for a in sys.argv[1:] if a.startswith("--only=")), None)
    model = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--model=")), None)
    if model:
        MODEL, SHOTS = f"model={model}&weights=random", SHOTS / model
    run = readme_shots if "--readme" in sys.argv else lambda url: table(url, only)
    args = [a for a in args if a != "--readme"]
    if args:
        run(args[0])
    else:
        import conftest  # noqa: F401 - offline, as the tests are

        from explorer.app.server import launch
        from explorer.app.wiring import build_app

        demo = build_app(default_model="embedded")
        port = conftest.free_port()
        launch(demo, host="127.0.0.1", port=port, mcp=False, prevent_thread_lock=True, quiet=True)
        try:
            run(f"http://127.0.0.1:{port}/")
        finally:
            demo.close()
