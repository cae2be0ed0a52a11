"""Resume points: written atomically, read back strictly (a corrupt one is reported, never replaced), and
matched against the run that wants them."""
from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file

from explorer.model import embedded
from explorer.train.card import card_architecture
from explorer.train.config import FIELDS_BEFORE, TrainConfig


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


def saved_config(config: dict) -> dict:
    """A checkpoint's or card's config with the fields it predates filled in as it was trained (e.g. runs from
    before --augment existed used crop + flip)."""
    return {**FIELDS_BEFORE, **config}


def checkpoint_from_assets(assets: Path, architecture: str = "embedded") -> dict:
    """A finished run rebuilt from what it shipped (weights, model card, timeline), for a machine that lacks its
    checkpoint. Everything but the optimizer's moments and the random generators' states, which start afresh."""
    card_path = assets / "embedded.json"
    if not card_path.exists():
        raise SystemExit(f"--continue-from {assets}: no model card (embedded.json) there")
    card = json.loads(card_path.read_text())
    if card["architecture"] != card_architecture(architecture):
        raise SystemExit(f"--continue-from {assets}: that model has another architecture ({card['architecture']})")
    config = {k: v for k, v in card["recipe"].items() if k in TrainConfig.__dataclass_fields__}
    timeline = embedded.read_timeline(assets / card["timeline_file"])
    state = {
        "epoch": card["epochs"],
        "step_in_epoch": 0,
        "wall_time_s": card["wall_time_s"],
        "history": card["history"],
        "timeline": [{"epoch": e, **{k: torch.from_numpy(v) for k, v in snap.items()}}
                     for e, snap in timeline.items()],
        "schedule_before": card["recipe"]["schedule"],  # its extensions are told there, in words
    }
    weights = load_file(assets / "embedded.safetensors")
    return {"config": config, "model": weights, "state": state, "fresh_optimizer": True}


def can_resume(saved: dict, wanted: dict, change_teacher: bool = False) -> bool:
    """A checkpoint resumes a run with the same recipe; only a longer schedule (and its timeline) may differ,
    a run that is being extended may change its augmentation, and one told to (`change_teacher`) its teacher."""
    extending = wanted["epochs"] > saved["epochs"]
    may_change = (("epochs", "timeline_epochs") + (("augment",) if extending else ())
                  + (("teacher",) if change_teacher else ()))
    saved, wanted = saved_config(saved), saved_config(wanted)
    recipe = lambda cfg: {k: v for k, v in cfg.items() if k not in may_change}  # noqa: E731
    return recipe(saved) == recipe(wanted) and wanted["epochs"] >= saved["epochs"]
