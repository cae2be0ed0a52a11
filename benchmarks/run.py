"""Every request beside bare timm: `python benchmarks/run.py` prints one table and writes benchmarks/results.json.

Each row is a ratio to a reference measured in the same run (medians, warm-up excluded), because absolute
times on shared machines drift. The app runs as its own process on 127.0.0.1, as it would when deployed.
Every timed request sends an image the server has not seen (one pixel differs), so no cache answers it;
rows marked "diagnostic" split a goal row into where its time goes.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer import load_model, memo  # noqa: E402
from explorer.analysis.analysis import Analysis  # noqa: E402
from explorer.model.inference import probabilities, to_batch  # noqa: E402
from explorer.model.devices import cpu_name  # noqa: E402
from explorer.render.galleries import token_mixing_gallery  # noqa: E402

EXAMPLE = ROOT / "assets" / "examples" / "chelsea-cat.jpg"


def median_time(fn, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict | None = None, args: tuple[str, ...] = (), command: list[str] | None = None,
                 cwd: Path = ROOT) -> tuple[subprocess.Popen, str, float]:
    """`python -m explorer serve` (or `command`, given the port) on a free port, run in `cwd` (another checkout's
    app, say); returns the process, its URL and seconds until it answered."""
    import httpx

    port = free_port()
    start = time.perf_counter()
    command = [*(command or [sys.executable, "-m", "explorer", "serve", "--model", "embedded", *args]), "--port",
               str(port)]
    proc = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            if httpx.get(url + "gradio_api/info", timeout=2).status_code == 200:
                return proc, url, time.perf_counter() - start
        except httpx.HTTPError:
            time.sleep(0.05)
        if proc.poll() is not None or time.perf_counter() - start > 180:
            raise RuntimeError("the server did not start")


def client_for(url: str, shared_tls_context: bool = False):
    """gradio_client as users call it; with shared_tls_context, one TLS context for all its requests (by default
    it builds a new one, loading the CA bundle, for every upload and call: about 15 ms of CPU each)."""
    from gradio_client import Client

    return Client(url, verbose=False, **({"ssl_verify": ssl.create_default_context()} if shared_tls_context else {}))


class FreshImages:
    """The example photo with one pixel changed per call, written ahead of timing: every request is new."""

    def __init__(self, count: int):
        self.folder = Path(tempfile.mkdtemp(prefix="bench-images-"))
        base = Image.open(EXAMPLE).convert("RGB")
        self.paths = []
        for i in range(count):
            image = base.copy()
            image.putpixel((i % base.width, i // base.width % base.height), (i % 256, 255 - i % 256, 7))
            path = self.folder / f"{i:04d}.jpg"
            image.save(path, quality=95)
            self.paths.append(str(path))
        self.next = 0

    def __call__(self) -> str:
        self.next += 1
        return self.paths[(self.next - 1) % len(self.paths)]


def http_predict(http, path: str, model: str = "mixer_b16_224", weights: str = "random") -> list:
    """/predict over plain HTTP with a keep-alive connection: upload, call, read the result from the stream."""
    with open(path, "rb") as f:
        uploaded = http.post("gradio_api/upload", files={"files": f}).json()[0]
    image = {"path": uploaded, "meta": {"_type": "gradio.FileData"}}
    event = http.post("gradio_api/call/predict", json={"data": [image, model, weights, 5]}).json()["event_id"]
    with http.stream("GET", f"gradio_api/call/predict/{event}") as response:
        kind = None
        for line in response.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                if kind == "error":
                    raise RuntimeError(line)
                return json.loads(line[5:])
    raise RuntimeError("the stream ended without a result")


def row(name: str, reference: str, value: float, ref: float, ratio: float, goal: str, met: bool | None,
        note: str = "") -> dict:
    return dict(row=name, reference=reference, seconds=value, reference_seconds=ref, ratio=ratio, goal=goal, met=met,
                note=note)


def bare_forward(repeats: int) -> tuple:
    """B/16 with random weights in this process, and the median seconds of a bare model(x) on the example."""
    loaded = load_model("mixer_b16_224", "random")
    x = loaded.transform(Image.open(EXAMPLE).convert("RGB"))[None]
    with torch.inference_mode():
        return loaded, median_time(lambda: loaded.model(x), repeats)


def predict_b16(client, path: str):
    """One /predict of B/16 with random weights through gradio_client."""
    from gradio_client import handle_file

    return client.predict(handle_file(path), "mixer_b16_224", "random", 5, api_name="/predict")


def bench_requests(url: str, repeats: int) -> list[dict]:
    import httpx
    from gradio_client import handle_file

    loaded, bare = bare_forward(repeats)
    fresh = FreshImages(8 * repeats)
    client, tuned, http = (client_for(url), client_for(url, shared_tls_context=True),
                           httpx.Client(base_url=url, timeout=120))
    predict = median_time(lambda: predict_b16(client, fresh()), repeats)
    predict_tuned = median_time(lambda: predict_b16(tuned, fresh()), repeats)
    predict_http = median_time(lambda: http_predict(http, fresh()), repeats)
    explain_calls = max(3, repeats // 2)
    explain = median_time(lambda: client.predict(handle_file(fresh()), "mixer_b16_224", "random", api_name="/explain"),
                          explain_calls, warmup=1)
    same = handle_file(fresh())
    explain_again = median_time(lambda: client.predict(same, "mixer_b16_224", "random", api_name="/explain"),
                                explain_calls, warmup=1)
    in_process = median_time(lambda: numbers_only(loaded, fresh()), explain_calls, warmup=1)
    first_draw = median_time(lambda: files_only(loaded, fresh()), explain_calls, warmup=1)

    gallery_model = load_model("mixer_b16_224", "random")
    memo.MODEL_VIEWS.pop(gallery_model.model, None)
    start = time.perf_counter()
    token_mixing_gallery(gallery_model, 5)
    first = time.perf_counter() - start
    cached = median_time(lambda: token_mixing_gallery(gallery_model, 5), repeats)
    diagnostic = "diagnostic"
    return [
        row("/predict over HTTP, B/16 random, 224x224 (gradio_client)", "bare model(x)", predict, bare, predict / bare,
            "<= 1.15x", predict / bare <= 1.15),
        row("  /predict, gradio_client sharing one TLS context", "bare model(x)", predict_tuned, bare,
            predict_tuned / bare, diagnostic, None, "what the client's per-request TLS setup costs"),
        row("  /predict, plain HTTP with keep-alive (httpx)", "bare model(x)", predict_http, bare, predict_http / bare,
            diagnostic, None, "the server's own overhead: upload, queue, stream"),
        row("/explain over HTTP, a new image (gradio_client)", "bare model(x)", explain, bare, explain / bare, "<= 6x",
            explain / bare <= 6),
        row("  /explain, the same image again", "bare model(x)", explain_again, bare, explain_again / bare, diagnostic,
            None, "the analysis and its files are reused; left: Gradio and the client moving the files and the zip"),
        row("  Analysis in-process, numbers only", "bare model(x)", in_process, bare, in_process / bare, diagnostic,
            None, "a forward recorded for autograd + its backward + 2 patch-shuffle forwards"),
        row("  drawing and writing the files, in-process", "bare model(x)", first_draw - in_process, bare,
            (first_draw - in_process) / bare, diagnostic, None,
            "5 matplotlib figures, 2 SVGs, arrays.npz, summary.json, the zip"),
        row("token-mixing gallery, B/16 block: first render", "bare model(x)", first, bare, first / bare, "report",
            None),
        row("token-mixing gallery, B/16 block: cached", "bare model(x)", cached, bare, cached / bare, "<= 0.1x",
            cached / bare <= 0.1),
    ]


def numbers_only(loaded, path: str) -> Analysis:
    """Every number /explain returns for a new image, computed in-process as /explain does (no drawing, no files)."""
    analysis = Analysis(loaded, path, with_gradients=True)
    analysis.summary(), analysis.arrays()
    return analysis


def files_only(loaded, path: str) -> None:
    """The numbers and everything /explain writes (figures, npz, json, zip), in-process."""
    from explorer.export import export_folder

    export_folder(numbers_only(loaded, path))


def bench_upload_in_browser(url: str, repeats: int) -> dict:
    """Upload -> predictions shown, in headless Chromium (Playwright): a new image each time, B/16 random."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    _, bare = bare_forward(repeats)
    fresh = FreshImages(2 * repeats + 4)
    args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url + "?model=mixer_b16_224&weights=random&view=predict")
        page.locator("#image input[type=file]").wait_for(state="attached", timeout=60_000)
        try:  # the page is ready when its status line names the model (it loads with the page)
            page.wait_for_function("() => document.querySelector('#status')?.textContent.includes('mixer_b16_224')",
                                   timeout=60_000)
        except PlaywrightTimeout:  # an app that says nothing before the first image (an older version, say)
            pass

        # Timed in the page's own clock: from the file input's change event to the first frame after the label's
        # pending state ends with a label shown. The page is watched by a MutationObserver, not polled on every
        # animation frame: polling would make Chromium draw frames non-stop on the two cores the server runs on.
        watch = """() => new Promise(ready => {
            const input = document.querySelector('#image input[type=file]'), labels = document.querySelector('#labels');
            const times = window.__upload = {};
            let pending = false;
            input.addEventListener('change', () => { times.start = performance.now(); }, {once: true, capture: true});
            const observer = new MutationObserver(() => {
                const busy = !labels.querySelector('.wrap')?.classList.contains('hide');
                pending = pending || busy;
                if (pending && !busy && labels.querySelector('h2')?.textContent.trim()) {
                    observer.disconnect();
                    requestAnimationFrame(() => { times.end = performance.now(); });
                }
            });
            observer.observe(labels, {subtree: true, childList: true, attributes: true, characterData: true});
            ready();
        })"""
        elapsed: list[float] = []

        def upload() -> None:
            page.evaluate(watch)
            page.locator("#image input[type=file]").set_input_files(fresh())
            page.wait_for_function("() => window.__upload.end !== undefined", polling=100, timeout=60_000)
            elapsed.append(page.evaluate("window.__upload.end - window.__upload.start") / 1000)
            time.sleep(1.0)  # a person looks at the answer before the next upload (and the open tab finishes drawing)

        for _ in range(repeats + 2):
            upload()
        value = statistics.median(elapsed[2:])  # the first two warm up
        browser.close()
    return row("upload -> predictions shown in the browser (Playwright, B/16 random)", "bare model(x)", value, bare,
               value / bare, "<= 1.5x", value / bare <= 1.5,
               "the file input's change event to the first frame with the new label shown (page clock); "
               "Chromium shares the 2 cores")


