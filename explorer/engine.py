"""`--engine ray`: `index` and `predict` over a folder on Ray Data, from this machine's cores to a cluster of GPUs.

The folder is listed once, on the driver, and cut into batches of paths. Ray Data reads each batch in a CPU task
(decode, resize, crop: uint8 pixels, a quarter of float32's bytes), then hands it to a pool of model workers
(actors), each holding the model, loaded once per actor on its GPU if it has one. A batch is reduced where it was
computed, to a small partial result (its top images per unit, its predictions), and the partials come back to
the driver in whatever order they finish and are merged associatively.

A command plugs in with a `Reducer`, three methods:

    map(loaded, batch) -> partial      in a worker: one Batch (pixels and where each image is in the listing)
    merge(a, b) -> partial             anywhere; associative, so the order batches finish in does not matter
    finish(partial, loaded, paths)     on the driver, once: the merged partial -> the answer

`run_batches` streams (first position, partial) per batch; `predict_on_ray`, `build_atlas` (explorer.atlas:
the unit atlas, with resumable shards) and `shift_on_ray` (explorer.shift_ray: the corruption benchmark over a
folder, counts per corruption and severity) are the three commands built on it.
"""
from __future__ import annotations

import argparse
import copy
import logging
import math
import pickle
import socket
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol, Sequence

import numpy as np
import torch

from explorer.errors import ExplorerError, ImageError
from explorer.images import load_image
from explorer.model.inference import probabilities, top_predictions
from explorer.model.loading import LoadedModel, check_precision, exception_line

log = logging.getLogger("explorer")

ENGINES = ("local", "ray")
CONNECT_TIMEOUT_S = 5.0  # an address that does not answer in this long is an error (Ray's own clients wait 30-60 s)


@dataclass(frozen=True)
class EngineOptions:
    """Where and how wide `--engine ray` runs."""

    address: str | None = None  # None: start Ray on this machine; "auto": the running cluster; "ray://host:port"
    workers: int | None = None  # model actors (default: one per GPU of the cluster, else 1)
    gpus_per_worker: float | None = None  # default: 1 when the cluster has GPUs, else 0
    batch_size: int = 64
    precision: str | None = None  # what predictions compute in, on each worker's device


