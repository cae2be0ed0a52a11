import io
import json
import subprocess
import sys
import tarfile

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from conftest import ROOT
from explorer.loading import build_embedded, load_weights
from explorer.train import cutmix, random_crop_flip, split_train_val

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


@pytest.fixture
def tiny_cifar(tmp_path):
    """A tarball laid out like the real one: train/<class>/NNNN.jpg, 12 coloured images per class."""
    path = tmp_path / "tiny.tar.gz"
    rng = np.random.default_rng(0)
    with tarfile.open(path, "w:gz") as tar:
        for c, name in enumerate(CLASSES):
            for i in range(12):
                pixels = np.clip(rng.normal(25 * c, 20, (32, 32, 3)), 0, 255).astype(np.uint8)
                buf = io.BytesIO()
                Image.fromarray(pixels).save(buf, "JPEG")
                info = tarfile.TarInfo(f"train/{name}/{i:04d}.jpg")
                info.size = len(buf.getvalue())
                tar.addfile(info, io.BytesIO(buf.getvalue()))
    return path


def train(tiny_cifar, tmp_path, epochs: int) -> subprocess.CompletedProcess:
    args = ["--data", str(tiny_cifar), "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out"), "--epochs", str(epochs), "--batch-size", "16"]
    return subprocess.run([sys.executable, "-m", "explorer.train", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_training_writes_weights_card_and_timeline_and_resumes(tiny_cifar, tmp_path):
    first = train(tiny_cifar, tmp_path, epochs=2)
    assert first.returncode == 0, first.stderr
    out = tmp_path / "out"
    card = json.loads((out / "embedded.json").read_text())
    assert card["class_names"] == CLASSES and card["epochs"] == 2 and card["val_images"] == 10
    assert 0 <= card["val_accuracy"] <= 1 and card["parameters"] <= 1_000_000
    for key in ("architecture", "recipe", "seed", "wall_time_s", "hardware", "history"):
        assert key in card
    model = build_embedded()
    load_weights(model, load_file(out / "embedded.safetensors"), "trained weights")  # fits the architecture
    timeline = load_file(out / "embedded-timeline.safetensors")
    assert {"epoch000.token_mixing", "epoch001.token_mixing", "epoch002.token_mixing"} <= set(timeline)
    assert timeline["epoch002.token_mixing"].shape == (8, 64, 64)
    assert not torch.equal(timeline["epoch000.token_mixing"], timeline["epoch002.token_mixing"])

    more = train(tiny_cifar, tmp_path, epochs=2)  # same run again: picks up its checkpoint, trains nothing
    assert "resuming" in more.stderr and "epoch 1/2" not in more.stderr


def test_validation_split_is_stratified_and_disjoint():
    labels = torch.arange(10).repeat_interleave(100)
    train_idx, val_idx = split_train_val(labels, per_class=10)
    assert len(set(train_idx.tolist()) & set(val_idx.tolist())) == 0 and len(train_idx) + len(val_idx) == 1000
    assert torch.bincount(labels[val_idx]).tolist() == [10] * 10


def test_augmentations_keep_shapes_and_pixels():
    g = torch.Generator().manual_seed(0)
    x = torch.arange(2 * 3 * 32 * 32, dtype=torch.float32).view(2, 3, 32, 32)
    crops = random_crop_flip(x, g)
    assert crops.shape == x.shape
    mixed, partner, lam = cutmix(x, torch.tensor([0, 1]), g)
    assert mixed.shape == x.shape and 0 <= lam <= 1 and partner.shape == (2,)
