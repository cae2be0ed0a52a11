"""The README and docs/ tell the truth: every command, link and number they give is checked here against the code,
the files and the model card."""
import json
import re
import subprocess
import sys
from urllib.parse import parse_qsl, urlsplit

from conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"


def readme() -> str:
    return README.read_text()


def test_the_readme_is_a_front_page_of_at_most_250_lines():
    assert len(readme().splitlines()) <= 250


def links(path) -> list[str]:
    """Every relative link and picture of a Markdown file, as written (no URLs, no mail)."""
    targets = re.findall(r"\]\(([^)\s]+)\)", path.read_text())
    return [t for t in targets if not re.match(r"[a-z]+:", t)]


def anchors(path) -> set[str]:
    """The anchors GitHub makes of a Markdown file's headings: lower case, punctuation dropped, spaces as '-'."""
    headings = re.findall(r"^#+ (.+)$", path.read_text(), re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_every_docs_link_of_the_readme_and_of_docs_resolves_heading_included():
    readme_docs = [t for t in links(README) if t.startswith("docs/")]
    assert {"docs/architecture.md", "docs/deploy.md", "docs/screenshots/model-map.png"} <= {
        t.split("#")[0] for t in readme_docs}
    for page in [README, *sorted(DOCS.glob("*.md"))]:
        for target in links(page):
            file, _, anchor = target.partition("#")
            resolved = (page.parent / file).resolve() if file else page
            assert resolved.is_file(), f"{page.name}: {target}"
            if anchor:
                assert anchor in anchors(resolved), f"{page.name}: {target}"


def test_how_to_add_a_view_is_written_in_one_place_which_the_readme_links():
    recipe = "explorer/app/views/__init__.py"
    pages = [p for p in [README, *DOCS.glob("*.md")] if recipe in p.read_text()]
    assert pages == [DOCS / "architecture.md"]
    assert "docs/architecture.md" in links(README)


def quick_start_commands() -> list[str]:
    section = readme().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quick_start_is_two_commands_that_install_what_they_need():
    start_app, run_tests = quick_start_commands()
    assert "pip install -r requirements.txt" in start_app and start_app.endswith("explorer serve --model embedded")
    assert run_tests == "bash .ci/run"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -q -r requirements.txt -r requirements-test.txt" in ci and ".venv/bin/python -m pytest" in ci


def test_app_file_exposes_a_module_level_demo():
    import gradio as gr

    source = (ROOT / "app.py").read_text()
    assert "demo = build_app()" in source and 'if __name__ == "__main__":' in source
    namespace: dict = {}
    exec(compile(source.replace('if __name__ == "__main__":', "if False:"), "app.py", "exec"), namespace)
    demo = namespace["demo"]
    assert isinstance(demo, gr.Blocks) and demo.title == "MLP-Mixer Explorer"
    named = {d.api_name for d in demo.fns.values() if d.api_name}
    # the app the Space serves, its endpoints wired
    assert {"predict", "explain", "list_models", "token_mixing_weights", "shift"} <= named
    # and the README's gradio_client section names only endpoints the app has
    section = readme().split("(`gradio_client`)", 1)[1].split("\n### ", 1)[0]
    mentioned = set(re.findall(r'api_name="/(\w+)"', section)) | set(re.findall(r"`/(\w+)`", section))
    assert mentioned == {"predict", "explain", "token_mixing_weights", "shift", "list_models"} and mentioned <= named


def front_matter() -> dict:
    import yaml

    text = readme()
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def test_spaces_front_matter_matches_the_requirements_and_the_catalogue():
    meta = front_matter()
    pins = {name.split("[")[0]: version
            for name, version in (line.split("==") for line in (ROOT / "requirements.txt").read_text().splitlines()
                                  if "==" in line)}
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == pins["gradio"]
    assert meta["app_file"] == "app.py" and (ROOT / meta["app_file"]).exists()
    assert str(meta["python_version"]).startswith("3.")
    from explorer.model.catalogue import catalogue

    hub_repos = sorted(e.weights.removeprefix("hf-hub:") for e in catalogue() if e.weights.startswith("hf-hub:"))
    assert sorted(meta["models"]) == hub_repos
    assert {"title", "emoji", "license", "suggested_hardware"} <= set(meta)


def test_the_notebook_example_runs_as_written(monkeypatch):
    """The README's Python block, with the bundled cat photo for cat.jpg and `display` as a notebook has it."""
    section = readme().split("### Python and notebooks\n", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = []
    monkeypatch.chdir(ROOT / "assets" / "examples")
    exec(compile(code.replace('"cat.jpg"', '"chelsea-cat.jpg"'), "README.md", "exec"), {"display": shown.append})
    assert len(shown) == 2 + 7  # two charts and the tour's seven steps


def test_the_package_map_names_every_module_and_only_modules_that_exist():
    page = (DOCS / "architecture.md").read_text()
    block = re.search(r"```\n(.*?)```", page.split("## Layout", 1)[1], re.S).group(1)
    named = {line.split()[0] for line in block.splitlines() if line.startswith(("explorer/", "app.py", "deploy/"))}
    assert named and all((ROOT / path).exists() for path in named), sorted(p for p in named if not (ROOT / p).exists())
    folders = {path for path in named if path.endswith("/")}
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "explorer").rglob("*.py")}
    # a subpackage's own __init__ and __main__ go with it; everything else is named, itself or by its folder
    unnamed = {m for m in modules - named if not any(m.startswith(folder) for folder in folders)
               and not (m.count("/") > 1 and m.endswith(("/__init__.py", "/__main__.py")))}
    assert unnamed == set()


