"""Shared fixtures: tiny real models and images made on the spot (nothing downloaded, nothing mocked)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
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
