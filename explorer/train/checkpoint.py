"""Resume points: written atomically, read back strictly (a corrupt one is reported, never replaced)."""
from __future__ import annotations

import os
from pathlib import Path

import torch


def save_atomic(obj: dict, path: Path) -> None:
    """torch.save to a temp file, then rename: an interruption never leaves a half-written checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a corrupt checkpoint must be reported, never silently replaced by a fresh run
        raise SystemExit(f"checkpoint {path} is corrupt or unreadable ({exc}); move it away to start over") from exc
