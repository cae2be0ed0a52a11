import json
import subprocess
import sys

from PIL import Image

from conftest import EXAMPLES, ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_predict_json_contract(tmp_path):
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    Image.open(EXAMPLES / "cifar10-ship.jpg").save(tmp_path / "b" / "deeper" / "ship.png")
    Image.open(EXAMPLES / "cifar10-horse.jpg").save(tmp_path / "a.jpg")
    (tmp_path / "b" / "broken.jpg").write_bytes(b"not a jpeg")
    (tmp_path / "notes.txt").write_text("not an image, and not named like one: skipped in folders")
    result = run_cli("predict", str(tmp_path), "--model", "embedded", "--json", "--top-k", "3")
    assert result.returncode == 1  # one file failed, the run went on
    lines = [json.loads(line) for line in result.stdout.splitlines()]  # stdout is nothing but JSON lines
    assert [line["path"] for line in lines] == [str(tmp_path / "a.jpg"), str(tmp_path / "b" / "broken.jpg"), str(tmp_path / "b" / "deeper" / "ship.png")]
    good = [line for line in lines if "error" not in line]
    assert all(set(line) == {"path", "model", "top_k"} and line["model"] == "embedded" for line in good)
    assert all(len(line["top_k"]) == 3 and set(line["top_k"][0]) == {"label", "index", "probability"} for line in good)
    assert lines[0]["top_k"][0]["label"] == "horse" and lines[2]["top_k"][0]["label"] == "ship"
    assert set(lines[1]) == {"path", "error"} and "not an image" in lines[1]["error"]
    assert "model:" in result.stderr or "embedded" in result.stderr


def test_predict_exits_0_when_all_files_work():
    result = run_cli("predict", str(EXAMPLES / "cifar10-frog.jpg"), "--model", "embedded")
    assert result.returncode == 0 and "frog" in result.stdout


def test_an_unknown_model_is_one_json_error():
    result = run_cli("predict", str(EXAMPLES / "cifar10-frog.jpg"), "--model", "mixer_huge", "--json")
    assert result.returncode == 2
    assert "unknown model" in json.loads(result.stdout)["error"]


def test_models_json_has_the_contract_fields():
    result = run_cli("models", "--json")
    entries = json.loads(result.stdout)
    required = {"name", "params", "num_classes", "patch_size", "img_size", "depth", "tokens", "channels", "tokens_mlp_dim", "channels_mlp_dim"}
    assert all(required <= set(e) for e in entries)
    assert {"embedded", "mixer_b16_224.goog_in21k", "mixer_s32_224"} <= {e["name"] for e in entries}
