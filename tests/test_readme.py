import re

from conftest import ROOT


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
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
    assert {"predict", "explain", "list_models", "token_mixing_weights"} <= named


def front_matter() -> dict:
    import yaml

    text = (ROOT / "README.md").read_text()
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
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Python and notebooks", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    shown = []
    monkeypatch.chdir(ROOT / "assets" / "examples")
    exec(compile(code.replace('"cat.jpg"', '"chelsea-cat.jpg"'), "README.md", "exec"), {"display": shown.append})
    assert len(shown) == 2 + 7  # two charts and the tour's seven steps


def test_the_package_map_names_every_module_and_only_modules_that_exist():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```\n(.*?)```", readme.split("## Layout", 1)[1], re.S).group(1)
    named = {line.split()[0] for line in block.splitlines() if line.startswith(("explorer/", "app.py"))}
    assert named and all((ROOT / path).exists() for path in named), sorted(p for p in named if not (ROOT / p).exists())
    folders = {path for path in named if path.endswith("/")}
    modules = {str(p.relative_to(ROOT)) for p in (ROOT / "explorer").rglob("*.py")}
    # a subpackage's own __init__ and __main__ go with it; everything else is named, itself or by its folder
    unnamed = {m for m in modules - named if not any(m.startswith(folder) for folder in folders)
               and not (m.count("/") > 1 and m.endswith(("/__init__.py", "/__main__.py")))}
    assert unnamed == set()