def bench_upload_before_after(before: Path, repeats: int, rounds: int = 4) -> list[dict]:
    """The upload row against the app of another checkout (`before`, e.g. a `git worktree` of the previous commit)
    and this one, both served at once, their rounds alternating in rotated order (the machine's load shared)."""
    servers = {"before": start_server(cwd=before)[:2], "after": start_server()[:2]}
    seconds: dict[str, list[float]] = {"before": [], "after": []}
    bare: list[float] = []
    try:
        for r in range(rounds):
            for side in ("before", "after") if r % 2 == 0 else ("after", "before"):
                measured = bench_upload_in_browser(servers[side][1], repeats)
                seconds[side].append(measured["seconds"])
                bare.append(measured["reference_seconds"])
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()
    reference = statistics.median(bare)
    return [row(f"upload -> predictions shown in the browser, {side} (median of {rounds} rounds' medians: "
                f"{', '.join(f'{t:.2f}' for t in seconds[side])} s)", "bare model(x)", statistics.median(seconds[side]),
                reference, statistics.median(seconds[side]) / reference, "report", None) for side in seconds]


def bench_cold_start(repeats: int) -> dict:
    from gradio_client import handle_file

    imports = median_time(lambda: subprocess.run([sys.executable, "-c", "import torch, timm, gradio"], check=True),
                          repeats, warmup=1)

    def cold() -> None:
        start = time.perf_counter()
        proc, url, _ = start_server({"HF_HUB_OFFLINE": "1"})
        try:
            client_for(url).predict(handle_file(str(EXAMPLE)), api_name="/predict")
        finally:
            proc.terminate()
            proc.wait()
        cold.seconds.append(time.perf_counter() - start)

    cold.seconds = []
    for _ in range(repeats):
        cold()
    value = statistics.median(cold.seconds)
    return row("cold start -> first /predict, offline, embedded", "python -c 'import torch, timm, gradio'", value,
               imports, value / imports, "<= 1.3x", value / imports <= 1.3)


