"""Shared fixtures: tiny real models and images made on the spot (nothing downloaded, nothing mocked)."""
from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
import sys
from pathlib import Path

import numpy as np
import pytest
import timm
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "assets" / "examples"


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter (for settings huggingface_hub only reads at import), from the repo root."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout)


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
    import socket

    from explorer.app.server import launch
    from explorer.app.wiring import build_app

    demo = build_app(default_model="embedded")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
