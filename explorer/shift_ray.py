"""The corruption benchmark on Ray (`python -m explorer shift DIR --engine ray`): the accuracy per corruption and
severity over a folder of class subfolders, on the workers of explorer.engine.

The driver lists the folder as the local engine does (`folder_items`: the class folders, the first `--per-class`
images of each) and hands the paths to `run_batches`. Each worker gets a batch's pictures as the model sees them
(resized and cropped, uint8, before normalisation), corrupts them there, classifies them and sends back only its
counts of correct answers (`count_batch`), which the driver adds up (`ShiftCounts.merge`). A picture's random
numbers depend on its path inside the folder and the seed, never on its batch or its worker, and the batches are
the local engine's (the same runs of `--batch-size` files of the listing), so the accuracies equal the local
engine's.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from explorer.analysis.shift import (
    ShiftCounts,
    check_corruptions,
    check_severities,
    count_batch,
    counted,
    empty_counts,
    folder_items,
    picture_key,
    transform_parts,
)
from explorer.engine import Batch, EngineOptions, run_batches
from explorer.model.loading import LoadedModel
from explorer.progress import Progress


@dataclass(frozen=True)
class ShiftPartial:
    """What one batch (or several, merged) comes back as: its counts, and the files it could not read."""

    counts: ShiftCounts
    skipped: dict[int, str]  # position in the listing -> why that file could not be read


@dataclass(frozen=True)
class ShiftReducer:
    """`shift DIR`: a batch to its counts of correct answers; merged by adding them; finished into the folder's
    counts. Each image's class and random-number key come from its path inside `root` (its class folder, the first
    part), so nothing per image travels with the reducer."""

    root: Path
    labels: dict[str, int]  # class folder name -> the model's class index
    corruptions: tuple[str, ...]
    severities: tuple[int, ...]
    seed: int

    def map(self, loaded: LoadedModel, batch: Batch) -> ShiftPartial:
        if not len(batch.positions):  # every file of the batch unreadable
            return ShiftPartial(empty_counts(self.corruptions, self.severities), dict(batch.errors))
        names = [Path(batch.paths[p - batch.first]).relative_to(self.root) for p in batch.positions.tolist()]
        labels = np.array([self.labels[name.parts[0]] for name in names])
        keys = [picture_key(name.as_posix()) for name in names]
        counts = count_batch(loaded, batch.pictures, labels, keys, self.corruptions, self.severities, self.seed)
        return ShiftPartial(counts, dict(batch.errors))

    def merge(self, a: ShiftPartial, b: ShiftPartial) -> ShiftPartial:
        return ShiftPartial(a.counts.merge(b.counts), {**a.skipped, **b.skipped})

    def finish(self, partial: ShiftPartial, loaded: LoadedModel, paths: Sequence[Path | str]) -> ShiftCounts:
        return counted(partial.counts, partial.skipped, [Path(p) for p in paths], self.root)


def shift_on_ray(loaded: LoadedModel, folder: str | Path, options: EngineOptions,
                 corruptions: tuple[str, ...], severities: tuple[int, ...], seed: int = 0,
                 per_class: int | None = None, progress: Progress | None = None) -> ShiftCounts:
    """What `shift_folder(loaded, folder, corruptions, severities, seed, per_class, options.batch_size)` returns,
    computed by Ray workers. Needs a Ray session (`ray_session`); `progress` gets (files done, files)."""
    corruptions, severities = check_corruptions(tuple(corruptions)), check_severities(tuple(severities))
    transform_parts(loaded)  # here, before any worker starts: a transform the corruptions cannot work under
    root = Path(folder)
    items = folder_items(root, loaded.class_names, per_class)
    paths = [path for path, _, _ in items]
    labels = {path.relative_to(root).parts[0]: label for path, label, _ in items}
    reducer = ShiftReducer(root, labels, corruptions, severities, seed)
    whole, done = ShiftPartial(empty_counts(corruptions, severities), {}), 0
    for first, partial in run_batches(loaded, paths, reducer, options):
        whole = reducer.merge(whole, partial)
        done += min(options.batch_size, len(paths) - first)
        if progress:
            progress(done, len(paths))
    return reducer.finish(whole, loaded, paths)
