"""`--engine ray` against `--engine local` on the same images, in one run: `python benchmarks/engine.py`.

Two workloads: CIFAR-10's 5,000 held-out images on the embedded model (exported with
`python -m explorer.train --export-val DIR`, unless --cifar DIR names a folder of them; --cifar-per-class N takes
the first N of each class) and 200 JPEGs at 224 px on mixer_b16_224 with random weights (in ten folders named
after ImageNet classes, for `shift`). For each, `index`, `predict` and `shift DIR` (the 15 corruptions at
--shift-severities) run on the local engine and on Ray with --workers 2 (this machine's cores; Ray started once,
its start-up timed apart), and the answers are compared (--commands picks some). The table is printed and written
to benchmarks/engine.json, with the per-image costs docs/scale.md projects ImageNet from: decoding and
preprocessing a 500x375 JPEG (ImageNet's typical size) on one core, and a forward pass per batch of B/16 and L/16,
plain (predict) and with every unit recorded (index).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer import load_model  # noqa: E402
from explorer.analysis.corruptions import CORRUPTIONS  # noqa: E402
from explorer.analysis.shift import shift_folder  # noqa: E402
from explorer.atlas import build_atlas  # noqa: E402
from explorer.cli import predict_files  # noqa: E402
from explorer.engine import EngineOptions, ray_session, predict_on_ray  # noqa: E402
from explorer.images import image_paths, load_image  # noqa: E402
from explorer.model.inference import probabilities  # noqa: E402
from explorer.model.devices import cpu_name  # noqa: E402
from explorer.shift_ray import shift_on_ray  # noqa: E402
from explorer.units.index import index_folder  # noqa: E402
from explorer.units.record import unit_activations  # noqa: E402


def cifar_folder(given: Path | None, scratch: Path) -> Path:
    if given:
        return given
    folder = scratch / "cifar10-val"
    subprocess.run([sys.executable, "-m", "explorer.train", "--export-val", str(folder), "--cache",
                    str(scratch / "cache")], cwd=ROOT, check=True)
    return folder


def per_class(folder: Path, count: int | None, scratch: Path) -> Path:
    """The first `count` images of each class folder (copies), or the folder itself when count is None."""
    if count is None:
        return folder
    subset = scratch / f"cifar10-val-{count}-per-class"
    for cls in sorted(p for p in folder.iterdir() if p.is_dir()):
        (subset / cls.name).mkdir(parents=True, exist_ok=True)
        for path in sorted(image_paths([str(cls)]))[:count]:
            shutil.copyfile(path, subset / cls.name / path.name)
    return subset


def photos(folder: Path, count: int, size: tuple[int, int], source: Path, classes: list[str] | None = None) -> Path:
    """`count` JPEGs of `size` (w, h): CIFAR images scaled up, with noise so that each decodes like a photo; in
    subfolders named `classes`, in turn, when given (as `shift DIR` reads them)."""
    rng = np.random.default_rng(0)
    sources = sorted(image_paths([str(source)]))[:count]
    for i, path in enumerate(sources):
        big = np.asarray(Image.open(path).convert("RGB").resize(size, Image.Resampling.BICUBIC), dtype=np.int16)
        noisy = np.clip(big + rng.integers(-12, 13, big.shape), 0, 255).astype(np.uint8)
        target = folder / classes[i % len(classes)] if classes else folder
        target.mkdir(parents=True, exist_ok=True)
        Image.fromarray(noisy).save(target / f"photo{i:04d}.jpg", quality=90)
    return folder


def timed(run) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def same_index(a, b) -> bool:
    return a.names == b.names and all(
        np.array_equal(a.tops[k].ids, b.tops[k].ids) and np.array_equal(a.tops[k].peaks, b.tops[k].peaks)
        and np.allclose(a.tops[k].values, b.tops[k].values, rtol=0, atol=1e-5) for k in a.tops)


def compare(name: str, loaded, folder: Path, batch_size: int, scratch: Path, commands: list[str],
            severities: tuple[int, ...]) -> list[dict]:
    """index, predict and shift DIR, local then Ray (--workers 2): seconds, images per second, the same answers."""
    paths = list(image_paths([str(folder)]))
    options = EngineOptions(workers=2, batch_size=batch_size)
    rows = []
    if "index" in commands:
        local_s, local_index = timed(lambda: index_folder(loaded, folder, 16, batch_size))
        ray_s, ray_index = timed(lambda: build_atlas(loaded, folder, scratch / "atlas.safetensors", 16, options))
        rows.append({"workload": name, "command": "index", "images": len(paths), "local_s": local_s, "ray_s": ray_s,
                     "same": same_index(local_index, ray_index)})
    if "predict" in commands:
        local_s, local_lines = timed(lambda: list(predict_files(loaded, iter(paths), 5, batch_size)))
        ray_s, ray_lines = timed(lambda: list(predict_on_ray(loaded, paths, 5, options)))
        rows.append({"workload": name, "command": "predict", "images": len(paths), "local_s": local_s,
                     "ray_s": ray_s, "same": local_lines == ray_lines})
    if "shift" in commands:  # each image under 15 corruptions at each severity: 1 + 15 x V forward passes
        local_s, local_counts = timed(lambda: shift_folder(loaded, folder, CORRUPTIONS, severities, 0, None,
                                                           batch_size))
        ray_s, ray_counts = timed(lambda: shift_on_ray(loaded, folder, options, CORRUPTIONS, severities))
        rows.append({"workload": name, "command": "shift", "images": len(paths), "local_s": local_s, "ray_s": ray_s,
                     "same": local_counts.as_dict(loaded.name) == ray_counts.as_dict(loaded.name),
                     "severities": list(severities)})
    for row in rows:
        row["local_img_s"], row["ray_img_s"] = row["images"] / row["local_s"], row["images"] / row["ray_s"]
        row["ratio"] = row["ray_img_s"] / row["local_img_s"]
        print(f"  {row['workload']:<28} {row['command']:<8} {row['images']:>5} img  local {row['local_s']:7.1f} s "
              f"({row['local_img_s']:6.2f} img/s)  ray {row['ray_s']:7.1f} s ({row['ray_img_s']:6.2f} img/s)  "
              f"ray/local {row['ratio']:.2f}  same answers: {row['same']}", flush=True)
    return rows


def cpu_seconds(run) -> float:
    """CPU seconds of this process while `run` runs, on one thread: core-seconds, whatever else the machine does."""
    start = time.process_time()
    run()
    return time.process_time() - start


def per_image_costs(folder: Path, batch_size: int) -> dict:
    """Core-milliseconds per image, on one thread (CPU time, so that other work on a shared machine does not count):
    a 500x375 JPEG read and preprocessed for B/16, and the forward pass of B/16 and L/16 in a batch, plain
    (predict) and recording every unit (index)."""
    torch.set_num_threads(1)
    b16 = load_model("mixer_b16_224", "random", device="cpu")
    files = sorted(folder.glob("*.jpg"))
    b16.transform(load_image(files[0]))  # warm-up
    costs = {"decode_core_ms_per_image": cpu_seconds(lambda: [b16.transform(load_image(p)) for p in files])
             / len(files) * 1e3}
    for name in ("mixer_b16_224", "mixer_l16_224"):
        loaded = load_model(name, "random", device="cpu")
        x = torch.randn(batch_size, 3, 224, 224)
        probabilities(loaded, x[:2])  # warm-up
        costs[name] = {"batch": batch_size,
                       "predict_core_ms_per_image": cpu_seconds(lambda: probabilities(loaded, x)) / batch_size * 1e3,
                       "index_core_ms_per_image": cpu_seconds(lambda: unit_activations(loaded.model, x))
                       / batch_size * 1e3}
    torch.set_num_threads(os.cpu_count() or 1)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cifar", type=Path, default=None, help="a folder of the 5,000 held-out CIFAR-10 JPEGs")
    parser.add_argument("--cifar-per-class", type=int, default=None, metavar="N",
                        help="only the first N held-out images of each class (default: all 500)")
    parser.add_argument("--b16-images", type=int, default=200, help="0: no B/16 workload")
    parser.add_argument("--commands", default="index,predict,shift", help="which commands (default: all three)")
    parser.add_argument("--shift-severities", default="1,2,3,4,5", metavar="1,…,5",
                        help="shift's severities (each image: 15 corruptions at each)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "engine.json")
    parser.add_argument("--costs-only", action="store_true", help="only the per-image costs (no engines)")
    parser.add_argument("--no-costs", action="store_true", help="only the engines' rows (no per-image costs)")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="engine-bench-") as tmp:
        scratch = Path(tmp)
        cifar = per_class(cifar_folder(args.cifar, scratch), args.cifar_per_class, scratch)
        commands = [c.strip() for c in args.commands.split(",")]
        severities = tuple(int(s) for s in args.shift_severities.split(","))
        imagenet_like = photos(scratch / "photos-500x375", 50, (500, 375), cifar)
        if args.costs_only:
            print(json.dumps(per_image_costs(imagenet_like, 8), indent=1))
            return
        b16 = load_model("mixer_b16_224", "random", device="cpu")
        at_224 = photos(scratch / "photos-224", args.b16_images, (224, 224), cifar,
                        [name.split(",")[0] for name in b16.class_names[:10]])  # named after ImageNet classes
        print(f"{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, Python {platform.python_version()}")
        begin = time.perf_counter()
        with ray_session(EngineOptions()):
            start = time.perf_counter() - begin
            print(f"  Ray started on this machine in {start:.1f} s (once per command; not in the rows below)")
            rows = compare("CIFAR-10 val, embedded", load_model("embedded", device="cpu"), cifar, 64, scratch,
                           commands, severities)
            if args.b16_images:
                rows += compare(f"{args.b16_images} x 224 px, B/16 random", b16, at_224, 16, scratch, commands,
                                severities)
        result = {"machine": f"{cpu_name()}, {os.cpu_count()} cores", "ray_start_s": start, "rows": rows}
        args.out.write_text(json.dumps(result, indent=1) + "\n")  # the rows, before the (long) costs
        if args.no_costs:
            return
        result["costs"] = per_image_costs(imagenet_like, 8)
        print(json.dumps(result["costs"], indent=1))
    args.out.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
