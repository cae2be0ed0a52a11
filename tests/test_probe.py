"""The few-shot linear probe: the closed form against a plain NumPy ridge, and the `probe` CLI's contract.

The images are real held-out CIFAR-10 pictures: those the shipped unit index keeps in its sprite (never trained on).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT
from explorer.analysis.probe import RELATIVE_STRENGTHS, fit_probe, signed_one_hot

KEYS = {"model", "weights", "classes", "shots", "train_images", "test_images", "accuracy", "per_class", "confusion",
        "regularisation"}


def plain_ridge(x: np.ndarray, labels: np.ndarray, k: int, strength: float) -> tuple[np.ndarray, np.ndarray]:
    """Textbook ridge with an unregularised bias, solved in the primal: (W, b)."""
    mean, scale = x.mean(0), x.std(0)
    z = (x - mean) / np.where(scale > 1e-12, scale, 1)
    design = np.hstack([z, np.ones((len(z), 1))])
    penalty = strength * np.eye(design.shape[1])
    penalty[-1, -1] = 0
    solution = np.linalg.solve(design.T @ design + penalty, design.T @ signed_one_hot(labels, k))
    return solution[:-1], solution[-1]


def features_of_three_classes(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(3), 6)
    centres = rng.normal(0, 1, (3, 40))
    return centres[labels] + rng.normal(0, 1.5, (len(labels), 40)), labels


def test_probe_equals_a_plain_numpy_ridge():
    x, labels = features_of_three_classes()
    probe = fit_probe(x, labels, 3)
    weights, bias = plain_ridge(x, labels, 3, probe.regularisation)
    np.testing.assert_allclose(probe.weights, weights, atol=1e-8)
    np.testing.assert_allclose(probe.bias, bias, atol=1e-8)
    new = np.random.default_rng(1).normal(0, 1, (5, 40))
    standardised = (new - x.mean(0)) / x.std(0)
    np.testing.assert_allclose(probe.scores(new), standardised @ weights + bias, atol=1e-8)


def test_leave_one_out_accuracy_is_that_of_refitting_without_each_image():
    x, labels = features_of_three_classes(seed=2)
    probe = fit_probe(x, labels, 3)
    # Refit on N-1 images, with the standardisation of all N (the closed form's), and predict the one left out.
    mean, scale = x.mean(0), x.std(0)
    z = (x - mean) / scale
    hits = []
    for i in range(len(labels)):
        keep = np.arange(len(labels)) != i
        design = np.hstack([z[keep], np.ones((keep.sum(), 1))])
        penalty = probe.regularisation * np.eye(design.shape[1])
        penalty[-1, -1] = 0
        solution = np.linalg.solve(design.T @ design + penalty, design.T @ signed_one_hot(labels[keep], 3))
        hits.append((np.append(z[i], 1) @ solution).argmax() == labels[i])
    assert probe.loo_accuracy == pytest.approx(np.mean(hits))
    relative = probe.regularisation / np.linalg.eigvalsh(z @ z.T).mean()
    assert any(np.isclose(relative, r) for r in RELATIVE_STRENGTHS)


def test_the_probe_is_deterministic():
    x, labels = features_of_three_classes()
    first, second = fit_probe(x, labels, 3), fit_probe(x.copy(), labels.copy(), 3)
    assert first.regularisation == second.regularisation
    np.testing.assert_array_equal(first.weights, second.weights)


# ---------------------------------------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def cifar_folders(tmp_path_factory) -> tuple[Path, Path]:
    """train/<class>/ (5 images each) and test/<class>/ (12 each) of four CIFAR-10 classes, held out from training."""
    from explorer.units.index import read_index
    from explorer.units.reference import SHIPPED_INDEX

    index = read_index(SHIPPED_INDEX)
    root = tmp_path_factory.mktemp("probe")
    wanted = {"airplane": 0, "cat": 0, "frog": 0, "truck": 0}
    for i, name in enumerate(index.names):
        cls = name.split("/")[-2]
        if cls not in wanted or wanted[cls] >= 17:
            continue
        split = "train" if wanted[cls] < 5 else "test"
        folder = root / split / cls
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(index.sprite[i]).save(folder / f"{wanted[cls]:03d}.png")
        wanted[cls] += 1
    return root / "train", root / "test"


def probe_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", "probe", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_probe_cli_contract(cifar_folders):
    train, test = cifar_folders
    result = probe_cli("--model", "embedded", "--train", str(train), "--test", str(test), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert set(report) == KEYS
    assert report["model"] == "embedded" and report["weights"] == "pretrained"
    assert report["classes"] == ["airplane", "cat", "frog", "truck"]
    assert report["shots"] == [5, 5, 5, 5] and report["train_images"] == 20 and report["test_images"] == 48
    confusion = np.array(report["confusion"])
    assert confusion.shape == (4, 4) and confusion.sum() == 48 and (confusion.sum(1) == 12).all()
    assert report["accuracy"] == pytest.approx(np.trace(confusion) / 48)
    assert report["per_class"] == pytest.approx({c: confusion[i, i] / 12 for i, c in enumerate(report["classes"])})
    assert report["accuracy"] >= 0.6  # 5 shots of a CIFAR-10 model's own classes: far above the 25% of chance
    assert report["regularisation"] > 0


def test_shots_take_the_first_files_by_name_and_renaming_classes_changes_nothing(cifar_folders, tmp_path):
    train, test = cifar_folders
    fewer = json.loads(probe_cli("--model", "embedded", "--train", str(train), "--test", str(test), "--shots", "2",
                                 "--json").stdout)
    assert fewer["shots"] == [2, 2, 2, 2] and fewer["train_images"] == 8
    renamed = {"airplane": "zeppelin", "cat": "kitty", "frog": "amphibian", "truck": "lorry"}
    for split, source in (("train", train), ("test", test)):
        for cls, new in renamed.items():
            target = tmp_path / split / new
            target.mkdir(parents=True)
            for image in sorted((source / cls).iterdir())[: (2 if split == "train" else None)]:
                (target / image.name).write_bytes(image.read_bytes())
    again = json.loads(probe_cli("--model", "embedded", "--train", str(tmp_path / "train"), "--test",
                                 str(tmp_path / "test"), "--json").stdout)
    assert again["classes"] == sorted(renamed.values())
    assert again["accuracy"] == fewer["accuracy"]
    assert again["regularisation"] == pytest.approx(fewer["regularisation"])  # rows in another order: rounding
    assert again["per_class"] == {renamed[c]: a for c, a in fewer["per_class"].items()}


def test_random_weights_score_clearly_below_the_trained_model(cifar_folders):
    train, test = cifar_folders
    trained = json.loads(probe_cli("--model", "embedded", "--train", str(train), "--test", str(test), "--json").stdout)
    random = json.loads(probe_cli("--model", "embedded", "--weights", "random", "--train", str(train), "--test",
                                  str(test), "--json").stdout)
    assert random["weights"] == "random"
    assert random["accuracy"] <= trained["accuracy"] - 0.2


@pytest.mark.parametrize("case", ["one class", "empty class", "missing folder", "unreadable image"])
def test_bad_folders_get_one_line_and_a_failing_exit(cifar_folders, tmp_path, case):
    train, test = cifar_folders
    if case == "one class":
        (tmp_path / "only").mkdir()
        (tmp_path / "only" / "a.png").write_bytes((train / "cat" / "000.png").read_bytes())
        args, words = ["--train", str(tmp_path), "--test", str(test)], "at least two"
    elif case == "empty class":
        for cls in ("cat", "dog"):
            (tmp_path / cls).mkdir()
        (tmp_path / "cat" / "a.png").write_bytes((train / "cat" / "000.png").read_bytes())
        args, words = ["--train", str(tmp_path), "--test", str(test)], "dog: the class folder holds no images"
    elif case == "missing folder":
        args, words = ["--train", str(tmp_path / "nowhere"), "--test", str(test)], "no such folder"
    else:
        for cls in ("cat", "frog"):
            (tmp_path / cls).mkdir()
            (tmp_path / cls / "a.png").write_bytes((train / cls / "000.png").read_bytes())
        (tmp_path / "frog" / "b.png").write_text("not a picture")
        args, words = ["--train", str(tmp_path), "--test", str(tmp_path)], "b.png"
    result = probe_cli("--model", "embedded", *args, "--json")
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr
