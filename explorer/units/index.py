"""The index of a reference set: for every unit of every block, its top images with their activations and peaks,
and the highest mean any image reached; one safetensors file, with the images themselves in a JPEG sprite beside
it when they are shipped (`assets/embedded-units*`). Built by `build_index`, `python -m explorer index DIR`.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from PIL import Image
from safetensors import safe_open
from safetensors.torch import save_file

from explorer import memo
from explorer.errors import ExplorerError, ImageError
from explorer.images import ImageSource, image_paths
from explorer.model.inference import preprocess
from explorer.model.loading import LoadedModel, exception_line
from explorer.model.weights import patch_grid
from explorer.progress import Progress
from explorer.units.address import KINDS, unit_count
from explorer.units.record import unit_activations
from explorer.units.sprites import (
    INDEX_QUALITY,
    jpeg_options,
    sprite_image,
    sprite_tiles,
)

log = logging.getLogger("explorer")

TOP_K = 16  # images kept per unit in an index
INDEX_FORMAT = "mixer-explorer unit index 1"


@dataclass(frozen=True)
class Tops:
    """For every unit of one kind of every block: its top images in a reference set."""

    values: np.ndarray  # (depth, units, k) float32, highest first: max over positions
    ids: np.ndarray  # (depth, units, k) int64 image ids (into UnitIndex.names)
    peaks: np.ndarray  # (depth, units, k) int64 where each peaks: flat patch (channel), channel (token)
    best_mean: np.ndarray  # (depth, units) the highest mean over positions any image of the set reached
    best_mean_id: np.ndarray  # (depth, units) which image


TOPS_DTYPES = {"values": np.float32, "ids": np.int64, "peaks": np.int64, "best_mean": np.float32,
               "best_mean_id": np.int64}


@dataclass(frozen=True, eq=False)
class UnitIndex:
    """The top images of every unit of a model in a reference set of images."""

    model: str
    weights: str
    fingerprint: str  # of the weights the index was built with (`weights_fingerprint`)
    grid: tuple[int, int]
    names: tuple[str, ...]  # the images the index refers to (all of a folder's, or only the referenced ones)
    count: int  # how many images the reference set holds
    description: str  # which set, in words
    tops: dict[str, Tops]
    root: Path | None = None  # files are root / name
    sprite: np.ndarray | None = None  # (len(names), h, w, 3) uint8: the images themselves
    sources: tuple | None = None  # in-memory images (examples and uploads), one per name

    def path(self, i: int) -> str:
        """Where image `i` is: a file path, or (for images kept in a sprite) its name in the data set it came from."""
        return str(self.root / self.names[i]) if self.root is not None else self.names[i]

    def source(self, i: int) -> ImageSource:
        if self.sprite is not None:
            return self.sprite[i]
        if self.sources is not None:
            return self.sources[i]
        return self.root / self.names[i] if self.root is not None else self.names[i]

    @property
    def top_k(self) -> int:
        return self.tops["channel"].ids.shape[-1]

    def summary(self) -> str:
        """Which set the examples come from and how many images it holds, for the page."""
        return f"{self.description}: {self.count:,} image{'s' * (self.count != 1)}"


def weights_fingerprint(loaded: LoadedModel) -> str:
    """A digest of the model's weights (names and bytes), once per model: what an index or a shipped picture was
    computed from, whatever the model was called or loaded from."""

    def make() -> str:
        digest = hashlib.sha256()
        for name, tensor in sorted(loaded.model.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().float().cpu().contiguous().numpy().tobytes())
        return digest.hexdigest()[:16]

    return memo.per_model(loaded.model, "weights_fingerprint", make)


def build_index(
    loaded: LoadedModel,
    images: Sequence[ImageSource],
    names: Sequence[str] | None = None,
    top_k: int = TOP_K,
    batch_size: int = 64,
    progress: Progress | None = None,
    root: Path | None = None,
    description: str = "",
) -> UnitIndex:
    """Index a reference set: one forward pass per batch, every unit of every block reduced on the fly, the
    running top-k of each unit merged batch by batch. Images that cannot be read are skipped (and logged).

    names: what to call each image (default: its path, or "image N"); root: the folder the names are relative to.
    """
    model, depth = loaded.model, len(loaded.model.blocks)
    if names is None:
        names = [str(s) if isinstance(s, (str, Path)) else f"image {i}" for i, s in enumerate(images)]
    names = list(names)
    units = {k: unit_count(model, k) for k in KINDS}
    # per kind, (depth, units, kept so far): the top values, their image ids and peaks; the best mean and its image
    top = {k: (torch.full((depth, units[k], 0), -math.inf), torch.zeros((depth, units[k], 0), dtype=torch.long),
               torch.zeros((depth, units[k], 0), dtype=torch.long)) for k in KINDS}
    best = {k: (torch.full((depth, units[k]), -math.inf), torch.zeros((depth, units[k]), dtype=torch.long))
            for k in KINDS}
    kept_names: list[str] = []
    kept_sources: list[ImageSource] = []

    def flush(batch: list[torch.Tensor]) -> None:
        first = len(kept_names) - len(batch)  # this batch's image ids
        ids = torch.arange(first, first + len(batch))
        for kind, (peak, where, mean) in unit_activations(model, torch.stack(batch).to(loaded.device)).items():
            values, old_ids, old_peaks = top[kind]
            # (depth, units, k + B): the kept top-k and this batch, then the new top-k of them
            values = torch.cat([values, peak.permute(1, 2, 0).cpu()], dim=-1)
            all_ids = torch.cat([old_ids, ids.expand(depth, units[kind], -1)], dim=-1)
            all_peaks = torch.cat([old_peaks, where.permute(1, 2, 0).cpu()], dim=-1)
            order = values.topk(min(top_k, values.shape[-1]), dim=-1).indices
            top[kind] = (values.gather(-1, order), all_ids.gather(-1, order), all_peaks.gather(-1, order))
            batch_best, at = mean.cpu().max(dim=0)  # (depth, units)
            better = batch_best > best[kind][0]
            best[kind] = (torch.where(better, batch_best, best[kind][0]), torch.where(better, ids[at], best[kind][1]))

    batch: list[torch.Tensor] = []
    for i, source in enumerate(images):
        try:
            batch.append(preprocess(loaded, source))
            kept_names.append(names[i])
            kept_sources.append(source)
        except (ImageError, OSError) as exc:
            log.warning("skipped %s: %s", names[i], exc)
        if len(batch) == batch_size:
            flush(batch)
            batch = []
        if progress:
            progress(i + 1, len(images))
    if batch:
        flush(batch)
    if not kept_names:
        raise ExplorerError("no image of the reference set could be read")
    tops = {k: Tops(*(t.numpy() for t in top[k]), best[k][0].numpy(), best[k][1].numpy()) for k in KINDS}
    return UnitIndex(
        model=loaded.name,
        weights=loaded.weights,
        fingerprint=weights_fingerprint(loaded),
        grid=patch_grid(model),
        names=tuple(kept_names),
        count=len(kept_names),
        description=description or "the images given",
        tops=tops,
        root=root,
        sources=None if root is not None else tuple(kept_sources),
    )


def referenced(index: UnitIndex) -> np.ndarray:
    """The ids of the images an index refers to: every unit's top images and best-mean image."""
    ids = [np.concatenate([t.ids.ravel(), t.best_mean_id.ravel()]) for t in index.tops.values()]
    return np.unique(np.concatenate(ids))


def compact(index: UnitIndex, pictures: np.ndarray) -> UnitIndex:
    """The index with only the images it refers to, kept as a sprite: `pictures` (count, h, w, 3) are the
    reference set's images, in id order (as `save_index` will write them: see `jpeg_rendition`). Names, ids
    and the sprite are renumbered together."""
    keep = referenced(index)
    new_id = np.full(len(index.names), -1, dtype=np.int64)
    new_id[keep] = np.arange(len(keep))
    tops = {k: Tops(t.values, new_id[t.ids], t.peaks, t.best_mean, new_id[t.best_mean_id])
            for k, t in index.tops.items()}
    return UnitIndex(index.model, index.weights, index.fingerprint, index.grid, tuple(index.names[i] for i in keep),
                     index.count, index.description, tops, root=None, sprite=np.ascontiguousarray(pictures[keep]))


def save_index(index: UnitIndex, path: str | Path) -> list[Path]:
    """Write the index as one safetensors file and, when it keeps its images, a JPEG sprite beside it (PATH's
    stem + `-sprite.jpg`), which reads back as `jpeg_rendition(index.sprite, INDEX_QUALITY)`. Returns the files
    written."""
    path = Path(path)
    # int32 ids and peaks (half the bytes of int64), float32 activations
    tensors = {f"{kind}.{f_}": torch.from_numpy(getattr(t, f_).astype(np.int32 if dtype == np.int64 else dtype))
               for kind, t in index.tops.items() for f_, dtype in TOPS_DTYPES.items()}
    sprite = path.with_name(path.stem + "-sprite.jpg") if index.sprite is not None else None
    metadata = {
        "format": INDEX_FORMAT,
        "model": index.model,
        "weights": index.weights,
        "fingerprint": index.fingerprint,
        "grid": json.dumps(list(index.grid)),
        "names": json.dumps(list(index.names)),
        "count": str(index.count),
        "description": index.description,
        "root": str(index.root.resolve()) if index.root is not None else "",
        "sprite": sprite.name if sprite else "",
        "tile": json.dumps(list(index.sprite.shape[1:3])) if sprite else "",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=metadata)
    if sprite is None:
        return [path]
    sprite_image(index.sprite).save(sprite, **jpeg_options(INDEX_QUALITY))
    return [path, sprite]


