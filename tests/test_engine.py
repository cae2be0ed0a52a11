"""`--engine ray` (explorer.engine, explorer.atlas, explorer.shift_ray) on Ray started in this process with two
CPUs: the index, the predictions and the corruption benchmark's accuracies equal the local engine's, a worker that
dies is restarted and its batch retried, a driver killed mid-run resumes from its shards, and a cluster that cannot
be reached is an error within seconds."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import ray
from PIL import Image

from conftest import EXAMPLES, ROOT, tiny_model
from explorer.atlas import IndexReducer, build_atlas, shards_folder
from explorer.cli import main
from explorer.engine import EngineOptions, make_plan, ray_session
from explorer.model.inference import predict
from explorer.model.loading import _prepare, load_model
from explorer.units.index import index_folder, read_index_uncached
from test_partial import same_index

UNREADABLE = {"broken.jpg": b"not a jpeg at all", "c1/empty.png": b""}


def write_folder(folder: Path, count: int, seed: int = 0) -> Path:
    """`count` random images of a few sizes and formats in three subfolders, and two files that are not images."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        h, w = (int(s) for s in rng.integers(24, 72, 2))
        path = folder / f"c{i % 3}" / f"img{i:03d}.{'png' if i % 2 else 'jpg'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(path)
    for name, data in UNREADABLE.items():
        (folder / name).write_bytes(data)
    return folder


CLASSES = ("automobile", "frog", "horse", "ship")
UNREADABLE_IN_CLASSES = {"frog/broken.jpg": b"not a jpeg at all", "ship/empty.png": b""}


def write_classes(folder: Path, per_class: int, seed: int = 0) -> Path:
    """A folder of class subfolders named after four of the embedded model's classes: each class's example
    picture, cropped, flipped and noised `per_class` ways (PNG and JPEG), and two files that are not images."""
    rng = np.random.default_rng(seed)
    for name in CLASSES:
        example = np.asarray(Image.open(EXAMPLES / f"cifar10-{name}.jpg").convert("RGB"), dtype=np.int16)
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            top, left, size = *rng.integers(0, 6, 2), int(rng.integers(24, 27))
            crop = example[top:top + size, left:left + size][:, ::-1 if i % 2 else 1]
            noisy = np.clip(crop + rng.integers(-20, 21, crop.shape), 0, 255).astype(np.uint8)
            Image.fromarray(noisy).resize((32, 32)).save(folder / name / f"{i:03d}.{'png' if i % 3 else 'jpg'}")
    for name, data in UNREADABLE_IN_CLASSES.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def cluster():
    """Ray on two CPUs of this machine, shared by the module's tests; its address, for a second driver."""
    ray.init(num_cpus=2, object_store_memory=200 * 2**20, include_dashboard=False, log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return write_folder(tmp_path_factory.mktemp("images"), 40)


@pytest.fixture(scope="module")
def embedded():
    return load_model("embedded", fallback=False)


def tiny_mixer():
    """A tiny timm Mixer (64x64 input, random weights), as explorer.model.loading prepares a model."""
    model = tiny_model("mixer_s16_224")
    model.pretrained_cfg = {**model.pretrained_cfg, "input_size": (3, 64, 64), "crop_pct": 1.0}
    return _prepare(model, "tiny mixer_s16_224", "random", "test", model.head.weight.device)


def test_the_ray_index_equals_the_local_index(cluster, folder, embedded, tmp_path):
    local = index_folder(embedded, folder, top_k=5, batch_size=8)
    out = tmp_path / "atlas.safetensors"
    with ray_session(EngineOptions()):
        on_ray = build_atlas(embedded, folder, out, 5, EngineOptions(workers=2, batch_size=8), shard_size=16)
    assert local.count == 40 and len(local.names) == 40  # the two unreadable files skipped, and counted out
    same_index(on_ray, local)
    same_index(read_index_uncached(out), local)
    assert not shards_folder(out).exists()  # the shards are gone once the index is written


def test_ray_predict_prints_the_local_lines_in_the_same_order(cluster, folder, capsys):
    args = ["predict", str(folder), "--model", "embedded", "--json", "--batch-size", "8", "--top-k", "3"]
    assert main(args) == 1  # two files could not be classified
    local = capsys.readouterr().out.splitlines()
    assert main([*args, "--engine", "ray", "--workers", "2"]) == 1
    on_ray = capsys.readouterr().out.splitlines()
    assert on_ray == local and len(local) == 42
    errors = [json.loads(line) for line in local if "error" in json.loads(line)]
    assert [Path(e["path"]).relative_to(folder).as_posix() for e in errors] == sorted(UNREADABLE)


def test_ray_shift_prints_the_local_accuracies(cluster, tmp_path, capsys, caplog):
    classes = write_classes(tmp_path / "classes", 7)
    args = ["shift", str(classes), "--model", "embedded", "--json", "--batch-size", "6", "--seed", "3",
            "--severities", "1,3,5"]
    assert main(args) == 0
    local = json.loads(capsys.readouterr().out)
    skipped = sorted(r.getMessage().split(":")[0] for r in caplog.records if r.getMessage().startswith("skipped"))
    caplog.clear()
    assert main([*args, "--engine", "ray", "--workers", "2"]) == 0
    on_ray = json.loads(capsys.readouterr().out)
    assert on_ray == local
    assert sorted(r.getMessage().split(":")[0] for r in caplog.records if r.getMessage().startswith("skipped")) \
        == skipped == [f"skipped {name}" for name in sorted(UNREADABLE_IN_CLASSES)]
    assert local["images"] == 28  # the two unreadable files skipped, and out of the count
    paths = sorted(p for p in classes.glob("*/*") if p.relative_to(classes).as_posix() not in UNREADABLE_IN_CLASSES)
    right = sum(predict(p, "embedded", top_k=1)[0].label == p.parent.name for p in paths)
    assert local["clean"] == pytest.approx(right / 28, abs=1e-6)
    values = [a for row in local["corruptions"].values() for a in row]
    assert len(values) == 45 and len(set(values)) > 5  # accuracies that differ from cell to cell: a real comparison


class DiesOnce(IndexReducer):
    """The index's reducer, except that the first worker to get a batch dies (its process exits) on it. (Sent to
    the workers by value: they cannot import this test module.)"""

    def __init__(self, marker: Path, *args):
        super().__init__(*args)
        object.__setattr__(self, "marker", marker)

    def map(self, loaded, batch):
        if not self.marker.exists():
            self.marker.touch()
            os._exit(1)
        return super().map(loaded, batch)


def test_a_worker_that_dies_is_restarted_and_its_batch_retried(cluster, folder, embedded, tmp_path):
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    marker = tmp_path / "died"
    with ray_session(EngineOptions()):
        on_ray = build_atlas(embedded, folder, tmp_path / "atlas.safetensors", 5, EngineOptions(batch_size=8),
                             reducer=DiesOnce(marker, 5, folder, f"the images in {folder}"))
    assert marker.exists()  # a worker died
    same_index(on_ray, index_folder(embedded, folder, top_k=5, batch_size=8))


def test_a_driver_killed_mid_run_resumes_from_its_shards(cluster, embedded, tmp_path):
    images = write_folder(tmp_path / "images", 120, seed=1)
    out = tmp_path / "atlas.safetensors"
    command = [sys.executable, "-m", "explorer", "index", str(images), "--model", "embedded", "--out", str(out),
               "--top-k", "4", "--batch-size", "2", "--shard-size", "2", "--engine", "ray", "--address", cluster]
    driver = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    shards = shards_folder(out)
    try:
        while not list(shards.glob("shard-*.npz")) and driver.poll() is None:  # the first shard written
            time.sleep(0.01)
        driver.send_signal(signal.SIGKILL)
    finally:
        stderr = driver.communicate(timeout=60)[1]
    written = len(list(shards.glob("shard-*.npz")))
    assert driver.returncode == -signal.SIGKILL, stderr
    assert not out.exists() and 1 <= written < 61  # stopped part-way: 61 shards of 2 (the last holds one file)
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    resumed = int(again.stderr.split("resuming: ")[1].split(" of 61 shards")[0])
    assert resumed >= written  # the shards the killed run left were used, not recomputed
    same_index(read_index_uncached(out), index_folder(embedded, images, top_k=4, batch_size=2))
    assert not shards.exists()


def test_an_unreachable_cluster_is_a_clear_error_within_seconds(folder, tmp_path, caplog, capsys):
    start = time.monotonic()
    for address in ("ray://127.0.0.1:1", "127.0.0.1:1"):
        assert main(["index", str(folder), "--model", "embedded", "--out", str(tmp_path / "x.safetensors"),
                     "--engine", "ray", "--address", address]) == 1
        assert f"the Ray cluster at {address} cannot be reached" in caplog.text
    assert main(["predict", str(folder), "--json", "--engine", "ray", "--address", "ray://127.0.0.1:1"]) == 2
    assert "cannot be reached" in json.loads(capsys.readouterr().out)["error"]
    assert main(["shift", str(folder), "--json", "--engine", "ray", "--address", "ray://127.0.0.1:1"]) == 1
    assert "cannot be reached" in json.loads(capsys.readouterr().out)["error"]
    assert time.monotonic() - start < 15  # Ray's own clients would wait 30 to 60 s
    assert not (tmp_path / "x.safetensors").exists()


def test_the_plan_gives_each_worker_its_share_and_leaves_room_to_read():
    # two nodes of one CPU, two CPU workers: half a CPU each, and a read task fits beside a worker on either node
    plan = make_plan(EngineOptions(workers=2), cpus=2, gpus=0, node_cpus=1)
    assert (plan.workers, plan.worker_gpus, plan.worker_cpus, plan.threads) == (2, 0, 0.5, 1)
    assert plan.worker_cpus + plan.read_cpus <= 1
    # 64 cores, 4 workers: an eighth of the cores read, the rest are split
    plan = make_plan(EngineOptions(workers=4), cpus=64, gpus=0, node_cpus=64)
    assert (plan.worker_cpus, plan.threads) == (14, 14)
    # a GPU cluster: a worker per GPU by default, one CPU each to feed it, reading a CPU per task
    plan = make_plan(EngineOptions(), cpus=32, gpus=4, node_cpus=16)
    assert (plan.workers, plan.worker_gpus, plan.worker_cpus, plan.read_cpus) == (4, 1, 1, 1)
    assert make_plan(EngineOptions(gpus_per_worker=0.5), cpus=32, gpus=4, node_cpus=16).workers == 8
