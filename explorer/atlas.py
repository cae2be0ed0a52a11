"""The unit atlas on Ray (`python -m explorer index DIR --engine ray`): every unit's top images over a folder, in
shards that survive the run being stopped.

The listing is cut into shards of whole batches. As the workers' partial indexes come back (explorer.engine),
each shard's are merged, and a shard whose batches have all come back is written beside the index
(`OUT.shards/shard-000003.npz`, atomically) and forgotten. Started again with the same folder, model and
--top-k/--batch-size/--shard-size after an interruption (the driver or the whole cluster stopped), a run reads
the shards it finds and computes only the others; when every shard is there they are merged (associatively,
ties broken by position: the same index in any order) into the index `build_index` makes, the file is written
and the shards removed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Sequence

from explorer.engine import Batch, EngineOptions, Reducer, run_batches
from explorer.errors import ExplorerError
from explorer.model.loading import LoadedModel
from explorer.progress import Progress
from explorer.units.index import UnitIndex, folder_names, save_index, weights_fingerprint
from explorer.units.partial import PartialIndex, finish, load_partial, merge, partial_from_batch, save_partial

log = logging.getLogger("explorer")

SHARD_SIZE = 4096  # images per shard (rounded up to whole batches): ImageNet's 1.28M make ~300 files


@dataclass(frozen=True)
class IndexReducer:
    """`index`: a batch to its partial index (top-k per unit, positions for ids); merged associatively; finished
    into the UnitIndex of the folder `root`."""

    top_k: int
    root: Path
    description: str

    def map(self, loaded: LoadedModel, batch: Batch) -> PartialIndex:
        return partial_from_batch(loaded.model, batch.pixels, batch.positions, self.top_k, batch.errors)

    def merge(self, a: PartialIndex, b: PartialIndex) -> PartialIndex:
        return merge(a, b)

    def finish(self, partial: PartialIndex, loaded: LoadedModel, paths: Sequence[Path | str]) -> UnitIndex:
        names = [Path(p).relative_to(self.root).as_posix() for p in paths]
        return finish(partial, loaded, names, root=self.root, description=self.description)


def shards_folder(out: Path) -> Path:
    return out.with_name(out.name + ".shards")


class Shards:
    """The finished shards of one run, beside its index; a manifest says which run they belong to."""

    def __init__(self, out: Path, manifest: dict):
        self.folder = shards_folder(out)
        manifest_file = self.folder / "manifest.json"
        if self.folder.is_dir():
            found = json.loads(manifest_file.read_text()) if manifest_file.is_file() else None
            if found != manifest:  # another folder, model or setting: nothing there can be reused
                log.warning("%s holds shards of another run (%s); starting afresh", self.folder,
                            ", ".join(k for k in manifest if not found or found.get(k) != manifest[k]) or "unreadable")
                shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        manifest_file.write_text(json.dumps(manifest, indent=1))

    def path(self, i: int) -> Path:
        return self.folder / f"shard-{i:06d}.npz"

    def done(self, count: int) -> set[int]:
        return {i for i in range(count) if self.path(i).is_file()}

    def write(self, i: int, partial: PartialIndex) -> None:
        save_partial(partial, self.path(i))

    def read(self, i: int) -> PartialIndex:
        return load_partial(self.path(i))

    def remove(self) -> None:
        shutil.rmtree(self.folder)


def build_atlas(loaded: LoadedModel, folder: str | Path, out: str | Path, top_k: int, options: EngineOptions,
                shard_size: int | None = None, progress: Progress | None = None,
                reducer: Reducer | None = None) -> UnitIndex:
    """Index every image under `folder` with Ray workers, resuming from the shards a stopped run left beside
    `out`; write the index to `out` (as `save_index` does) and return it. Needs a Ray session. `reducer`: the
    IndexReducer by default (a test hands in one that stops a worker)."""
    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise ExplorerError(f"{folder} is not a folder of images")
    paths = folder_names(folder)
    if not paths:
        raise ExplorerError(f"{folder} holds no image files")
    shard_size = SHARD_SIZE if shard_size is None else shard_size
    if shard_size < 1:
        raise ExplorerError("--shard-size must be at least 1")
    reducer = reducer or IndexReducer(top_k, folder, f"the images in {folder}")
    size = options.batch_size
    per_shard = math.ceil(shard_size / size) * size  # whole batches: a batch never spans two shards
    count = math.ceil(len(paths) / per_shard)
    listing = hashlib.sha256("\n".join(str(p) for p in paths).encode()).hexdigest()[:16]
    shards = Shards(out, {"model": loaded.name, "weights": loaded.weights, "fingerprint": weights_fingerprint(loaded),
                          "folder": str(folder.resolve()), "listing": listing, "images": len(paths),
                          "top_k": top_k, "batch_size": size, "shard_size": per_shard})
    done = shards.done(count)
    if done:
        log.info("resuming: %d of %d shards already in %s", len(done), count, shards.folder)

    def batches_in(i: int) -> int:
        return math.ceil((min(len(paths), (i + 1) * per_shard) - i * per_shard) / size)

    firsts = [s for s in range(0, len(paths), size) if s // per_shard not in done]
    open_shards: dict[int, tuple[PartialIndex, int]] = {}  # shard -> its batches merged so far, how many
    finished = len(paths) - sum(min(size, len(paths) - s) for s in firsts)  # images, for the progress
    for first, partial in run_batches(loaded, paths, reducer, options, firsts):
        i = first // per_shard
        merged, arrived = open_shards.pop(i, (None, 0))
        merged, arrived = (reducer.merge(merged, partial) if merged else partial), arrived + 1
        if arrived == batches_in(i):
            shards.write(i, merged)
        else:
            open_shards[i] = (merged, arrived)
        finished += min(size, len(paths) - first)
        if progress:
            progress(finished, len(paths))
    whole = reduce(reducer.merge, (shards.read(i) for i in range(count)))
    for position, why in sorted(whole.skipped.items()):
        log.warning("skipped %s: %s", paths[position].relative_to(folder).as_posix(), why)
    index = reducer.finish(whole, loaded, paths)
    save_index(index, out)
    shards.remove()
    return index