def read_index(path: str | Path) -> UnitIndex:
    """An index written by `save_index` (read once per file version, kept in explorer.memo)."""
    path = Path(path)
    if not path.is_file():
        raise ExplorerError(f"index {path} does not exist; build one with python -m explorer index DIR --model NAME "
                            f"--out {path.name}")
    key = ("file", str(path.resolve()), path.stat().st_mtime_ns)
    return memo.UNIT_INDEXES.get(key, lambda: read_index_uncached(path))


def read_index_uncached(path: Path) -> UnitIndex:
    """An index written by `save_index`, read from the file now (to check what was written)."""
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as exc:
        raise ExplorerError(f"{path.name} is not a readable unit index ({exception_line(exc)})") from None
    if meta.get("format") != INDEX_FORMAT:
        raise ExplorerError(f"{path.name} is not a unit index written by python -m explorer index")
    tops = {k: Tops(**{f_: tensors[f"{k}.{f_}"].numpy().astype(dtype) for f_, dtype in TOPS_DTYPES.items()})
            for k in KINDS}
    names = tuple(json.loads(meta["names"]))
    sprite = None
    if meta.get("sprite"):
        with Image.open(path.parent / meta["sprite"]) as image:
            sprite = sprite_tiles(image, len(names), tuple(json.loads(meta["tile"])))
    return UnitIndex(meta["model"], meta["weights"], meta["fingerprint"], tuple(json.loads(meta["grid"])), names,
                     int(meta["count"]), meta["description"], tops,
                     root=Path(meta["root"]) if meta.get("root") else None, sprite=sprite)


def folder_names(folder: Path) -> list[Path]:
    """The image files under a folder, sorted, as `python -m explorer predict` finds them (the same walk)."""
    return list(image_paths([str(folder)]))


def index_folder(loaded: LoadedModel, folder: str | Path, top_k: int = TOP_K, batch_size: int = 64,
                 progress: Progress | None = None) -> UnitIndex:
    """An index of every image file under `folder` (names relative to it)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExplorerError(f"{folder} is not a folder of images")
    paths = folder_names(folder)
    if not paths:
        raise ExplorerError(f"{folder} holds no image files")
    names = [p.relative_to(folder).as_posix() for p in paths]
    return build_index(loaded, paths, names, top_k, batch_size, progress, root=folder,
                       description=f"the images in {folder}")

