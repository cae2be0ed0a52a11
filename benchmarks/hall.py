"""A lecture hall at once (`python benchmarks/run.py --only-hall`): many people open the app and click the example
on the screen (each twice), or each sends a photo of their own, all at the same moment, through gradio_client.

The same load runs against the app (`python -m explorer serve --model embedded`) and against a trivial Gradio
app this benchmark launches (`gr.Interface` returning a constant label for the same image input: Gradio's own
floor on this machine, clients included), and, given `--hall-before DIR`, against the app of another checkout
(main's, say) in the same run. Every client is connected (its config read) before the clock starts; the clock
stops when the last answer is in. A client told the queue is full ("busy") waits a second and asks again, as a
person would: those are counted apart from raw errors (anything else that is not the right answer).
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx
import numpy as np
import psutil

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assets" / "examples" / "chelsea-cat.jpg"
WARM = ROOT / "assets" / "examples" / "cifar10-ship.jpg"  # loads the model without answering the example
BUSY_WAIT_S = 1.0
# Clients connect (read the app's config) a few at a time before the clock starts: all of them run in this one
# process, whose threads share one interpreter, so 500 connecting at once time out here, not in the server. Like
# a browser (fetch and EventSource set no timeout), a client waits for its answer as long as it takes, and gives
# up connecting after a minute (httpx's default is 5 s for both).
CONNECTING = 16
CLIENT_TIMEOUT = httpx.Timeout(None, connect=60)


@dataclass
class Hall:
    """One load on one server: wall seconds, every answer's latency, and what went wrong."""

    server: str
    load: str
    clients: int
    wall_s: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0  # raw errors: anything but an answer or "busy"
    wrong: int = 0  # answers with another label than the model gives
    busy: int = 0  # "queue is full" answers, retried
    server_cpu_s: float = 0.0  # the server's CPU time over the hall: steadier than wall time on a shared machine
    first_error: str = ""

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q)) if self.latencies else float("nan")


def serve_trivial(port: int) -> None:
    """The reference: the smallest Gradio app taking the same image, answering a constant label at once."""
    import gradio as gr

    def predict(image: str) -> dict[str, float]:  # the endpoint is named after it: /predict
        return {"cat": 1.0}

    demo = gr.Interface(predict, gr.Image(type="filepath"), gr.Label())
    demo.launch(server_name="127.0.0.1", server_port=port, quiet=True)


def fresh_images(count: int) -> list[str]:
    """The example photo with one pixel changed per image: each one new to the server."""
    from PIL import Image

    folder = Path(tempfile.mkdtemp(prefix="hall-images-"))
    base = Image.open(EXAMPLE).convert("RGB")
    paths = []
    for i in range(count):
        image = base.copy()
        image.putpixel((i % base.width, i // base.width % base.height), (i % 256, 255 - i % 256, 7))
        paths.append(str(folder / f"{i:04d}.jpg"))
        image.save(paths[-1], quality=95)
    return paths


def expected_labels(paths: list[str]) -> dict[str, str]:
    """The embedded model's top label for each image, in this process (what a right answer says)."""
    from explorer import load_model, predict_many

    loaded = load_model("embedded")
    unique = sorted(set(paths))
    return {path: predictions[0].label for path, predictions in zip(unique, predict_many(unique, loaded, top_k=1))}


def run_hall(name: str, url: str, load: str, work: list[list[str]], arguments: tuple, labels: dict[str, str] | None,
             connect_timeout_s: float = 600) -> Hall:
    """len(work) clients at once, client i sending work[i]'s images to /predict one after another."""
    from gradio_client import Client, handle_file
    from gradio_client.utils import QueueError

    hall = Hall(name, load, len(work))
    lock = threading.Lock()
    started: list[float] = []
    barrier = threading.Barrier(len(work), action=lambda: started.append(time.perf_counter()),
                                timeout=connect_timeout_s)
    connecting = threading.Semaphore(CONNECTING)

    def failed(exc: BaseException) -> None:
        with lock:
            hall.errors += 1
            hall.first_error = hall.first_error or f"{type(exc).__name__}: {exc}"[:200]

    def client(mine: list[str]) -> None:
        try:
            with connecting:
                c = Client(url, verbose=False, httpx_kwargs={"timeout": CLIENT_TIMEOUT})
        except Exception as exc:  # noqa: BLE001 - counted: a person who could not open the app
            failed(exc)
            barrier.wait()
            return
        barrier.wait()
        for path in mine:
            start = time.perf_counter()
            while True:
                try:
                    label = c.predict(handle_file(path), *arguments, api_name="/predict")
                except QueueError:  # "busy": wait and ask again, as a person would
                    with lock:
                        hall.busy += 1
                    time.sleep(BUSY_WAIT_S)
                    continue
                except Exception as exc:  # noqa: BLE001 - a raw error
                    failed(exc)
                    break
                answer = label[0] if isinstance(label, tuple) else label
                with lock:
                    hall.latencies.append(time.perf_counter() - start)
                    if labels is not None and answer.get("label") != labels[path]:
                        hall.wrong += 1
                break

    threads = [threading.Thread(target=client, args=(mine,), daemon=True) for mine in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    hall.wall_s = time.perf_counter() - started[0] if started else float("nan")
    return hall


def halls(start_server: Callable, clients: int, before: Path | None = None, trivial: bool = True) -> list[Hall]:
    """The example load (clients x 2 clicks of one example) and the new-image load (clients x 1 new image each),
    against the app, the trivial app and (given) the app of another checkout; each server alone on the machine
    while it is measured, started by `start_server(command=..., cwd=...)` (benchmarks/run.py's)."""
    new = fresh_images(clients)
    labels = expected_labels([str(EXAMPLE), *new])
    loads = {f"{clients} clients x 2 clicks of one example": [[str(EXAMPLE)] * 2 for _ in range(clients)],
             f"{clients} clients x 1 new image each": [[path] for path in new]}
    app = [sys.executable, "-m", "explorer", "serve", "--model", "embedded"]
    servers = [("app", app, ROOT, ("embedded", "pretrained", 5), labels)]
    if before is not None:
        servers.append(("app before", app, before, ("embedded", "pretrained", 5), labels))
    if trivial:
        servers.append(("trivial Gradio", [sys.executable, str(Path(__file__).resolve()), "--serve-trivial"], ROOT,
                        (), None))
    results = []
    for load, work in loads.items():
        for name, command, cwd, arguments, expected in servers:
            proc, url, _ = start_server(command=command, cwd=cwd)
            try:
                warm(url, arguments)
                server = psutil.Process(proc.pid)
                cpu = sum(server.cpu_times()[:2])
                results.append(run_hall(name, url, load, work, arguments, expected))
                results[-1].server_cpu_s = sum(server.cpu_times()[:2]) - cpu
            finally:
                proc.terminate()
                proc.wait()
    shutil.rmtree(Path(new[0]).parent, ignore_errors=True)
    return results


def warm(url: str, arguments: tuple) -> None:
    """One answer before the clock: the model loaded (on another image than the example)."""
    from gradio_client import Client, handle_file

    Client(url, verbose=False).predict(handle_file(str(WARM)), *arguments, api_name="/predict")


def print_halls(results: list[Hall]) -> None:
    """One line per load and server, with the wall time's ratio to the trivial app's under the same load."""
    floor = {h.load: h.wall_s for h in results if h.server == "trivial Gradio"}
    headers = ["load", "server", "wall s", "p50 s", "p95 s", "answers", "raw errors", "wrong", "busy", "wall / trivial",
               "server CPU s"]
    cells = []
    for h in results:
        ratio = f"{h.wall_s / floor[h.load]:.2f}" if h.load in floor else "-"
        cells.append([h.load, h.server, f"{h.wall_s:.1f}", f"{h.percentile(50):.2f}", f"{h.percentile(95):.2f}",
                      str(len(h.latencies)), str(h.errors), str(h.wrong), str(h.busy), ratio, f"{h.server_cpu_s:.1f}"])
    widths = [max(len(head), *(len(c[i]) for c in cells)) for i, head in enumerate(headers)]
    print(" | ".join(head.ljust(w) for head, w in zip(headers, widths)))
    print("-+-".join("-" * w for w in widths))
    for c in cells:
        print(" | ".join(v.ljust(w) for v, w in zip(c, widths)))
    for h in results:
        if h.first_error:
            print(f"first raw error ({h.server}, {h.load}): {h.first_error}")


if __name__ == "__main__" and "--serve-trivial" in sys.argv:
    serve_trivial(int(sys.argv[sys.argv.index("--port") + 1]))