def engine_arguments(parser: argparse.ArgumentParser) -> None:
    """--engine, --address, --workers, --gpus-per-worker (--batch-size is each command's own)."""
    parser.add_argument("--engine", choices=ENGINES, default="local",
                        help="local: this process (default); ray: Ray Data, on this machine's cores or a cluster")
    parser.add_argument("--address", default=None,
                        help="with --engine ray: the cluster (default: start Ray on this machine; 'auto': the "
                             "running cluster; ray://host:port: a remote one through Ray Client)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="with --engine ray: model workers (default: one per GPU, else 1)")
    parser.add_argument("--gpus-per-worker", type=float, default=None, metavar="G",
                        help="with --engine ray: GPUs per model worker (default: 1 when the cluster has GPUs, else 0)")


def engine_options(args: argparse.Namespace) -> EngineOptions:
    if args.workers is not None and args.workers < 1:
        raise ExplorerError("--workers must be at least 1")
    if args.gpus_per_worker is not None and args.gpus_per_worker < 0:
        raise ExplorerError("--gpus-per-worker cannot be negative")
    if args.batch_size < 1:
        raise ExplorerError("--batch-size must be at least 1")
    return EngineOptions(args.address, args.workers, args.gpus_per_worker, args.batch_size,
                         getattr(args, "precision", None))


# ---------------------------------------------------------------------------------------------- connecting


def import_ray() -> Any:
    try:
        import ray
        import ray.data  # noqa: F401 - the part of Ray the engine runs on
    except ImportError:
        raise ExplorerError("--engine ray needs Ray Data: pip install '.[scale]' (or -r requirements-scale.txt)"
                            ) from None
    return ray


def check_reachable(address: str | None, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail within `timeout` seconds, with a message, when host:port (or ray://host:port) does not answer: Ray's
    own clients retry for 30 s (Ray Client) to 60 s (the GCS) before they give up."""
    if address is None or address in ("auto", "local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ExplorerError(f"--address {address}: expected auto, host:port or ray://host:port")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ExplorerError(f"the Ray cluster at {address} cannot be reached ({exc.strerror or exc}); start one "
                            "with `ray start --head`, or check the address and port") from None


@contextmanager
def ray_session(options: EngineOptions) -> Iterator[None]:
    """Ray, connected for the block: a new local instance on this machine's cores (address None), the running
    cluster ("auto"), or the one at the address. A process that already runs Ray (a notebook, a test) keeps its
    own; a session this function started is shut down at the end."""
    ray = import_ray()
    check_reachable(options.address)
    if ray.is_initialized():
        quiet_ray_data()
        yield
        return
    try:
        ray.init(address=options.address or "local", include_dashboard=False, logging_level=logging.WARNING,
                 log_to_driver=False)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        where = f"at {options.address}" if options.address else "on this machine"
        raise ExplorerError(f"could not start or join Ray {where}: {exception_line(exc)}") from None
    try:
        quiet_ray_data()
        yield
    finally:
        ray.shutdown()


def quiet_ray_data() -> None:
    """Ray Data's own progress bars and logs stay off stdout (where `predict --json` writes) and out of the way."""
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the command draws its own
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "progress bars disabled": we know


# ---------------------------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Plan:
    """How the cluster's resources are shared: model workers and the CPU tasks that read images."""

    workers: int
    worker_gpus: float
    worker_cpus: float  # Ray's logical CPUs per worker
    threads: int  # torch threads per worker (CPU workers only)
    read_cpus: float  # Ray's logical CPUs per task that reads a batch


def make_plan(options: EngineOptions, cpus: float, gpus: float, node_cpus: float) -> Plan:
    """cpus, gpus: the cluster's; node_cpus: the most CPUs one node has. GPU workers take one CPU each to feed
    their GPU, and reading takes a CPU per task (on a GPU cluster decoding is the bottleneck). CPU workers share all
    but an eighth of the CPUs (at least one), and reading asks for a quarter of a CPU per task: the forward pass is
    most of the work there, and a small ask fits in what the workers leave on each node (two nodes of one CPU with
    a worker of half a CPU each leave half a CPU on each, where a task asking for a whole CPU would never start)."""
    worker_gpus = options.gpus_per_worker if options.gpus_per_worker is not None else (1.0 if gpus else 0.0)
    if worker_gpus:
        workers = options.workers or max(1, int(gpus // worker_gpus))
        if workers * worker_gpus > gpus:
            log.warning("%d workers x %g GPUs asked for, the cluster has %g now: Ray waits for more (an autoscaling "
                        "cluster adds nodes)", workers, worker_gpus, gpus)
        return Plan(workers, worker_gpus, 1.0, 1, 1.0)
    workers = options.workers or 1
    readers = max(1.0, cpus // 8)
    worker_cpus = min(node_cpus, max(0.25, (cpus - readers) / workers))
    return Plan(workers, 0.0, worker_cpus, max(1, math.ceil(worker_cpus)), 0.25)


def cluster_plan(options: EngineOptions) -> Plan:
    import ray

    nodes = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
    resources = ray.cluster_resources()
    plan = make_plan(options, resources.get("CPU", 0.0), resources.get("GPU", 0.0),
                     max((n.get("CPU", 0.0) for n in nodes), default=0.0))
    log.info("ray: %d node(s), %g CPUs, %g GPUs: %d worker(s) of %g CPU(s), %g GPU(s)", len(nodes),
             resources.get("CPU", 0.0), resources.get("GPU", 0.0), plan.workers, plan.worker_cpus, plan.worker_gpus)
    return plan


# ---------------------------------------------------------------------------------------------- batches


@dataclass(frozen=True)
class Batch:
    """One batch of the listing, read: what a Reducer's `map` gets."""

    first: int  # the position of its first path in the listing
    paths: tuple[str, ...]  # every path of the batch, readable or not (position first + i)
    positions: np.ndarray  # (B,) int64: where each readable image is in the listing
    pixels: torch.Tensor  # (B, 3, H, W) float32, preprocessed as the local engine does, on the worker's device
    errors: dict[int, str]  # position -> why that file could not be read
    # (B, H, W, 3) uint8: the same images resized and cropped, before to-tensor and normalisation (what the
    # corruptions act on); None when the transform is not of that shape and ran whole where the images were read
    pictures: np.ndarray | None = None


class Reducer(Protocol):
    def map(self, loaded: LoadedModel, batch: Batch) -> Any: ...

    def merge(self, a: Any, b: Any) -> Any: ...

    def finish(self, partial: Any, loaded: LoadedModel, paths: Sequence[Path | str]) -> Any: ...


def split_transform(transform: Callable) -> tuple[Callable, Callable | None]:
    """timm's eval transform is resize, crop, to-tensor, normalize: the PIL steps run where images are read (and
    travel as uint8), the tensor steps in the worker, each on its own image, so the numbers are the local engine's
    to the bit. A transform of another shape runs whole where images are read (and travels as float32)."""
    steps = list(getattr(transform, "transforms", []))
    at = next((i for i, s in enumerate(steps) if type(s).__name__ in ("ToTensor", "MaybeToTensor")), None)
    if at is None:
        return transform, None
    compose = type(transform)
    return compose(steps[:at]), compose(steps[at:])


def unreadable(path: Path, exc: Exception) -> str:
    """Why a file could not be read, worded as `python -m explorer predict` words it."""
    if isinstance(exc, ExplorerError):
        return str(exc)
    return f"{path.name} could not be read ({getattr(exc, 'strerror', None) or exc})"


def read_batch(rows: dict[str, np.ndarray], prepare: Callable) -> dict[str, np.ndarray]:
    """A Ray Data CPU task: one row (a batch of paths) -> the batch's pixels, (B, H, W, 3) uint8 after `prepare`
    (or (B, 3, H, W) float32 when `prepare` is the whole transform), and the files that could not be read."""
    first, paths = int(rows["first"][0]), str(rows["paths"][0]).split("\0")
    positions, pixels, errors = [], [], {}
    for i, raw in enumerate(paths):
        try:
            image = prepare(load_image(Path(raw)))
        except (ImageError, OSError) as exc:
            errors[first + i] = unreadable(Path(raw), exc)
            continue
        positions.append(first + i)
        pixels.append(np.array(image) if not isinstance(image, torch.Tensor) else image.numpy())
    read = {"first": first, "paths": tuple(paths), "positions": np.array(positions, dtype=np.int64),
            "pixels": np.stack(pixels) if pixels else None, "errors": errors}
    return {"first": np.array([first]), "read": np.array([pickle.dumps(read, protocol=5)], dtype=object)}


class ModelWorker:
    """A Ray Data actor: the model, loaded once, and a Reducer's `map` on every batch that reaches it."""

    def __init__(self, model: list, reducer: Reducer, plan: Plan, precision: str | None, finish_pixels: Callable):
        import ray

        loaded: LoadedModel = ray.get(model[0])  # the driver's copy, from the object store
        device = torch.device("cuda" if plan.worker_gpus and torch.cuda.is_available() else "cpu")
        if device.type == "cpu":
            torch.set_num_threads(plan.threads)
        self.loaded = replace(loaded, model=loaded.model.to(device), device=device,
                              precision=check_precision(precision or "fp32", device))
        self.reducer, self.finish_pixels = reducer, finish_pixels

    def __call__(self, rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        read = pickle.loads(rows["read"][0])
        pictures = None
        if read["pixels"] is None:  # every file of the batch unreadable
            pixels = torch.zeros((0, 3, 1, 1))
            pictures = np.zeros((0, 1, 1, 3), dtype=np.uint8) if self.finish_pixels is not None else None
        elif self.finish_pixels is None:
            pixels = torch.from_numpy(read["pixels"])
        else:
            pictures = read["pixels"]  # (B, H, W, 3) uint8
            pixels = torch.stack([self.finish_pixels(image) for image in pictures])  # (B, 3, H, W)
        batch = Batch(read["first"], read["paths"], read["positions"], pixels.to(self.loaded.device), read["errors"],
                      pictures)
        partial = self.reducer.map(self.loaded, batch)
        return {"first": rows["first"], "partial": np.array([pickle.dumps(partial, protocol=5)], dtype=object)}


def run_batches(loaded: LoadedModel, paths: Sequence[Path | str], reducer: Reducer, options: EngineOptions,
                firsts: Sequence[int] | None = None) -> Iterator[tuple[int, Any]]:
    """(first position, partial) for each batch of `paths` (those starting at `firsts`, default all), as the
    workers finish them, in no particular order. Needs a Ray session (`ray_session`)."""
    import ray

    size = options.batch_size
    firsts = range(0, len(paths), size) if firsts is None else firsts
    if not firsts:
        return
    plan = cluster_plan(options)
    if not plan.worker_gpus and options.precision:
        check_precision(options.precision, torch.device("cpu"))  # here, before any worker starts
    prepare, finish_pixels = split_transform(loaded.transform)
    # the driver's copy on the CPU (its own may be on a GPU, shared by others): what every worker unpickles
    shipped = loaded if loaded.device.type == "cpu" else replace(loaded, model=copy.deepcopy(loaded.model).cpu())
    rows = [{"first": s, "paths": "\0".join(str(p) for p in paths[s:s + size])} for s in firsts]
    dataset = ray.data.from_items(rows, override_num_blocks=len(rows))  # a block per batch: read in parallel
    dataset = dataset.map_batches(read_batch, batch_size=1, fn_kwargs={"prepare": prepare},
                                  num_cpus=plan.read_cpus)
    # Ray Data restarts a worker that dies (max_restarts=-1) and retries its batch on another (max_task_retries=-1)
    dataset = dataset.map_batches(
        ModelWorker, batch_size=1, compute=ray.data.ActorPoolStrategy(size=plan.workers),
        fn_constructor_kwargs={"model": [ray.put(shipped)], "reducer": reducer, "plan": plan,
                               "precision": options.precision, "finish_pixels": finish_pixels},
        num_cpus=plan.worker_cpus, num_gpus=plan.worker_gpus or None)
    for row in dataset.iter_rows():
        yield int(row["first"]), pickle.loads(row["partial"])


# ---------------------------------------------------------------------------------------------- predict


@dataclass(frozen=True)
class PredictReducer:
    """`predict`: each batch to {position: its JSON line's object}; merged by union; finished in listing order."""

    top_k: int

    def map(self, loaded: LoadedModel, batch: Batch) -> dict[int, dict]:
        results = {p: {"path": batch.paths[p - batch.first], "error": why} for p, why in batch.errors.items()}
        if len(batch.positions):
            for p, row in zip(batch.positions.tolist(), probabilities(loaded, batch.pixels)):
                results[p] = {"path": batch.paths[p - batch.first], "model": loaded.name,
                              "top_k": [x.as_dict() for x in top_predictions(row, loaded.class_names, self.top_k)]}
        return results

    def merge(self, a: dict[int, dict], b: dict[int, dict]) -> dict[int, dict]:
        return {**a, **b}

    def finish(self, partial: dict[int, dict], loaded: LoadedModel, paths: Sequence[Path | str]) -> list[dict]:
        return [partial[p] for p in range(len(paths))]


def predict_on_ray(loaded: LoadedModel, paths: Sequence[Path | str], top_k: int,
                   options: EngineOptions) -> Iterator[dict]:
    """What `predict_files` yields, the same objects in the same order, computed by Ray workers: each result is
    yielded as soon as every path before it has its own."""
    waiting: dict[int, dict] = {}
    next_out = 0
    for _, partial in run_batches(loaded, paths, PredictReducer(top_k), options):
        waiting.update(partial)
        while next_out in waiting:
            yield waiting.pop(next_out)
            next_out += 1
