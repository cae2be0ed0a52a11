import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import EMBEDDED_BLOCKS, EXAMPLES, ROOT


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_predict_json_contract(tmp_path):
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    Image.open(EXAMPLES / "cifar10-ship.jpg").save(tmp_path / "b" / "deeper" / "ship.png")
    Image.open(EXAMPLES / "cifar10-horse.jpg").save(tmp_path / "a.jpg")
    (tmp_path / "b" / "broken.jpg").write_bytes(b"not a jpeg")
    (tmp_path / "notes.txt").write_text("not an image, and not named like one: skipped in folders")
    result = run_cli("predict", str(tmp_path), "--model", "embedded", "--json", "--top-k", "3")
    assert result.returncode == 1  # one file failed, the run went on
    lines = [json.loads(line) for line in result.stdout.splitlines()]  # stdout is nothing but JSON lines
    assert [line["path"] for line in lines] == [str(tmp_path / "a.jpg"), str(tmp_path / "b" / "broken.jpg"),
                                                str(tmp_path / "b" / "deeper" / "ship.png")]
    good = [line for line in lines if "error" not in line]
    assert all(set(line) == {"path", "model", "top_k"} and line["model"] == "embedded" for line in good)
    assert all(len(line["top_k"]) == 3 and set(line["top_k"][0]) == {"label", "index", "probability"} for line in good)
    assert lines[0]["top_k"][0]["label"] == "horse" and lines[2]["top_k"][0]["label"] == "ship"
    assert set(lines[1]) == {"path", "error"} and "not an image" in lines[1]["error"]
    # what ran, said on stderr
    assert "INFO model: embedded · pretrained weights (assets/embedded.safetensors)" in result.stderr
    assert "ERROR 1 file(s) could not be classified" in result.stderr


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
    required = {"name", "params", "num_classes", "patch_size", "img_size", "depth", "tokens", "channels",
                "tokens_mlp_dim", "channels_mlp_dim"}
    assert all(required <= set(e) for e in entries)
    assert {"embedded", "mixer_b16_224.goog_in21k", "mixer_s32_224"} <= {e["name"] for e in entries}


