"""`pip install .` gives a package that works away from the repository: assets inside, the console script.

The wheel is built without the network: no build isolation (which would download setuptools), the build backend
(setuptools, pinned in requirements-test.txt) taken from the suite's own environment, and pip told there is no index
(PIP_NO_INDEX), so a build that would need a download fails here instead of reaching out."""
import json
import os
import subprocess
import sys
import zipfile

from conftest import EXAMPLES, ROOT


def test_the_wheel_carries_the_assets_and_works_outside_the_repo(tmp_path):
    offline = {**os.environ, "PIP_NO_INDEX": "1"}
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(ROOT),
                            "-w", str(tmp_path / "wheel")], env=offline, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    wheel = next((tmp_path / "wheel").glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert {"explorer/assets/embedded.safetensors", "explorer/assets/embedded.json",
            "explorer/assets/examples/SOURCES.md", "explorer/text/locales/en.json", "explorer/text/locales/zh-CN.json",
            "explorer/text/locales/es.json", "explorer/app/views/base.py", "explorer/app/access.js"} <= set(names)
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "mixer-explorer = explorer.cli:main" in entry_points
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Provides-Extra: scale" in metadata  # pip install ".[scale]": Ray Data for --engine ray
    assert 'Requires-Dist: ray[client,data]==2.60.0; extra == "scale"' in metadata

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   env=offline, check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    code = ("import explorer, sys; from explorer.cli import main; print(explorer.__file__, file=sys.stderr); "
            "sys.exit(main())")
    result = subprocess.run([sys.executable, "-c", code, "predict", str(EXAMPLES / "cifar10-ship.jpg"), "--model",
                             "embedded", "--json"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert str(target) in result.stderr  # the installed copy ran, not the repository's
    assert json.loads(result.stdout)["top_k"][0]["label"] == "ship"
    assert "explorer.cli" in (target / "bin" / "mixer-explorer").read_text()  # the console script pip wrote


def requirement_lines(name: str) -> set[str]:
    return {line.strip() for line in (ROOT / name).read_text().splitlines()
            if line.strip() and not line.startswith("#")}


def test_ray_is_in_the_scale_extra_and_the_suite_but_not_in_a_space():
    scale = requirement_lines("requirements-scale.txt")
    assert any(line.startswith("ray[") and "data" in line for line in scale)
    assert scale <= requirement_lines("requirements-test.txt")  # .ci/run installs it: the suite tests --engine ray
    assert not any(line.split("[")[0].split("==")[0] in ("ray", "pyarrow") for line in requirement_lines(
        "requirements.txt"))