def bench_cli(count: int, batch_size: int) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="bench-cifar-"))
    rng = np.random.default_rng(0)
    for i in range(count):  # CIFAR-sized JPEGs of smooth random colour fields
        small = rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)
        Image.fromarray(small).resize((32, 32), Image.Resampling.BICUBIC).save(folder / f"{i:05d}.jpg", quality=90)
    loaded = load_model("embedded")
    tensors = to_batch(loaded, [Image.open(p).convert("RGB") for p in sorted(folder.glob("*.jpg"))])

    def bare() -> None:
        for i in range(0, count, batch_size):
            probabilities(loaded, tensors[i : i + batch_size])

    bare_s = median_time(bare, 3, warmup=1)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "explorer", "predict", str(folder), "--model", "embedded", "--json",
                    "--batch-size", str(batch_size)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cli_s = time.perf_counter() - start
    from explorer.cli import image_paths, predict_files

    in_process = median_time(lambda: sum(1 for _ in predict_files(loaded, image_paths([str(folder)]), 5, batch_size)),
                             3, warmup=1)
    return [
        row(f"CLI predict, {count} CIFAR-sized images (whole process)", "bare batched forward, same tensors", cli_s,
            bare_s, bare_s / cli_s, ">= 0.7x throughput", bare_s / cli_s >= 0.7,
            "ratio is throughput: reference time / measured time"),
        row("CLI predict pipeline in-process (decode, batch, forward)", "bare batched forward, same tensors",
            in_process, bare_s, bare_s / in_process, ">= 0.7x throughput", bare_s / in_process >= 0.7,
            "as above, without interpreter start and imports"),
    ]


def bench_batching(url: str, model: str, clients: int, requests: int,
                   reference: float | None = None) -> tuple[list[dict], float]:
    """`clients` gradio_clients sending `requests` /predict each at once, every image new, against one client
    sending them one after another: throughput, p50/p95 latency, errors. Concurrent forwards of one model share
    a batch (explorer.model.batching). Returns the rows and the one-client throughput (reused for the next row)."""
    from gradio_client import handle_file

    fresh = FreshImages(clients * requests * (2 if reference is None else 1) + 8)
    weights = "pretrained" if model == "embedded" else "random"

    def run(n_clients: int, per_client: int) -> tuple[float, list[float], int]:
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        started: list[float] = []
        # the clock starts when all are warm
        barrier = threading.Barrier(n_clients, action=lambda: started.append(time.perf_counter()))
        paths = [[fresh() for _ in range(per_client)] for _ in range(n_clients)]

        def worker(mine: list[str]) -> None:
            client = client_for(url, shared_tls_context=True)
            # warm: the model loaded, the client connected
            client.predict(handle_file(str(EXAMPLE)), model, weights, 5, api_name="/predict")
            barrier.wait()
            for path in mine:
                start = time.perf_counter()
                try:
                    client.predict(handle_file(path), model, weights, 5, api_name="/predict")
                except Exception:
                    with lock:
                        errors[0] += 1
                with lock:
                    latencies.append(time.perf_counter() - start)

        threads = [threading.Thread(target=worker, args=(mine,)) for mine in paths]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.perf_counter() - started[0], latencies, errors[0]

    if reference is None:
        one_s, _, _ = run(1, clients * requests // 4 or 1)
        reference = (clients * requests // 4 or 1) / one_s
    many_s, many_lat, errors = run(clients, requests)
    throughput = clients * requests / many_s
    p50, p95 = np.percentile(many_lat, 50), np.percentile(many_lat, 95)
    goal = ">= 2x, 0 errors" if model == "embedded" and clients >= 32 else ">= 1x, 0 errors"
    needed = 2 if model == "embedded" and clients >= 32 else 1
    name = (f"{clients} clients x {requests} /predict, {model}{' random' if weights == 'random' else ''}, "
            "new images: throughput")
    return [row(name, "1 client, one request at a time", throughput, reference, throughput / reference, goal,
                throughput / reference >= needed and errors == 0,
                f"{throughput:.1f} vs {reference:.1f} req/s; p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                f"errors {errors}")], reference


def serve_minimal_demo(model: str, weights: str, port: int) -> None:
    """The reference for /predict: the smallest Gradio demo that serves the same timm model, as a Gradio user
    would write it (`gr.Interface(predict, gr.Image(type="pil"), gr.Label())`), the model loaded the way ours is."""
    import gradio as gr

    loaded = load_model(model, weights)

    def predict(image: Image.Image) -> dict[str, float]:
        with torch.inference_mode():
            p = loaded.model(loaded.transform(image.convert("RGB"))[None].to(loaded.device)).softmax(-1)[0]
        top = p.topk(5)
        return {loaded.class_names[i]: float(v) for v, i in zip(top.values.tolist(), top.indices.tolist())}

    demo = gr.Interface(predict, gr.Image(type="pil"), gr.Label())
    demo.launch(server_name="127.0.0.1", server_port=port, quiet=True)


def bench_predict_vs_minimal(url: str, repeats: int, model: str = "mixer_b16_224", weights: str = "random",
                             warmup: int = 2) -> dict:
    """Our /predict against the minimal gr.Interface demo on the same model, side by side: both servers run at
    once, calls alternate between them (which goes first alternates too), each call sends a new image through
    gradio_client, so drift on a shared machine falls on both alike."""
    from gradio_client import handle_file

    command = [sys.executable, str(Path(__file__).resolve()), "--serve-minimal", "--minimal-model", model,
               "--minimal-weights", weights]
    proc, minimal_url, _ = start_server(command=command)
    try:
        ours, theirs = client_for(url), client_for(minimal_url)
        fresh = FreshImages(2 * (repeats + warmup))
        calls = {"ours": lambda path: ours.predict(handle_file(path), model, weights, 5, api_name="/predict"),
                 "minimal": lambda path: theirs.predict(handle_file(path), api_name="/predict")}
        times: dict[str, list[float]] = {"ours": [], "minimal": []}
        for i in range(warmup + repeats):
            for name in (("ours", "minimal") if i % 2 == 0 else ("minimal", "ours")):
                start = time.perf_counter()
                calls[name](fresh())
                if i >= warmup:
                    times[name].append(time.perf_counter() - start)
    finally:
        proc.terminate()
        proc.wait()
    ratios = [a / b for a, b in zip(times["ours"], times["minimal"])]
    ours_s, minimal_s = statistics.median(times["ours"]), statistics.median(times["minimal"])
    label = f"{model}{' random' if weights == 'random' else ''}"
    return row(f"/predict vs minimal gr.Interface, side by side ({label}, new image per call, gradio_client)",
               "minimal gr.Interface, same model", ours_s, minimal_s, ours_s / minimal_s, "<= 1.0x",
               ours_s / minimal_s <= 1.0,
               f"{repeats} alternating pairs; median of the pairs' ratios {statistics.median(ratios):.3f}")


def bench_example_again(repeats: int) -> dict:
    """An example clicked a second time (B/16 random): the handler's time in-process, against a bare forward."""
    from explorer.app.wiring import build
    from explorer.model.embedded import EXAMPLES

    _, bare = bare_forward(repeats)
    _, app = build("embedded")
    example = str(EXAMPLES["chelsea-cat"])
    # the page's controls as they start, on the Predictions tab (explorer.app.views.Controls)
    start = ("predict", example, "mixer_b16_224", "random", 5, 0, False, -1, "one scale for all blocks", 0, -1, 1, 0,
             "embedded", "random", -1, "channel", None)
    app.image_changed(None, *start)  # the first click computes
    again = median_time(lambda: app.image_changed(None, *start), repeats)
    return row("an example clicked again: predictions (B/16 random, handler in-process)", "bare model(x)", again, bare,
               again / bare, "< 0.1x", again / bare < 0.1,
               "kept in explorer.memo's example table; over HTTP add the request itself (the /predict rows)")


def bench_units() -> list[dict]:
    """Unit pages of the embedded model (every channel of the first and last block, from the shipped assets), and
    feature visualisations computed anew (256 steps; the shipped ones need none)."""
    from explorer import units

    loaded = load_model("embedded")
    depth = len(loaded.model.blocks)
    units.unit_page(loaded, units.Unit(0, "channel", 0), feature=False)  # the shipped assets read once
    times = []
    for block in (0, depth - 1):
        for channel in range(loaded.model.num_features):
            start = time.perf_counter()
            units.unit_page(loaded, units.Unit(block, "channel", channel), feature=False)
            times.append(time.perf_counter() - start)
    rows = [row(f"unit page, embedded: every channel of blocks 0 and {depth - 1} ({len(times)} pages), slowest", "1 s",
                max(times), 1.0, max(times), "< 1x", max(times) < 1,
                f"median {statistics.median(times) * 1000:.1f} ms, slowest {max(times) * 1000:.1f} ms")]
    for block in (0, depth - 1):
        start = time.perf_counter()
        # not the shipped seed: computed
        units.feature_visualisations(loaded, block, "channel", [0], steps=256, seed=123)
        took = time.perf_counter() - start
        rows.append(row(f"feature visualisation, embedded, block {block}, 256 steps, computed anew", "2 s", took, 2.0,
                        took / 2.0, "<= 1x", took <= 2.0))
    return rows


def held_out_lesson(classes: int, shots: int):
    """A "Teach it" lesson of `classes` CIFAR-10 classes x `shots` held-out images (the shipped unit index's sprite)."""
    from explorer.analysis.teach import Lesson
    from explorer.units.index import read_index
    from explorer.units.reference import SHIPPED_INDEX

    index = read_index(SHIPPED_INDEX)
    found: dict[str, list] = {}
    for i, name in enumerate(index.names):
        images = found.setdefault(name.split("/")[-2], [])
        if len(images) < shots:
            images.append((index.sprite[i], name))
    lesson = Lesson()
    for cls in sorted(found)[:classes]:
        lesson = lesson.with_images(cls, found[cls])
    return lesson


def bench_probe(repeats: int) -> list[dict]:
    """Teach it's Learn (10 classes x 5 images, every feature computed anew) on the embedded model and on B/16 with
    random weights, and the patch-drop view on B/16 (against one bare forward of one image)."""
    from safetensors.torch import save_file

    from explorer.analysis.patch_drop import patch_drop_view
    from explorer.analysis.teach import forget, learn
    from explorer.model.inference import preprocess

    lesson = held_out_lesson(10, 5)
    rows = []
    for name, weights in (("embedded", "pretrained"), ("mixer_b16_224", "random")):
        loaded = load_model(name, weights)

        def cold() -> None:
            forget(lesson)  # every image's features computed again, as for a new visitor
            learn(loaded, lesson)

        took = median_time(cold, max(1, repeats // 3), warmup=1)
        forget(lesson)
        learn(loaded, lesson)
        again = median_time(lambda: learn(loaded, lesson), repeats, warmup=1)
        rows.append(row(f"Teach it: Learn, 10 classes x 5 held-out CIFAR-10 images, {name} ({weights} weights)",
                        "1 s", took, 1.0, took, "report", None,
                        f"{took:.2f} s with every feature computed; {again * 1000:.1f} ms again (features kept)"))
    b16, bare = bare_forward(repeats)
    image = preprocess(b16, EXAMPLE)
    one = median_time(lambda: patch_drop_view(b16, image), max(1, repeats // 3), warmup=1)
    with tempfile.TemporaryDirectory() as folder:  # weights of its own: the view adds random weights' curve
        path = Path(folder) / "b16.safetensors"
        save_file({k: v.contiguous() for k, v in b16.model.state_dict().items()}, str(path))
        own = load_model("mixer_b16_224", checkpoint=path)
        both = median_time(lambda: patch_drop_view(own, image), max(1, repeats // 3), warmup=1)
    rows.append(row("Patch drop, B/16 random weights: one curve (10 shares x 4 seeds, one batched forward of 40)",
                    "bare model(x)", one, bare, one / bare, "report", None,
                    f"{one:.2f} s; a bare forward {bare:.3f} s"))
    rows.append(row("Patch drop, B/16 with weights of its own (a checkpoint): its curve and random weights' (the view "
                    "as the app computes it)", "bare model(x)", both, bare, both / bare, "report", None,
                    f"{both:.2f} s; a bare forward {bare:.3f} s"))
    return rows


def serving_rows(url: str, repeats: int) -> list[dict]:
    """Many clients at once (batched /predict) on the embedded model and on B/16, and an example clicked again."""
    rows = []
    for model, requests in (("embedded", 12), ("mixer_b16_224", 3)):
        eight, one = bench_batching(url, model, clients=8, requests=requests)
        rows += eight + bench_batching(url, model, clients=32, requests=requests, reference=one)[0]
    return rows + [bench_example_again(repeats)]


def server_memory(call, warmup: int, requests: int) -> tuple[int, int, int]:
    """A fresh server and one client (one session, as a browser tab or a gradio_client is): `warmup` calls, then
    `requests` more; returns the RSS after the warm-up, the RSS at the end and the peak RSS, in bytes."""
    proc, url, _ = start_server()
    try:
        server, client = psutil.Process(proc.pid), client_for(url, shared_tls_context=True)
        for _ in range(warmup):
            call(client)
        before = server.memory_info().rss
        for _ in range(requests):
            call(client)
        return before, server.memory_info().rss, psutil_peak(server)
    finally:
        proc.terminate()
        proc.wait()


def bench_memory(requests: int) -> dict:
    """B/16 loaded by the first /predict, then `requests` more: peak RSS and growth. Each new session adds
    ~0.3 MB, up to explorer.app.server.MAX_SESSIONS of them."""
    fresh = FreshImages(64)
    before, after, peak = server_memory(lambda client: predict_b16(client, fresh()), 5, requests)
    growth = after / before - 1
    return row(f"memory: server peak RSS, B/16 loaded, {requests} /predict; growth", "-", peak / 2**30, before / 2**30,
               growth, "<= 1.2 GB; growth <= 5%", peak <= 1.2e9 and growth <= 0.05,
               f"peak {peak / 2**30:.2f} GiB ({peak / 1e9:.2f} GB); "
               f"RSS {before / 2**20:.0f} -> {after / 2**20:.0f} MiB")


def bench_explain_memory(requests: int) -> dict:
    """`requests` /explain of new images on B/16 random: peak RSS, and the growth from the middle one to the last."""
    from gradio_client import handle_file

    fresh = FreshImages(requests)
    explain = lambda client: client.predict(handle_file(fresh()), "mixer_b16_224", "random",  # noqa: E731
                                            api_name="/explain")
    middle, after, peak = server_memory(explain, requests // 2, requests - requests // 2)
    growth = after / middle - 1
    return row(f"memory: server peak RSS after {requests} /explain of new images (B/16); "
               f"growth from the {requests // 2}th", "-", peak / 2**30, middle / 2**30, growth,
               "<= 1.2 GB; growth <= 2%", peak <= 1.2e9 and growth <= 0.02,
               f"peak {peak / 2**30:.2f} GiB ({peak / 1e9:.2f} GB); "
               f"RSS {middle / 2**20:.0f} -> {after / 2**20:.0f} MiB")


def explain_memory(proc: subprocess.Popen) -> dict:
    peak = psutil_peak(psutil.Process(proc.pid))
    return row("memory: peak RSS after the B/16 /explain and load rows above", "-", peak / 2**30, None, None, "report",
               None, f"peak {peak / 2**30:.2f} GiB ({peak / 1e9:.2f} GB)")


def psutil_peak(process: psutil.Process) -> int:
    """Peak RSS (VmHWM) of a process on Linux; the current RSS elsewhere."""
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return process.memory_info().rss


def bench_augmentation(images: int) -> dict:
    """One training epoch's AutoAugment (explorer.train, drawn per image, images batched by their draw) against
    torchvision's AutoAugment called once per image, on the same uint8 CIFAR-sized images."""
    from torchvision.transforms import v2

    from explorer.train import auto_augment

    x = torch.randint(0, 256, (images, 3, 32, 32), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    policy = v2.AutoAugment(v2.AutoAugmentPolicy.CIFAR10)
    reference = median_time(lambda: [policy(image) for image in x], repeats=1, warmup=0)
    ours = median_time(lambda: auto_augment(x, torch.Generator().manual_seed(1)), repeats=3, warmup=1)
    return row(f"training: AutoAugment for one epoch ({images:,} 32x32 images)",
               "torchvision AutoAugment, a call per image", ours, reference, ours / reference, "< 0.1",
               ours / reference < 0.1)


def machine() -> dict:
    return dict(cpu=cpu_name(), cores=os.cpu_count(), memory_gib=round(psutil.virtual_memory().total / 2**30, 1),
                gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else None, torch=torch.__version__,
                torch_threads=torch.get_num_threads(), python=platform.python_version(), date=time.strftime("%Y-%m-%d"))


def print_table(rows: list[dict]) -> None:
    headers = ["row", "reference", "ratio", "goal", "met", "note"]
    cells = [[r["row"], r["reference"], "-" if r["ratio"] is None else f"{r['ratio']:.3f}", r["goal"],
              {True: "yes", False: "NO", None: "-"}[r["met"]],
              r["note"] or f"{r['seconds']:.4f}s vs {r['reference_seconds']:.4f}s"] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths)))
    print("-+-".join("-" * w for w in widths))
    for c in cells:
        print(" | ".join(v.ljust(w) for v, w in zip(c, widths)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--only-augmentation", action="store_true",
                        help="only the training-augmentation row (printed, not written)")
    parser.add_argument("--only-units", action="store_true", help="only the unit-page rows (printed, not written)")
    parser.add_argument("--only-probe", action="store_true",
                        help="only the Teach it and patch-drop rows (printed, not written)")
    parser.add_argument("--only-serving", action="store_true",
                        help="only the serving rows: batched /predict, an example clicked again (printed, not written)")
    parser.add_argument("--only-analysis", action="store_true",
                        help="only the rows of one analysis per image: /explain, upload in the browser, "
                             "/explain memory (printed, not written)")
    parser.add_argument("--only-minimal", action="store_true",
                        help="only the row /predict vs the minimal gr.Interface demo (printed, not written)")
    parser.add_argument("--upload-before", type=Path, metavar="CHECKOUT",
                        help="only the browser upload row, for the app of CHECKOUT (another worktree) and this one, "
                             "in alternating rounds (printed, not written)")
    parser.add_argument("--minimal-model", default="mixer_b16_224", help="the model of that row (default: B/16)")
    parser.add_argument("--minimal-weights", default="random", choices=["pretrained", "random"])
    parser.add_argument("--only-hall", action="store_true",
                        help="only the lecture hall: --hall-clients gradio_clients at once clicking one example "
                             "twice, then sending a new image each, against the app and a trivial Gradio app "
                             "(benchmarks/hall.py; printed, not written)")
    parser.add_argument("--hall-clients", type=int, default=200, help="clients of the hall (default 200)")
    parser.add_argument("--hall-500", action="store_true",
                        help="the hall with 500 clients against the app alone, counting raw errors")
    parser.add_argument("--hall-before", type=Path, default=None,
                        help="another checkout (a worktree of main, say) whose app runs the same hall: before/after")
    parser.add_argument("--serve-minimal", action="store_true", help=argparse.SUPPRESS)  # the row's reference server
    parser.add_argument("--port", type=int, default=7861, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.serve_minimal:
        serve_minimal_demo(args.minimal_model, args.minimal_weights, args.port)
        return
    if args.only_minimal:
        proc, url, _ = start_server()
        try:
            print_table([bench_predict_vs_minimal(url, args.repeats, args.minimal_model, args.minimal_weights)])
        finally:
            proc.terminate()
            proc.wait()
        return

    if args.only_hall or args.hall_500:
        from hall import halls, print_halls

        clients = 500 if args.hall_500 else args.hall_clients
        print(json.dumps(machine()))
        print_halls(halls(start_server, clients, args.hall_before, trivial=not args.hall_500))
        return
    if args.upload_before:
        print_table(bench_upload_before_after(args.upload_before.resolve(), args.repeats))
        return
    if args.only_augmentation:
        print_table([bench_augmentation(images=45_000)])
        return
    if args.only_units:
        print_table(bench_units())
        return
    if args.only_probe:
        print_table(bench_probe(args.repeats))
        return
    if args.only_serving:
        proc, url, _ = start_server()
        try:
            print_table(serving_rows(url, args.repeats))
        finally:
            proc.terminate()
            proc.wait()
        return
    if args.only_analysis:
        proc, url, _ = start_server()
        try:
            rows = bench_requests(url, args.repeats) + [bench_predict_vs_minimal(url, args.repeats),
                                                        bench_upload_in_browser(url, args.repeats)]
        finally:
            proc.terminate()
            proc.wait()
        print_table(rows + [bench_explain_memory(requests=50)])
        return
    rows = []
    proc, url, _ = start_server()
    try:
        rows += bench_requests(url, args.repeats)
        rows.append(bench_predict_vs_minimal(url, args.repeats))
        rows.append(bench_upload_in_browser(url, args.repeats))
        rows += serving_rows(url, args.repeats)
        rows.append(explain_memory(proc))
    finally:
        proc.terminate()
        proc.wait()
    rows.append(bench_memory(requests=500))
    rows.append(bench_explain_memory(requests=50))
    rows.append(bench_cold_start(repeats=3))
    rows += bench_cli(args.images, batch_size=256)
    rows.append(bench_augmentation(images=45_000))
    rows += bench_units()
    rows += bench_probe(args.repeats)
    result = dict(machine=machine(), command="python benchmarks/run.py " + " ".join(sys.argv[1:]), rows=rows)
    args.out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    print(json.dumps(result["machine"]))
    print_table(rows)


if __name__ == "__main__":
    main()
