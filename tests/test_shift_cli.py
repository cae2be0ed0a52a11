"""`python -m explorer shift`: the JSON contracts for an image and for a folder, the table, and clear errors."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import EXAMPLES, ROOT
from explorer.analysis.corruptions import CORRUPTIONS
from explorer.model.inference import predict

HORSE = EXAMPLES / "cifar10-horse.jpg"


def cli(capsys, caplog, *args: str) -> subprocess.CompletedProcess:
    """`python -m explorer ARGS` in this process (the same parser and commands, without a new interpreter's
    seconds of imports); its log records as stderr."""
    from explorer.cli import main

    capsys.readouterr()
    caplog.clear()
    with caplog.at_level("INFO", logger="explorer"):
        code = main(list(args))
    stderr = "\n".join(f"{r.levelname} {r.getMessage()}" for r in caplog.records)
    return subprocess.CompletedProcess(args, code, capsys.readouterr().out, stderr)


def test_an_images_json_contract_from_a_real_interpreter():
    result = subprocess.run([sys.executable, "-m", "explorer", "shift", str(HORSE), "--model", "embedded",
                             "--json"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)  # stdout is one JSON object and nothing else
    assert set(out) == {"model", "image", "clean", "corruptions"}
    assert out["model"] == "embedded" and out["image"] == str(HORSE)
    top = predict(HORSE, "embedded", top_k=1)[0]
    assert out["clean"] == {"label": top.label, "probability": pytest.approx(top.probability, abs=1e-6)}
    assert list(out["corruptions"]) == list(CORRUPTIONS)
    for cells in out["corruptions"].values():
        assert len(cells) == 5
        for cell in cells:
            assert set(cell) == {"label", "probability", "clean_probability", "same_top1"}
            assert cell["same_top1"] == (cell["label"] == top.label)
            assert 0 <= cell["clean_probability"] <= cell["probability"] <= 1


def test_corruptions_severities_and_seed_choose_the_cells(capsys, caplog):
    args = ("shift", str(HORSE), "--model", "embedded", "--corruptions", "fog, shot_noise", "--severities", "2,5",
            "--json")
    first = json.loads(cli(capsys, caplog, *args, "--seed", "1").stdout)
    assert list(first["corruptions"]) == ["fog", "shot_noise"]
    assert all(len(cells) == 2 for cells in first["corruptions"].values())
    again = json.loads(cli(capsys, caplog, *args, "--seed", "1").stdout)
    other = json.loads(cli(capsys, caplog, *args, "--seed", "2").stdout)
    assert again == first and other != first


def write_class_folders(root, per_class: int = 2):
    """horse/ and ship/, each with the example picture and mirrored copies."""
    for name in ("horse", "ship"):
        (root / name).mkdir(parents=True)
        image = Image.open(EXAMPLES / f"cifar10-{name}.jpg")
        for i in range(per_class):
            (image if i == 0 else image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)).save(root / name / f"{i}.png")


def test_a_folders_json_contract(tmp_path, capsys, caplog):
    write_class_folders(tmp_path)
    result = cli(capsys, caplog, "shift", str(tmp_path), "--model", "embedded", "--severities", "1,3,5", "--json")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"model", "images", "clean", "corruptions", "mean"}
    assert out["model"] == "embedded" and out["images"] == 4
    paths = sorted(tmp_path.glob("*/*.png"))
    right = sum(predict(p, "embedded", top_k=1)[0].label == p.parent.name for p in paths)
    assert out["clean"] == pytest.approx(right / 4)
    assert list(out["corruptions"]) == list(CORRUPTIONS)
    values = [a for row in out["corruptions"].values() for a in row]
    assert all(len(row) == 3 for row in out["corruptions"].values())
    assert all(a in (0, 0.25, 0.5, 0.75, 1) for a in values)  # a share of 4 images
    assert out["mean"] == pytest.approx(np.mean(values), abs=1e-6)


def test_per_class_takes_the_first_images_of_each_class(tmp_path, capsys, caplog):
    write_class_folders(tmp_path, per_class=3)
    args = ("shift", str(tmp_path), "--model", "embedded", "--corruptions", "contrast", "--json")
    assert json.loads(cli(capsys, caplog, *args, "--per-class", "1").stdout)["images"] == 2
    bad = cli(capsys, caplog, *args, "--per-class", "0")
    assert bad.returncode == 1 and "--per-class must be at least 1" in bad.stderr


def test_without_json_the_tables_are_for_people(tmp_path, capsys, caplog):
    image = cli(capsys, caplog, "shift", str(HORSE), "--model", "embedded", "--corruptions", "fog,brightness")
    assert image.returncode == 0
    lines = image.stdout.splitlines()
    assert lines[0].startswith(f"embedded on {HORSE}: clean top-1 horse")
    assert "severity 1" in image.stdout and "CIFAR-10-C parameters, seed 0" in lines[0]
    assert [line.split()[0] for line in lines[-2:]] == ["fog", "brightness"]
    write_class_folders(tmp_path)
    folder = cli(capsys, caplog, "shift", str(tmp_path), "--model", "embedded", "--corruptions", "pixelate")
    assert folder.stdout.startswith("embedded on 4 images: clean accuracy")
    assert folder.stdout.splitlines()[-1].split()[0] == "pixelate" and folder.stdout.count("%") == 2 + 5


@pytest.mark.parametrize("args,message", [
    (("--corruptions", "fog,smog"), "unknown corruption 'smog': choose from gaussian_noise"),
    (("--severities", "0,2"), "severities are 1 to 5; got 0"),
    (("--severities", "two"), "--severities takes whole numbers 1 to 5"),
])
def test_unknown_corruptions_and_severities_are_one_clear_error(args, message, capsys, caplog):
    result = cli(capsys, caplog, "shift", str(HORSE), "--model", "embedded", *args, "--json")
    assert result.returncode == 1
    assert message in json.loads(result.stdout)["error"] and f"ERROR {message}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_image_a_missing_path_and_a_strange_class_folder_are_clear_errors(tmp_path, capsys, caplog):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg at all")
    result = cli(capsys, caplog, "shift", str(broken), "--model", "embedded")
    assert result.returncode == 1 and "ERROR broken.jpg is not an image format" in result.stderr
    assert result.stdout == ""
    missing = cli(capsys, caplog, "shift", str(tmp_path / "nowhere"), "--model", "embedded", "--json")
    assert missing.returncode == 1 and "no such file or folder" in json.loads(missing.stdout)["error"]
    (tmp_path / "classes" / "unicorn").mkdir(parents=True)
    (tmp_path / "classes" / "unicorn" / "a.jpg").write_bytes(HORSE.read_bytes())
    strange = cli(capsys, caplog, "shift", str(tmp_path / "classes"), "--model", "embedded")
    assert strange.returncode == 1 and "class folder 'unicorn' is not one of the model's classes" in strange.stderr
    (tmp_path / "classes" / "horse").mkdir()
    (tmp_path / "classes" / "horse" / "bad.jpg").write_bytes(b"\xff\xd8 broken")
    (tmp_path / "classes" / "unicorn" / "a.jpg").unlink()
    (tmp_path / "classes" / "unicorn").rmdir()
    nothing_read = cli(capsys, caplog, "shift", str(tmp_path / "classes"), "--model", "embedded")
    assert nothing_read.returncode == 1 and f"ERROR no image of {tmp_path / 'classes'} could be read" in \
        nothing_read.stderr and "WARNING skipped horse/bad.jpg: bad.jpg is not an image format" in nothing_read.stderr


def test_an_unreadable_image_in_a_folder_is_skipped_and_out_of_the_count(tmp_path, capsys, caplog):
    write_class_folders(tmp_path)
    (tmp_path / "ship" / "bad.jpg").write_bytes(b"\xff\xd8 broken")
    result = cli(capsys, caplog, "shift", str(tmp_path), "--model", "embedded", "--corruptions", "fog", "--json")
    assert result.returncode == 0 and "WARNING skipped ship/bad.jpg: bad.jpg is not an image format" in result.stderr
    out = json.loads(result.stdout)
    paths = sorted(tmp_path.glob("*/*.png"))
    right = sum(predict(p, "embedded", top_k=1)[0].label == p.parent.name for p in paths)
    assert out["images"] == 4 and out["clean"] == pytest.approx(right / 4)


def test_engine_ray_is_for_a_folder_and_its_flags_are_checked(tmp_path, capsys, caplog):
    image = cli(capsys, caplog, "shift", str(HORSE), "--model", "embedded", "--engine", "ray", "--json")
    assert image.returncode == 1
    assert "--engine ray runs a folder of class subfolders" in json.loads(image.stdout)["error"]
    write_class_folders(tmp_path)
    for flag, message in (("--batch-size", "--batch-size must be at least 1"), ("--workers", "--workers must be at")):
        bad = cli(capsys, caplog, "shift", str(tmp_path), "--model", "embedded", "--engine", "ray", flag, "0")
        assert bad.returncode == 1 and f"ERROR {message}" in bad.stderr and "Traceback" not in bad.stderr