def json_lines(result: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def cli(capsys, caplog, *args: str) -> subprocess.CompletedProcess:
    """`python -m explorer ARGS` in this process (explorer.cli.main: the same parser and commands, without a new
    interpreter's seconds of imports); its log records as stderr."""
    from explorer.cli import main

    capsys.readouterr()
    caplog.clear()
    with caplog.at_level("INFO", logger="explorer"):
        code = main(list(args))
    stderr = "\n".join(f"{r.levelname} {r.getMessage()}" for r in caplog.records)
    return subprocess.CompletedProcess(args, code, capsys.readouterr().out, stderr)


def test_explain_writes_every_view_and_one_json_line(tmp_path):
    out = tmp_path / "horse"
    result = run_cli("explain", str(EXAMPLES / "cifar10-horse.jpg"), "--model", "embedded", "--top-k", "2", "--out",
                     str(out))
    assert result.returncode == 0, result.stderr
    (line,) = json_lines(result)
    assert (line["path"] == str(EXAMPLES / "cifar10-horse.jpg") and line["out"] == str(out)
            and line["model"] == "embedded")
    assert [p["label"] for p in line["top_k"]][:1] == ["horse"] and len(line["top_k"]) == 2
    blocks = [f"token_mixing_block{b:02d}.png" for b in range(EMBEDDED_BLOCKS)]
    expected = {"activations.png", "updates.png", "updates.svg", "evidence.png", "logit_lens.png", "logit_lens.svg",
                "shuffle.png", "stem_filters.png", "arrays.npz", "model.npz", "summary.json", *blocks}
    assert {f.name for f in out.iterdir()} == expected
    for name in expected - {"arrays.npz", "model.npz", "summary.json", "updates.svg", "logit_lens.svg"}:
        with Image.open(out / name) as image:
            image.verify()  # each PNG is a whole picture
    summary = json.loads((out / "summary.json").read_text())
    # the top-1 by default
    assert (summary["top_k"] == line["top_k"] and summary["evidence"]["index"] == 7
            and summary["evidence"]["label"] == "horse")
    assert len(np.load(out / "arrays.npz")["patch_evidence"].reshape(-1)) == 64  # one logit per patch of the 8x8 grid


def test_explain_class_index_chooses_the_class_of_the_evidence(tmp_path, capsys, caplog):
    result = cli(capsys, caplog, "explain", str(EXAMPLES / "cifar10-horse.jpg"), "--model", "embedded", "--class-index",
                 "3", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["evidence"]["index"] == 3 and summary["evidence"]["label"] == "cat"
    assert summary["top_k"][0]["label"] == "horse"  # the predictions stay the model's own


@pytest.mark.parametrize("args, message", [
    (["--class-index", "12"], "class index 12 is out of range: this model has 10 classes (0 to 9)"),
    (["--model", "mixer_huge"], "unknown model 'mixer_huge': the explorer runs the embedded default and timm's "
                                "MLP-Mixer, gMixer, ResMLP and gMLP models; `python -m explorer models` lists them"),
])
def test_explain_errors_are_one_json_line_and_exit_1(tmp_path, capsys, caplog, args, message):
    result = cli(capsys, caplog, "explain", str(EXAMPLES / "cifar10-horse.jpg"), "--model", "embedded", *args, "--out",
                 str(tmp_path / "out"))
    assert result.returncode == 1
    assert json_lines(result) == [{"path": str(EXAMPLES / "cifar10-horse.jpg"), "error": message}]
    assert f"ERROR {message}" in result.stderr and not (tmp_path / "out" / "summary.json").exists()


def test_explain_an_unreadable_image_is_one_json_error(tmp_path, capsys, caplog):
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a picture")
    result = cli(capsys, caplog, "explain", str(bad), "--model", "embedded", "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    (line,) = json_lines(result)
    assert line["path"] == str(bad) and "notes.jpg is not an image format this app can read" in line["error"]


def test_predict_with_a_checkpoint_runs_its_weights(tmp_path, capsys, caplog):
    from safetensors.torch import save_file

    from explorer.model.loading import build_embedded

    model = build_embedded()
    state = {k: torch.zeros_like(v) for k, v in model.state_dict().items()}
    state["head.bias"] = torch.arange(10, dtype=torch.float32)  # every image scores class 9 highest, then 8, ...
    path = tmp_path / "mine.safetensors"
    save_file(state, str(path))
    result = cli(capsys, caplog, "predict", str(EXAMPLES / "cifar10-horse.jpg"), "--checkpoint", str(path), "--json",
                 "--top-k", "3")
    assert result.returncode == 0, result.stderr
    (line,) = json_lines(result)
    assert [p["index"] for p in line["top_k"]] == [9, 8, 7] and line["model"] == "embedded"
    np.testing.assert_allclose(line["top_k"][0]["probability"], float(torch.softmax(torch.arange(10.0), 0)[9]),
                               atol=1e-5)
    assert "checkpoint weights (checkpoint mine.safetensors)" in result.stderr


def test_predict_with_random_weights_is_seeded_and_says_so(capsys, caplog):
    args = ("predict", str(EXAMPLES / "cifar10-horse.jpg"), "--model", "embedded", "--weights", "random", "--json",
            "--top-k", "10")
    here, fresh = cli(capsys, caplog, *args), run_cli(*args)  # this process, and a new interpreter
    assert here.returncode == fresh.returncode == 0
    assert json_lines(here) == json_lines(fresh)  # the same untrained model in every process
    pretrained = json_lines(cli(capsys, caplog, "predict", str(EXAMPLES / "cifar10-horse.jpg"), "--model", "embedded",
                                "--json", "--top-k", "10"))[0]
    random = json_lines(here)[0]
    # near chance, not the trained answer
    assert random["top_k"] != pretrained["top_k"] and max(p["probability"] for p in random["top_k"]) < 0.5
    assert "random weights (random init, seed 0)" in fresh.stderr


def test_predict_in_bf16_agrees_with_fp32_or_is_refused_with_a_reason(capsys, caplog):
    from explorer.model.loading import native_bf16

    args = ["predict", str(EXAMPLES / "cifar10-horse.jpg"), str(EXAMPLES / "cifar10-ship.jpg"), "--model", "embedded",
            "--device", "cpu", "--json"]
    bf16 = cli(capsys, caplog, *args, "--precision", "bf16")
    if not native_bf16(torch.device("cpu")):
        assert bf16.returncode == 2 and "no native bfloat16 arithmetic" in json_lines(bf16)[0]["error"]
        return
    assert bf16.returncode == 0 and "bf16 predictions" in bf16.stderr
    fp32 = cli(capsys, caplog, *args)
    for a, b in zip(json_lines(fp32), json_lines(bf16), strict=True):
        assert [p["label"] for p in a["top_k"]][:1] == [p["label"] for p in b["top_k"]][:1]
        assert abs(a["top_k"][0]["probability"] - b["top_k"][0]["probability"]) < 0.03


def test_good_and_bad_files_keep_their_order_across_batches(tmp_path, capsys, caplog):
    # None: a broken file
    names = ["cifar10-horse", None, "cifar10-ship", "cifar10-frog", None, None, "cifar10-automobile"]
    paths = []
    for i, name in enumerate(names):
        path = tmp_path / f"{i}.jpg"
        if name:
            path.write_bytes((EXAMPLES / f"{name}.jpg").read_bytes())
        else:
            path.write_bytes(b"broken")
        paths.append(str(path))
    paths.append(str(tmp_path / "missing.jpg"))  # named, and not there
    result = cli(capsys, caplog, "predict", *paths, "--model", "embedded", "--json", "--top-k", "1", "--batch-size",
                 "2")
    assert result.returncode == 1
    lines = json_lines(result)
    assert [line["path"] for line in lines] == paths  # in the order given, whichever batch each ran in
    expected = [name.removeprefix("cifar10-") if name else None for name in names] + [None]
    assert [line["top_k"][0]["label"] if "top_k" in line else None for line in lines] == expected
    assert "missing.jpg" in lines[-1]["error"] and "ERROR 4 file(s) could not be classified" in result.stderr


def test_a_unit_index_that_is_missing_corrupt_or_foreign_is_one_json_error(tmp_path, capsys, caplog):
    from safetensors.torch import save_file

    corrupt, foreign = tmp_path / "corrupt.safetensors", tmp_path / "weights.safetensors"
    corrupt.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    save_file({"head.weight": torch.zeros(10, 128)}, str(foreign))  # a real safetensors file, not an index
    cases = {
        tmp_path / "nothing.safetensors": f"index {tmp_path / 'nothing.safetensors'} does not exist; "
                                          "build one with python -m explorer index DIR",
        corrupt: "corrupt.safetensors is not a readable unit index (",
        foreign: "weights.safetensors is not a unit index written by python -m explorer index",
    }
    for path, message in cases.items():
        result = cli(capsys, caplog, "unit", "--model", "embedded", "--block", "0", "--channel", "1", "--index",
                     str(path), "--steps", "1", "--out", str(tmp_path / "out"))
        assert result.returncode == 1, (path, result.stderr)
        (line,) = json_lines(result)
        assert message in line["error"], (path, line)
        assert not (tmp_path / "out" / "unit.json").exists()
