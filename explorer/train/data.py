"""The CIFAR-10 training tarball as tensors: decoded once (cached), split into training and held-out images.

Every trainer here (the Mixer, its teacher) reads its images through these functions, so all of them hold out
the same stratified 5,000 images and never train on them.
"""
from __future__ import annotations

import argparse
import io
import logging
import os
import tarfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from explorer.model import embedded

log = logging.getLogger("explorer.train")

ROOT = Path(__file__).resolve().parents[2]  # the repository
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cifar10-train-jpeg.tar.gz"
DEFAULT_CACHE = ROOT / ".cache"
VAL_PER_CLASS = 500  # the held-out images per class: 5,000 of the 50,000


def load_cifar_tar(tar_path: Path, cache_dir: Path,
                   limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor, list[str], list[str]]:
    """Decode `train/<class>/NNNN.jpg` from the tarball once and cache it.

    Returns images (N, 3, 32, 32) uint8, labels (N,) int64, the class names (sorted folder names) and each
    image's path inside the tarball.
    """
    cache = cache_dir / "cifar10-train-uint8.npz"
    if cache.exists():
        data = np.load(cache)
        images, labels = data["images"], data["labels"]
        classes, names = [str(c) for c in data["classes"]], [str(n) for n in data["names"]]
    else:
        log.info("decoding %s (once; cached in %s)", tar_path, cache)
        items = []
        with tarfile.open(tar_path, "r:gz") as tar:
            for member in tar:
                parts = Path(member.name).parts
                is_image = member.name.lower().endswith((".jpg", ".jpeg", ".png"))
                if not member.isfile() or len(parts) < 3 or not is_image:
                    continue
                raw = tar.extractfile(member).read()
                rgb = np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"))
                items.append((parts[-2], member.name, rgb))
        items.sort(key=lambda item: item[1])
        classes = sorted({cls for cls, _, _ in items})
        images = np.stack([rgb for _, _, rgb in items]).transpose(0, 3, 1, 2).copy()  # (N, 3, 32, 32)
        labels = np.array([classes.index(cls) for cls, _, _ in items], dtype=np.int64)
        names = [name for _, name, _ in items]
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, images=images, labels=labels, classes=np.array(classes), names=np.array(names))
        os.replace(tmp, cache)
    images, labels = torch.from_numpy(images), torch.from_numpy(labels)
    if limit:
        keep = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))[:limit].sort().values
        images, labels, names = images[keep], labels[keep], [names[i] for i in keep.tolist()]
    return images, labels, classes, names


def split_train_val(labels: torch.Tensor, per_class: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A stratified hold-out: `per_class` random images of each class for validation, the rest for training."""
    g = torch.Generator().manual_seed(seed)
    val = []
    for c in labels.unique():
        idx = (labels == c).nonzero().flatten()
        val.append(idx[torch.randperm(len(idx), generator=g)[: min(per_class, len(idx) // 10 or 1)]])
    val_idx = torch.cat(val).sort().values
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[val_idx] = False
    return mask.nonzero().flatten(), val_idx


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 (B, 3, H, W) -> float, normalised as timm's transform does for the embedded model."""
    mean = torch.tensor(embedded.MEAN, device=images.device).view(1, 3, 1, 1)
    std = torch.tensor(embedded.STD, device=images.device).view(1, 3, 1, 1)
    return (images.float() / 255 - mean) / std


def export_validation(data: Path, cache_dir: Path, out: Path, val_per_class: int = VAL_PER_CLASS) -> None:
    """Copy the held-out JPEGs, byte for byte, to out/<class>/: what `explorer predict` is measured on."""
    _, labels, _, names = load_cifar_tar(data, cache_dir)
    _, val_idx = split_train_val(labels, val_per_class)
    wanted = {names[i] for i in val_idx.tolist()}
    with tarfile.open(data, "r:gz") as tar:
        for member in tar:
            if member.name in wanted:
                target = out / Path(member.name).parts[-2] / Path(member.name).name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    log.info("wrote %d held-out images to %s", len(wanted), out)


def data_arguments(parser: argparse.ArgumentParser) -> None:
    """--data, --cache, --limit: where the training images come from, for both trainers."""
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CIFAR-10 training tarball")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="where the decoded data is cached")
    parser.add_argument("--limit", type=int, default=None, help="use only this many images (smoke runs)")