def test_the_readme_deep_links_open_the_view_and_example_they_name():
    from explorer.app.links import parse_link
    from explorer.model.embedded import EXAMPLES_DIR

    urls = re.findall(r"http://127\.0\.0\.1:7860/\?\S+", readme().split("### Deep links", 1)[1].split("\n### ", 1)[0])
    assert len(urls) == 2
    for url in urls:
        query = dict(parse_qsl(urlsplit(url).query))
        link = parse_link(query, "embedded")
        assert link.view == query["view"] and not link.notes and link.model == query["model"]
        if "example" in query:
            assert link.image is not None and link.image == str(EXAMPLES_DIR / f"{query['example']}.jpg")
        assert link.unit == (int(query["unit"]) if "unit" in query else None)


def test_the_readme_command_line_example_prints_one_json_line_per_image():
    section = readme().split("### Command line", 1)[1].split("\n### ", 1)[0]
    command = re.search(r"```bash\n(.*?)\n```", section, re.S).group(1)
    assert command.startswith("python -m explorer predict ")
    result = subprocess.run([sys.executable, *command.split()[1:]], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    answer = json.loads(line)
    assert answer["path"].endswith("chelsea-cat.jpg") and answer["model"] == "embedded" and len(answer["top_k"]) == 3
    # and the other commands it names are the parser's
    from explorer.cli import build_parser

    subcommands = next(a for a in build_parser()._actions if a.dest == "command").choices
    named = re.search(r"`models`.*?are the\nother commands", section, re.S).group(0)
    assert set(re.findall(r"`(\w+)`", named)) | {"predict"} == set(subcommands)


def test_the_readme_numbers_of_the_embedded_model_are_its_weights_and_its_card():
    from safetensors.numpy import load_file

    text = readme()
    weights = load_file(ROOT / "assets" / "embedded.safetensors")
    parameters = sum(array.size for array in weights.values())
    assert f"**{parameters:,} parameters**" in text
    card = json.loads((ROOT / "assets" / "embedded.json").read_text())
    assert card["parameters"] == parameters and card["val_images"] == 5000
    assert f"**{100 * card['val_accuracy']:.2f}%** on 5,000 held-out images" in text
