import json
import math
import signal
import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file, save_file

from conftest import ROOT
from explorer.train.airbench import Teacher
from explorer.train.teacher import TeacherConfig, cutout, load_teacher, translate, triangle
from test_train import held_out, make_tarball

ADDED_WITH_AIRBENCH96 = ("network", "cutout", "lr_peak", "lr_end", "residual")  # recipe fields older runs lack


def teacher_args(data, workdir, epochs: float) -> list[str]:
    args = ["--data", str(data), "--cache", str(workdir / "cache"), "--resume-dir", str(workdir / "run"),
            "--epochs", str(epochs), "--batch-size", "32"]
    return [sys.executable, "-m", "explorer.train.teacher", *args]


def test_cutout_zeroes_one_square_per_image():
    x = torch.ones(2, 3, 8, 8)
    out = cutout(x, torch.tensor([[0, 0], [3, 5]]), size=3)
    assert torch.equal(out[0, :, :3, :3], torch.zeros(3, 3, 3)) and out[0].sum() == 3 * (64 - 9)
    assert torch.equal(out[1, :, 3:6, 5:8], torch.zeros(3, 3, 3)) and out[1].sum() == 3 * (64 - 9)


def test_schedule_and_translation():
    assert triangle(0, 100) == 0.2 and triangle(23, 100) == 1.0 and math.isclose(triangle(100, 100), 0.07)
    # airbench96's: 10% warm-up from 0.2, then linear all the way to zero
    assert triangle(10, 100, peak=0.1, end=0.0) == 1.0 and triangle(55, 100, peak=0.1, end=0.0) == 0.5
    assert triangle(100, 100, peak=0.1, end=0.0) == 0.0
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
    x, labels = held_out(data, tmp_path)  # the same stratified split as the student's: 2 of each class's 20
    assert card["val_images"] == len(labels) == 20
    with torch.no_grad():  # the card's accuracy is the written teacher's on the held-out images
        accuracy = (load_teacher(tmp_path / "b" / "run" / "teacher.safetensors")(x).argmax(1) == labels).float().mean()
    assert card["val_accuracy"] == pytest.approx(float(accuracy), abs=1e-4)  # the card rounds to 4 places
    assert a["groups.0.conv1.weight"].dtype == torch.float16 and a["groups.0.norm1.bias"].dtype == torch.float32
    teacher = load_teacher(tmp_path / "b" / "run" / "teacher.safetensors")
    assert not teacher.training and not any(p.requires_grad for p in teacher.parameters())


def test_the_airbench96_recipe_runs_its_steps_at_the_seed_and_precision_asked_and_its_card_rebuilds_it(tmp_path):
    from explorer.model.loading import native_bf16

    data = make_tarball(tmp_path / "data.tar.gz", per_class=20)
    args = teacher_args(data, tmp_path, 1)[:-2] + ["--batch-size", "60", "--network", "airbench96", "--seed", "3",
                                                   "--precision", "auto"]
    run = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    card = json.loads((tmp_path / "run" / "teacher.json").read_text())
    assert card["network"].startswith("airbench96") and card["parameters"] == 9_918_776
    assert card["recipe"]["cutout"] == 12 and card["recipe"]["translate"] == 4 and card["recipe"]["residual"]
    assert card["epochs"] == 1 and card["steps"] == 3  # --epochs overrides the recipe's 37
    # --seed recorded; --precision auto: bf16 where this CPU computes it natively, else fp32
    assert card["recipe"]["seed"] == 3
    assert card["recipe"]["precision"] == ("bf16" if native_bf16(torch.device("cpu")) else "fp32")
    teacher = load_teacher(tmp_path / "run" / "teacher.safetensors")
    assert hasattr(teacher.groups[0], "conv3") and teacher(torch.zeros(1, 3, 32, 32)).shape == (1, 10)


def test_a_card_written_before_the_networks_were_named_still_loads_airbench94(tmp_path):
    torch.manual_seed(0)
    model = Teacher()
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(tmp_path / "teacher.safetensors"))
    recipe = {k: v for k, v in vars(TeacherConfig()).items() if k not in ADDED_WITH_AIRBENCH96}
    (tmp_path / "teacher.json").write_text(json.dumps({"recipe": recipe}))
    loaded = load_teacher(tmp_path / "teacher.safetensors")
    x = torch.randn(2, 3, 32, 32)
    assert torch.allclose(loaded(x), model.eval()(x), atol=1e-5)


def test_a_resume_point_from_before_the_recipe_named_its_network_still_resumes(tmp_path):
    data = make_tarball(tmp_path / "data.tar.gz", per_class=20)
    args = teacher_args(data, tmp_path, 1)[:-2] + ["--batch-size", "60"]
    assert subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300).returncode == 0
    resume_point = tmp_path / "run" / "last.pt"
    ckpt = torch.load(resume_point, weights_only=True)
    for added in ADDED_WITH_AIRBENCH96:
        del ckpt["config"][added]
    torch.save(ckpt, resume_point)
    again = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "resuming" in again.stderr, again.stderr
    ckpt["config"]["lr"] = 1.0  # another recipe is still refused
    torch.save(ckpt, resume_point)
    refused = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert refused.returncode != 0 and "another configuration" in refused.stderr
