"""A partial index: every unit's top images among a share of a folder's images, merged associatively.

The top-k of a union is the top-k of the parts' top-k, so a folder can be indexed in pieces, anywhere and in any
order (a batch in a Ray worker, a shard of a run that was stopped), and the pieces merged: concatenate, sort,
truncate. Images are named by their *position* in the folder's listing until `finish` renumbers the readable ones
0, 1, 2, ... exactly as `build_index` numbers them. Ties are broken by position (the earlier image first), so the
order is total and any order of merging gives the same index.

    part = partial_from_batch(model, x, positions, top_k)     # one batch: (B, 3, H, W) and where each image is
    whole = merge(merge(a, b), c)                              # == merge(a, merge(b, c)), == merge(b, a) ...
    index = finish(whole, loaded, names, root=folder)          # the UnitIndex `build_index` makes
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from explorer.errors import ExplorerError
from explorer.model.loading import LoadedModel
from explorer.model.weights import patch_grid
from explorer.units.address import KINDS, unit_count
from explorer.units.index import Tops, UnitIndex, weights_fingerprint
from explorer.units.record import unit_activations

NO_IMAGE = np.iinfo(np.int64).max  # the best-mean image of a share without images: every real image beats it


@dataclass(frozen=True)
class PartialTops:
    """One kind's units among a share of the images; ids are positions in the listing."""

    values: np.ndarray  # (depth, units, n) float32, n <= k: highest first, ties by position
    ids: np.ndarray  # (depth, units, n) int64 positions
    peaks: np.ndarray  # (depth, units, n) int64: where each peaks (flat patch for a channel, channel for a token unit)
    best_mean: np.ndarray  # (depth, units) float32: the highest mean over positions in the share
    best_mean_id: np.ndarray  # (depth, units) int64 its position (NO_IMAGE if the share has no image)


@dataclass(frozen=True)
class PartialIndex:
    top_k: int
    tops: dict[str, PartialTops]
    skipped: dict[int, str] = field(default_factory=dict)  # position -> why that file could not be read


def sorted_tops(values: np.ndarray, ids: np.ndarray, peaks: np.ndarray, k: int) -> tuple[np.ndarray, ...]:
    """The first k along the last axis by value (highest first), ties by position: a total order, so merging in
    any order and grouping gives the same answer."""
    order = np.lexsort((ids, -values), axis=-1)[..., :k]
    return (np.take_along_axis(values, order, -1), np.take_along_axis(ids, order, -1),
            np.take_along_axis(peaks, order, -1))


@torch.inference_mode()
def partial_from_batch(model: torch.nn.Module, x: torch.Tensor, positions: np.ndarray, top_k: int,
                       skipped: dict[int, str] | None = None) -> PartialIndex:
    """One batch reduced: x (B, 3, H, W) on the model's device, positions (B,) where each image is in the listing;
    `skipped` the batch's unreadable files. B may be 0 (every file of the batch unreadable)."""
    positions = np.asarray(positions, dtype=np.int64)
    tops = {}
    if len(positions):
        reduced = unit_activations(model, x)  # {kind: (peak, where, mean)}, each (B, depth, units)
    for kind in KINDS:
        if not len(positions):
            tops[kind] = empty_tops(model, kind)
            continue
        peak, where, mean = (t.cpu().numpy() for t in reduced[kind])
        values = peak.transpose(1, 2, 0).astype(np.float32)  # (depth, units, B)
        ids = np.broadcast_to(positions, values.shape).copy()
        peaks = where.transpose(1, 2, 0).astype(np.int64)
        mean = mean.astype(np.float32)
        at = mean.argmax(axis=0)  # (depth, units): the first image of the batch with the highest mean
        best = np.take_along_axis(mean, at[None], 0)[0]
        tops[kind] = PartialTops(*sorted_tops(values, ids, peaks, top_k), best, positions[at])
    return PartialIndex(top_k, tops, dict(skipped or {}))


def empty_tops(model: torch.nn.Module, kind: str) -> PartialTops:
    shape = (len(model.blocks), unit_count(model, kind))
    return PartialTops(np.zeros((*shape, 0), np.float32), np.zeros((*shape, 0), np.int64),
                       np.zeros((*shape, 0), np.int64), np.full(shape, -np.inf, np.float32),
                       np.full(shape, NO_IMAGE, np.int64))


def merge(a: PartialIndex, b: PartialIndex) -> PartialIndex:
    """Two shares as one: associative and commutative (for shares of distinct images)."""
    if a.top_k != b.top_k:
        raise ValueError(f"cannot merge partial indexes of top-{a.top_k} and top-{b.top_k}")
    tops = {}
    for kind in KINDS:
        x, y = a.tops[kind], b.tops[kind]
        values, ids, peaks = sorted_tops(np.concatenate([x.values, y.values], -1), np.concatenate([x.ids, y.ids], -1),
                                         np.concatenate([x.peaks, y.peaks], -1), a.top_k)
        # the higher mean; on a tie the earlier image
        take_x = (x.best_mean > y.best_mean) | ((x.best_mean == y.best_mean) & (x.best_mean_id < y.best_mean_id))
        tops[kind] = PartialTops(values, ids, peaks, np.where(take_x, x.best_mean, y.best_mean),
                                 np.where(take_x, x.best_mean_id, y.best_mean_id))
    return PartialIndex(a.top_k, tops, {**a.skipped, **b.skipped})


def finish(partial: PartialIndex, loaded: LoadedModel, names: Sequence[str], root: Path | None = None,
           description: str = "") -> UnitIndex:
    """The index of the whole listing (`names`, one per position): readable images renumbered in listing order,
    as `build_index` numbers them (it skips unreadable files the same way)."""
    kept = np.array([p for p in range(len(names)) if p not in partial.skipped], dtype=np.int64)
    if not len(kept):
        raise ExplorerError("no image of the reference set could be read")
    new_id = np.full(len(names), -1, dtype=np.int64)
    new_id[kept] = np.arange(len(kept))
    tops = {k: Tops(t.values, new_id[t.ids], t.peaks, t.best_mean, new_id[t.best_mean_id])
            for k, t in partial.tops.items()}
    return UnitIndex(model=loaded.name, weights=loaded.weights, fingerprint=weights_fingerprint(loaded),
                     grid=patch_grid(loaded.model), names=tuple(names[p] for p in kept), count=len(kept),
                     description=description or "the images given", tops=tops, root=root)


# ---------------------------------------------------------------------------------------------- files

FIELDS = ("values", "ids", "peaks", "best_mean", "best_mean_id")


def save_partial(partial: PartialIndex, path: Path) -> None:
    """Write a partial index as one .npz, atomically (a stopped run never leaves half a file under `path`)."""
    arrays = {f"{kind}.{f}": getattr(t, f) for kind, t in partial.tops.items() for f in FIELDS}
    arrays["top_k"] = np.array(partial.top_k)
    arrays["skipped"] = np.array(json.dumps({str(p): why for p, why in partial.skipped.items()}))
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "wb") as f:
        np.savez(f, **arrays)
    os.replace(temporary, path)


def load_partial(path: Path) -> PartialIndex:
    with np.load(path) as f:
        tops = {kind: PartialTops(*(f[f"{kind}.{name}"] for name in FIELDS)) for kind in KINDS}
        skipped = {int(p): why for p, why in json.loads(str(f["skipped"])).items()}
        return PartialIndex(int(f["top_k"]), tops, skipped)
