"""Shared fixtures: tiny real models and images made on the spot (nothing downloaded, nothing mocked)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The suite's network state is its own, not the machine's: the Hub unreachable (HF_HUB_OFFLINE) and an empty
# Hugging Face cache, set before anything imports huggingface_hub (it reads both at import). With internet, or
# with weights cached in ~/.cache, the app would otherwise show a different default model and banner.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_HUB_CACHE"] = tempfile.mkdtemp(prefix="explorer-tests-hf-")
# Gradio keeps the files it serves (figures, uploads) in GRADIO_TEMP_DIR, named by their content, and an app that
# closes deletes the files it made: apps sharing the folder (pytest-xdist's workers, a `serve` subprocess beside the
# in-process app) would delete each other's figures while they are shown. Each process gets a folder of its own.
os.environ["GRADIO_TEMP_DIR"] = tempfile.mkdtemp(prefix="explorer-tests-gradio-")
# Under pytest-xdist (pytest.ini: -n logical) the workers share the machine's cores: each worker, and each process a
# test starts, gets its share of them for torch's threads (read at import), else the thread pools fight over cores.
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    os.environ.setdefault("OMP_NUM_THREADS",
                          str(max(1, (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))))

import numpy as np
import pytest
import timm
import torch
from PIL import Image

from explorer.model import embedded
from pages import CHROMIUM, launch_chromium

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"
# The shipped embedded Mixer's shape, as its card records it (the app builds it the same way): tests that count its
# blocks or widths read them here, so that a retrained model of other widths ships with its assets alone.
_EMBEDDED = embedded.architecture()
EMBEDDED_BLOCKS: int = _EMBEDDED["num_blocks"]
EMBEDDED_WIDTH: int = _EMBEDDED["embed_dim"]  # C
# (D_S, D_C): timm's MixerBlock scales both hidden widths by C
EMBEDDED_HIDDEN: tuple[int, int] = tuple(int(r * EMBEDDED_WIDTH) for r in _EMBEDDED["mlp_ratio"])


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter (for settings huggingface_hub only reads at import), from the repo root."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=timeout)


def write_hf_cache(cache: Path, repo_id: str, state_dict: dict[str, torch.Tensor]) -> Path:
    """Lay out a Hugging Face cache entry (refs/main -> snapshots/<commit>/model.safetensors) as the Hub client does."""
    from safetensors.torch import save_file

    commit = "0123456789abcdef0123456789abcdef01234567"
    repo_dir = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo_dir / "snapshots" / commit
    snapshot.mkdir(parents=True)
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text(commit)
    path = snapshot / "model.safetensors"
    save_file({k: v.contiguous() for k, v in state_dict.items()}, str(path))
    return path


@pytest.fixture
def photo() -> Image.Image:
    """A natural-looking RGB image (the bundled cat photo)."""
    return Image.open(EXAMPLES / "chelsea-cat.jpg").convert("RGB")


@pytest.fixture
def random_rgb() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)


@contextmanager
def counted_passes(model: torch.nn.Module):
    """Count the forward passes (every pass goes through the stem, the shuffle's twin model included: it copies
    the hook with the module) and the backward passes (the input's gradient flows back through the stem)."""
    counts = {"forward": 0, "backward": 0}
    handles = [
        model.stem.register_forward_hook(lambda *_: counts.__setitem__("forward", counts["forward"] + 1)),
        model.stem.register_full_backward_hook(lambda *_: counts.__setitem__("backward", counts["backward"] + 1)),
    ]
    try:
        yield counts
    finally:
        for handle in handles:
            handle.remove()


FAMILY_MODELS = ["mixer_s16_224", "gmixer_12_224", "resmlp_12_224", "gmlp_ti16_224"]


def tiny_model(name: str, seed: int = 0, num_classes: int = 7) -> torch.nn.Module:
    """A real timm model of `name`'s architecture at 64x64 input (a 4x4 patch grid), with random 2-D weights.

    timm zero-initialises heads and nearly zeroes gMLP's spatial gate and ResMLP's layer scales, which would make
    the views trivially uniform, so those are drawn at random too."""
    torch.manual_seed(seed)
    model = timm.create_model(name, img_size=64, num_classes=num_classes)
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if p.ndim > 1:
                p.normal_(0, 0.05)
            elif ".ls" in pname:
                p.fill_(1.0)
    return model.eval()


@pytest.fixture(scope="module")
def app_url():
    """The real app, embedded model selected, served on a free port on 127.0.0.1 for the module's tests."""
    from explorer.app.server import launch
    from explorer.app.wiring import build_app

    demo = build_app(default_model="embedded")
    port = free_port()
    launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


# ---------------------------------------------------------------------------------------------- network states


def free_port() -> int:
    """A loopback port nobody listens on (connections to it are refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def hub_unreachable(tmp_path) -> dict[str, str]:
    """The environment of a process for which the Hub cannot be reached: offline mode off, the endpoint a loopback
    port nobody listens on, an empty cache (pass it to run_python: huggingface_hub reads it at import)."""
    return {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": f"http://127.0.0.1:{free_port()}",
            "HF_HUB_CACHE": str(tmp_path / "empty-hf-cache")}


class AnsweringHub(BaseHTTPRequestHandler):
    """A Hub that answers (404 to everything): reachable, with nothing to download."""

    def do_HEAD(self):  # noqa: N802 - http.server's naming
        self.send_response(404)
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def reachable_hub():
    """HF_ENDPOINT of a Hub that answers on loopback (nothing on this machine reaches the real one)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), AnsweringHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


CACHED_MODEL = "resmlp_12_224"  # the smallest Mixer-family model with ImageNet weights (15 M parameters)


@pytest.fixture(scope="module")
def cached_weights(tmp_path_factory) -> Path:
    """A Hugging Face cache holding CACHED_MODEL's default weights, written by the test (random values, half
    precision: timm casts on load), as the Hub client lays them out."""
    from timm.models import get_pretrained_cfg

    cache = tmp_path_factory.mktemp("hf-cache")
    state = {k: v.half() for k, v in timm.create_model(CACHED_MODEL, pretrained=False).state_dict().items()}
    write_hf_cache(cache, get_pretrained_cfg(CACHED_MODEL).hf_hub_id, state)
    return cache


@pytest.fixture(scope="module", params=["offline", "reachable"])
def weights_in_cache(request, cached_weights, reachable_hub) -> dict[str, str]:
    """The environment of a process with CACHED_MODEL's weights in its local cache, the Hub offline or reachable."""
    hub = ({"HF_HUB_OFFLINE": "1"} if request.param == "offline"
           else {"HF_HUB_OFFLINE": "0", "HF_ENDPOINT": reachable_hub})
    return {"HF_HUB_CACHE": str(cached_weights), **hub}


@contextmanager
def served(env: dict[str, str], *args: str):
    """`python -m explorer serve --model embedded` on a free loopback port, in a process of its own with `env` (its
    network state) and its own Gradio file folder (see GRADIO_TEMP_DIR above); yields its URL and process once it
    answers. Its stderr goes to a file, not an unread pipe that a chatty server would fill and block on."""
    import httpx

    port = free_port()
    own_files = {"GRADIO_TEMP_DIR": tempfile.mkdtemp(prefix="explorer-tests-gradio-")}
    with tempfile.TemporaryFile("w+") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "explorer", "serve", "--model", "embedded", "--host",
                                    "127.0.0.1", "--port", str(port), *args],
                                   cwd=ROOT, env={**os.environ, **own_files, **env}, stdout=subprocess.DEVNULL,
                                   stderr=stderr, text=True)
        url = f"http://127.0.0.1:{port}/"
        try:
            for _ in range(600):
                if process.poll() is not None:
                    stderr.seek(0)
                    raise RuntimeError(f"the server exited: {stderr.read()[-3000:]}")
                try:
                    if httpx.get(url, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                threading.Event().wait(0.25)  # a poll's pause: the condition is the answer above
            else:
                stderr.seek(0)
                raise RuntimeError(f"the server never answered {url}: {stderr.read()[-3000:]}")
            yield url, process
        finally:
            process.terminate()
            process.wait(timeout=30)


def serve(env: dict[str, str], *args: str):
    """`served`, without its MCP server, for a fixture: yields its URL."""
    with served(env, "--no-mcp", *args) as (url, _):
        yield url


# ---------------------------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, driven by Playwright. Under CI (.ci/run sets CI=1) a missing Chromium fails every test
    that needs it; elsewhere those tests are skipped, saying why."""
    if CHROMIUM is None:
        message = "Chromium is not installed (Debian: apt-get install chromium; .ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_chromium(p)
        try:
            yield b
        finally:
            b.close()
