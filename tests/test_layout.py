"""The layout holds: the flow model → analysis → units → render → export → app, no import circles, short files.

Imports are read from the source (ast), lazy ones inside functions included; imports under `if TYPE_CHECKING:`
are left out, as they never run.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "explorer"
MAX_LINES = 400

# Each module's floor: a module may import modules on its own floor or below, never above. Within a floor
# anything goes, as long as it makes no circle. A new top-level module or subpackage gets a floor here.
FLOORS = {
    "explorer.errors": 0, "explorer.memo": 0, "explorer.images": 0, "explorer.progress": 0,
    "explorer.model": 1,
    "explorer": 2,  # the public API (`from explorer import load_model, predict`) sits on the model
    "explorer.analysis": 3, "explorer.train": 3, "explorer.text": 3,  # texts: words about the model and views
    "explorer.text.i18n": 0, "explorer.text.words": 0,  # the catalogues' lookup: every floor says words
    "explorer.units": 4,
    # --engine ray: Ray Data runs the units' index, the predictions and the corruption benchmark
    "explorer.engine": 5, "explorer.atlas": 5, "explorer.shift_ray": 5,
    "explorer.render": 6,
    "explorer.export": 7,
    "explorer.app": 8,
    "explorer.cli": 9, "explorer.shift_cli": 9,
    "explorer.__main__": 10,
}


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def floor(name: str) -> int:
    """The floor of a module: that of its longest listed prefix."""
    for prefix in sorted(FLOORS, key=len, reverse=True):
        if name == prefix or name.startswith(prefix + "."):
            return FLOORS[prefix]
    raise AssertionError(f"{name} has no floor: add it (or its subpackage) to FLOORS in tests/test_layout.py")


def runtime_imports(path: Path, known: dict[str, Path], package_dir: Path = PACKAGE) -> set[str]:
    """The explorer modules a file imports when it runs (at import time or lazily in a function)."""
    tree = ast.parse(path.read_text())
    skipped = set()
    for node in ast.walk(tree):  # `if TYPE_CHECKING:` bodies never run
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    own = module_name(path, package_dir)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's own package up
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:  # `from explorer.x import y` imports the module explorer.x.y if there is one
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {name for name in found if name in known}


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {name: runtime_imports(path, known) - {name} for name, path in known.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles():
    assert circles(import_graph()) == []


def test_circle_finder_sees_a_lazy_circle():
    # the checker itself: a circle closed only by a lazy import counts
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]


def test_lower_floors_never_import_higher_ones():
    upward = [
        f"{name} (floor {floor(name)}) imports {target} (floor {floor(target)})"
        for name, targets in import_graph().items()
        for target in sorted(targets)
        if floor(target) > floor(name)
    ]
    assert upward == []


def test_type_checking_imports_are_not_runtime_imports(tmp_path):
    package = tmp_path / "explorer"
    package.mkdir()
    for name in "abc":
        (package / f"{name}.py").write_text("")
    (package / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from explorer.b import B\n"
                                  "def f():\n    from .c import C\n")
    known = {f"explorer.{name}": package / f"{name}.py" for name in "abc"}
    assert runtime_imports(package / "a.py", known, package) == {"explorer.c"}


def test_no_file_over_400_lines():
    long = {str(p.relative_to(PACKAGE.parent)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_analysis_loads_no_renderer():
    from conftest import run_python

    result = run_python("import sys, explorer.analysis.analysis; print(sorted(m for m in ('matplotlib', 'plotly', "
                        "'gradio') if m in sys.modules))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------- the views

# timm's names for the parts of a family's blocks: read through explorer.model.families only
FAMILY_ATTRIBUTES = ("mlp_tokens", "mlp_channels", "linear_tokens", "gate.proj", "ls1", "ls2")


def test_no_family_attribute_outside_the_family_adapters():
    found = [f"{path.relative_to(PACKAGE.parent)}:{n}: {attribute}" for path in PACKAGE.rglob("*.py")
             if path != PACKAGE / "model" / "families.py"
             for n, line in enumerate(path.read_text().splitlines(), 1)
             for attribute in FAMILY_ATTRIBUTES if re.search(rf"\.{re.escape(attribute)}\b", line)]
    assert found == []


def string_constants(path: Path) -> list[tuple[int, str]]:
    """Every string literal of a module, with its line (docstrings and f-string parts included)."""
    return [(node.lineno, node.value) for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_each_view_id_is_written_in_its_own_module_only():
    from explorer.app.views import VIEWS
    from explorer.app.views.base import LINK_PARAMETERS, MAP_PARTS

    own = {view.id: PACKAGE / "app" / "views" / f"{view.id.replace('-', '_')}.py" for view in VIEWS}
    assert all(path.is_file() for path in own.values())  # one module per view, named after it
    # Words that are also something else, where they mean that other thing: a place on the model map (the map's DOM
    # contract, data-part / data-view) in the map's modules and the views' places; a deep-link parameter (`unit=`)
    # where links are read and written; the endpoints /predict (and its kept answers) and /shift; the enlarged
    # unit's component and DOM id (#unit) in the token-mixing view, older than the Unit view; the export's figures.
    app = PACKAGE / "app"
    also = {*{(part, path) for part in MAP_PARTS for path in (app / "model_map.py", app / "model_map_view.py",
                                                                 app / "navigation.py", *(app / "views").glob("*.py"))},
            *{(param, path) for param in LINK_PARAMETERS for path in (app / "links.py", app / "navigation.py",
                                                                         app / "views" / "base.py")},
            ("predict", app / "wiring.py"), ("predict", app / "answers.py"), ("shift", app / "wiring.py"),
            ("unit", own["token-mixing"]),
            # the export's overview figures, named by their files (explorer.export.OVERVIEW), captioned in presenters
            *{(name, app / "presenters.py") for name in ("activations", "evidence", "shuffle")}}
    elsewhere = [f"{path.relative_to(PACKAGE.parent)}:{line}: {value!r}"
                 for path in app.rglob("*.py") for line, value in string_constants(path)
                 if value in own and path != own[value] and (value, path) not in also]
    assert elsewhere == []


def test_every_view_in_the_list_has_every_part():
    from explorer.app.views import BY_ID, VIEWS

    assert len(BY_ID) == len(VIEWS) > 10
    for view in VIEWS:
        assert view.id and view.title and callable(view.lay_out) and isinstance(view.text, str)
        assert (view.draw is None) == (view.outputs == ())
        assert view.place_for("channel") and view.place_for("token")


def test_a_view_missing_a_part_fails_when_its_module_is_imported(tmp_path):
    from conftest import run_python

    module = tmp_path / "half_view.py"
    module.write_text("from explorer.app.views.base import View\n"
                      "VIEW = View('half', 'Half', '', lambda ui: None, draw=lambda ui, c, s: {}, outputs=())\n")
    run = run_python(f"import sys; sys.path.insert(0, {str(tmp_path)!r}); import half_view")
    assert run.returncode != 0 and "view 'half' needs a draw function together with the outputs it sets" in run.stderr
