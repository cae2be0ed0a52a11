import json
import math
import signal
import subprocess
import sys

import torch
from safetensors.torch import load_file

from conftest import ROOT
from explorer.train.teacher import Teacher, init_whitening, load_teacher, translate, triangle
from test_train import make_tarball


def teacher_args(data, workdir, epochs: float) -> list[str]:
    args = ["--data", str(data), "--cache", str(workdir / "cache"), "--resume-dir", str(workdir / "run"),
            "--epochs", str(epochs), "--batch-size", "32"]
    return [sys.executable, "-m", "explorer.train.teacher", *args]


def test_the_network_is_airbench94s():
    model = Teacher()
    assert sum(p.numel() for p in model.parameters()) == 1_972_792  # airbench94's 1.97M
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    conv = model.groups[1].conv1.weight  # (256, 64, 3, 3): its first 64 filters start as the identity
    assert torch.equal(conv[:64, :, 1, 1], torch.eye(64)) and conv[:64, :, 0].abs().sum() == 0


def test_whitening_decorrelates_the_patches():
    images = torch.randn(200, 3, 8, 8) @ torch.tensor([[1.0, 0.5] + [0.0] * 6] * 8)  # correlated columns
    conv = torch.nn.Conv2d(3, 24, kernel_size=2)
    init_whitening(conv, images, eps=0.0)
    out = torch.nn.functional.conv2d(images, conv.weight)[:, :12].permute(0, 2, 3, 1).reshape(-1, 12)  # (P, 12)
    assert torch.allclose(out.T @ out / len(out), torch.eye(12), atol=1e-2)


def test_schedule_and_translation():
    assert triangle(0, 100) == 0.2 and triangle(23, 100) == 1.0 and math.isclose(triangle(100, 100), 0.07)
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).view(2, 3, 4, 4)
    moved = translate(x, torch.tensor([[0, 0], [1, -1]]), pad=2)
    assert torch.equal(moved[0], x[0]) and torch.equal(moved[1, :, :3, 1:], x[1, :, 1:, :3])


def test_sigterm_mid_run_saves_and_the_resumed_teacher_ends_where_an_uninterrupted_one_does(tmp_path):
    data = make_tarball(tmp_path / "data.tar.gz", per_class=20)  # 180 to train on: 5 steps an epoch
    straight = subprocess.run(teacher_args(data, tmp_path / "a", 4.5), cwd=ROOT, capture_output=True, text=True,
                              timeout=300)
    assert straight.returncode == 0, straight.stderr
    proc = subprocess.Popen(teacher_args(data, tmp_path / "b", 4.5), cwd=ROOT, stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    for line in proc.stderr:
        if "teacher epoch 3/5" in line:  # the fourth epoch, the first with the weight average, is starting
            proc.send_signal(signal.SIGTERM)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 128 + signal.SIGTERM and "run again to resume" in rest
    resumed = subprocess.run(teacher_args(data, tmp_path / "b", 4.5), cwd=ROOT, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0 and "resuming" in resumed.stderr, resumed.stderr
    a, b = (load_file(tmp_path / run / "run" / "teacher.safetensors") for run in ("a", "b"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    card = json.loads((tmp_path / "b" / "run" / "teacher.json").read_text())
    assert card["steps"] == math.ceil(5 * 4.5) and [h["epoch"] for h in card["history"]] == [1, 2, 3, 4, 5]
    assert card["val_images"] == 20 and 0 <= card["val_accuracy"] <= 1
    assert a["groups.0.conv1.weight"].dtype == torch.float16 and a["groups.0.norm1.bias"].dtype == torch.float32
    teacher = load_teacher(tmp_path / "b" / "run" / "teacher.safetensors")
    assert not teacher.training and not any(p.requires_grad for p in teacher.parameters())
