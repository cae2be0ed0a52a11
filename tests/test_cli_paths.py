"""The command-line paths no other test takes: `models` and `probe` as tables for people, `--checkpoint` and
`--weights random` on explain, index, unit and probe, `index --top-k`, EXPLORER_PRECISION, and `mixer-explorer`
alone serving the app. Each runs through the CLI's own `main` in this process (its output read as a person
reads it), or, where the process itself is the point, as a process of its own. Expected values come from timm's
forward on pixels normalised by hand, or from a run that is already tested (a checkpoint holding the shipped
weights answers as the shipped model does)."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save_file

from conftest import EXAMPLES, ROOT, free_port
from explorer.model import embedded
from explorer.model.loading import build_embedded
from test_probe import cifar_folders  # noqa: F401 - the fixture, shared

SHIP = EXAMPLES / "cifar10-ship.jpg"


def cli(capsys, *args: str) -> tuple[int, str]:
    """`mixer-explorer ARGS` in this process: its exit code and what it printed."""
    from explorer.cli import main

    code = main(list(args))
    return code, capsys.readouterr().out


@pytest.fixture(scope="module")
def random_checkpoint(tmp_path_factory):
    """A checkpoint of the embedded architecture with seeded random weights, written by the test."""
    torch.manual_seed(3)
    model = build_embedded()
    with torch.no_grad():
        for p in model.parameters():
            p.normal_(0, 0.05)
    path = tmp_path_factory.mktemp("checkpoint") / "random-mixer.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(path))
    return path, model.eval()


def timm_probabilities(model: torch.nn.Module, path) -> torch.Tensor:
    """(classes,) softmax of the model's forward on a 32x32 picture, normalised by hand with CIFAR-10's statistics."""
    pixels = np.asarray(Image.open(path).convert("RGB")) / 255.0
    assert pixels.shape == (32, 32, 3)  # already the embedded model's input size: nothing to resize
    x = torch.tensor((pixels - embedded.MEAN) / embedded.STD, dtype=torch.float32).permute(2, 0, 1)[None]
    with torch.no_grad():
        return model(x).softmax(-1)[0]


def test_models_without_json_is_a_table_with_a_row_per_model(capsys):
    from explorer.model.catalogue import catalogue

    code, out = cli(capsys, "models")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].split()[:5] == ["name", "patch", "img", "S", "C"] and set(lines[1]) <= {"-", " "}
    assert [line.split()[0] for line in lines[2:]] == [e.name for e in catalogue()]  # a row per model, in order
    embedded_row = next(line.split() for line in lines[2:] if line.split()[0] == "embedded")
    card = embedded.architecture()
    assert embedded_row[1:3] == [str(card["patch_size"]), str(card["img_size"])]


def test_explain_with_a_checkpoint_answers_as_its_weights_do(capsys, random_checkpoint, tmp_path):
    path, model = random_checkpoint
    code, out = cli(capsys, "explain", str(SHIP), "--model", "embedded", "--checkpoint", str(path), "--top-k", "3",
                    "--out", str(tmp_path / "out"))
    report = json.loads(out)
    expected = timm_probabilities(model, SHIP).topk(3)
    assert code == 0 and report["model"] == "embedded"
    assert [p["index"] for p in report["top_k"]] == expected.indices.tolist()
    assert [p["probability"] for p in report["top_k"]] == pytest.approx(expected.values.tolist(), abs=1e-5)
    assert (tmp_path / "out" / "summary.json").exists()


def test_explain_with_random_weights_says_so_and_differs_from_the_trained_model(capsys, tmp_path):
    code, out = cli(capsys, "explain", str(SHIP), "--model", "embedded", "--weights", "random", "--out",
                    str(tmp_path / "random"))
    random = json.loads(out)
    summary = json.loads((tmp_path / "random" / "summary.json").read_text())
    assert code == 0 and summary["model"] == "embedded" and summary["weights"] == "random"
    trained = json.loads(cli(capsys, "explain", str(SHIP), "--model", "embedded", "--out", str(tmp_path / "t"))[1])
    assert trained["top_k"][0]["label"] == "ship" and random["top_k"] != trained["top_k"]


def test_probe_as_a_table_and_with_a_checkpoint_of_the_shipped_weights(capsys, cifar_folders, tmp_path):  # noqa: F811
    train, test = cifar_folders
    code, out = cli(capsys, "probe", "--model", "embedded", "--train", str(train), "--test", str(test), "--json")
    shipped = json.loads(out)
    copy = tmp_path / "copy.safetensors"
    shutil.copyfile(embedded.ASSETS / "embedded.safetensors", copy)
    code, out = cli(capsys, "probe", "--model", "embedded", "--checkpoint", str(copy), "--train", str(train),
                    "--test", str(test))
    lines = out.strip().splitlines()
    # the same weights from another file: the same probe, said for people
    assert code == 0 and lines[0].startswith(f"embedded: {shipped['accuracy']:.1%} of {shipped['test_images']} test "
                                             f"images ({len(shipped['classes'])} classes, "
                                             f"{shipped['train_images']} training images, leave-one-out ")
    assert lines[1:] == [f"  {name}: {accuracy:.1%}" for name, accuracy in shipped["per_class"].items()]
    code, out = cli(capsys, "probe", "--model", "embedded", "--checkpoint", str(copy), "--train", str(train),
                    "--test", str(test), "--json")
    assert json.loads(out)["weights"] == "checkpoint"


def test_index_keeps_top_k_per_unit_and_records_the_weights(capsys, random_checkpoint, tmp_path):
    from explorer.units.index import read_index

    path, _ = random_checkpoint
    folder = tmp_path / "photos"
    shutil.copytree(EXAMPLES, folder)
    assert cli(capsys, "index", str(folder), "--model", "embedded", "--checkpoint", str(path), "--top-k", "3",
               "--out", str(tmp_path / "checkpoint.safetensors"))[0] == 0
    assert cli(capsys, "index", str(folder), "--model", "embedded", "--weights", "random", "--top-k", "2",
               "--out", str(tmp_path / "random.safetensors"))[0] == 0
    from_checkpoint, from_random = (read_index(tmp_path / f"{n}.safetensors") for n in ("checkpoint", "random"))
    assert (from_checkpoint.top_k, from_checkpoint.weights) == (3, "checkpoint")
    assert (from_random.top_k, from_random.weights) == (2, "random")
    pictures = [p for p in EXAMPLES.iterdir() if p.suffix in (".jpg", ".png")]
    assert from_checkpoint.count == from_random.count == len(pictures)
    assert from_checkpoint.fingerprint != from_random.fingerprint  # other weights, another index


def block_output(model: torch.nn.Module, path, block: int) -> torch.Tensor:
    """(S, C): block `block`'s output on a 32x32 picture, through the model's own stem and blocks."""
    pixels = np.asarray(Image.open(path).convert("RGB").resize((32, 32), Image.BICUBIC)) / 255.0
    x = torch.tensor((pixels - embedded.MEAN) / embedded.STD, dtype=torch.float32).permute(2, 0, 1)[None]
    with torch.no_grad():
        return model.blocks[: block + 1](model.stem(x))[0]


def test_unit_with_a_checkpoint_reports_its_weights_top_images(capsys, random_checkpoint, tmp_path):
    """The checkpoint's top images for a channel, and their activations, as its own weights give them; random
    weights give others."""
    path, model = random_checkpoint
    folder = tmp_path / "cifar"
    folder.mkdir()
    for example in EXAMPLES.glob("cifar10-*.jpg"):  # 32x32 pictures: nothing to resize or crop
        shutil.copy(example, folder)
    reports = {}
    for name, weights in (("checkpoint", ["--checkpoint", str(path)]), ("random", ["--weights", "random"])):
        code, out = cli(capsys, "unit", "--model", "embedded", *weights, "--block", "1", "--channel", "3",
                        "--images", str(folder), "--top-k", "2", "--steps", "4", "--out", str(tmp_path / name))
        assert code == 0 and json.loads(out)["index"] == 3
        reports[name] = json.loads((tmp_path / name / "unit.json").read_text())
    peaks = {p: float(block_output(model, p, 1)[:, 3].max()) for p in folder.iterdir()}
    expected = sorted(peaks, key=peaks.get, reverse=True)[:2]
    top = reports["checkpoint"]["top"]
    assert [t["path"] for t in top] == [str(p) for p in expected]
    assert [t["activation"] for t in top] == pytest.approx([peaks[p] for p in expected], rel=1e-4, abs=1e-5)
    assert [t["activation"] for t in reports["random"]["top"]] != [t["activation"] for t in top]


def test_predict_takes_its_precision_from_explorer_precision(capsys, caplog, monkeypatch):
    from explorer.model.loading import native_bf16

    caplog.set_level(logging.INFO)
    monkeypatch.setenv("EXPLORER_PRECISION", "fp8")  # read, and refused as a flag's value would be
    code, out = cli(capsys, "predict", str(SHIP), "--model", "embedded", "--json")
    assert code == 2 and "precision must be one of fp32, bf16, fp16; got 'fp8'" in json.loads(out)["error"]
    monkeypatch.setenv("EXPLORER_PRECISION", "bf16")  # this CPU's answer: bf16 predictions, or why not
    code, out = cli(capsys, "predict", str(SHIP), "--model", "embedded", "--json")
    if native_bf16(torch.device("cpu")):
        assert code == 0 and json.loads(out)["top_k"][0]["label"] == "ship" and "bf16 predictions" in caplog.text
    else:
        assert code == 2 and "no native bfloat16 arithmetic" in json.loads(out)["error"]
    caplog.clear()
    code, _ = cli(capsys, "predict", str(SHIP), "--model", "embedded", "--precision", "fp32")  # the flag wins
    assert code == 0 and "bf16" not in caplog.text


def test_mixer_explorer_alone_serves_the_app(tmp_path):
    """No subcommand: the app, on the host and port Gradio's own variables name."""
    import httpx

    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port), "EXPLORER_MCP": "0",
           "GRADIO_TEMP_DIR": str(tmp_path / "gradio")}
    with open(tmp_path / "stderr.txt", "w+") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "explorer"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=stderr)
        try:
            for _ in range(600):
                assert process.poll() is None, (tmp_path / "stderr.txt").read_text()[-3000:]
                try:
                    page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                    break
                except httpx.HTTPError:
                    threading.Event().wait(0.25)  # a poll's pause: the condition is the answer above
            else:
                pytest.fail("the app never answered: " + (tmp_path / "stderr.txt").read_text()[-3000:])
            assert page.status_code == 200 and "gradio" in page.text.lower()
            config = httpx.get(f"http://127.0.0.1:{port}/config", timeout=30).json()
            assert "MLP-Mixer" in json.dumps(config)
        finally:
            process.terminate()
            process.wait(timeout=30)

