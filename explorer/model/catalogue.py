"""The catalogue: every model the explorer can run, as data.

Entries are read from timm (`list_pretrained`, `list_models`), never typed in: every pretrained Mixer tag,
every Mixer architecture that has no weights (runnable with random weights), and the embedded default.
Sizes are read off a model built on the meta device, so listing even L/16 allocates nothing.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import timm
import torch
from timm.models import get_pretrained_cfg
from timm.models.mlp_mixer import MlpMixer

from explorer import memo
from explorer.model import embedded
from explorer.model.labels import label_set
from explorer.model.families import FAMILIES, family

# timm's names for the paper's models first, then the MLP relatives built from the same MlpMixer class.
FAMILY_PATTERNS = tuple(f.timm_names for f in FAMILIES)
SHIPPED_PATH = embedded.ASSETS / "catalogue.json"  # timm's entries, measured for the timm in requirements.txt


@dataclass(frozen=True)
class ModelEntry:
    name: str  # what --model takes: a timm name ("mixer_b16_224.goog_in21k") or "embedded"
    family: str
    architecture: str
    tag: str  # pretrained tag, "" for none
    patch_size: int
    img_size: int
    tokens: int  # S, patches per image
    channels: int  # C, hidden width
    tokens_mlp_dim: int  # D_S
    channels_mlp_dim: int  # D_C
    depth: int
    params: int
    num_classes: int
    label_set: str
    weights: str  # where pretrained weights come from, or why there are none

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def architecture_dims(model: MlpMixer) -> dict[str, int]:
    """Patch and image size, S, C, D_S, D_C and depth of any Mixer-family model (real or on the meta device).

    D_S is the token mixing's hidden width (`Family.tokens_mlp_dim`: S where it is one S x S map).
    """
    block = model.blocks[0]
    return dict(
        patch_size=model.stem.patch_size[0],
        img_size=model.stem.img_size[0],
        tokens=model.stem.num_patches,
        channels=model.num_features,
        tokens_mlp_dim=family(block).tokens_mlp_dim(block),
        channels_mlp_dim=family(block).channel_mlp(block).fc2.in_features,
        depth=len(model.blocks),
    )


def _entry(name: str, model: MlpMixer, weights: str, cfg: dict[str, Any] | None = None) -> ModelEntry:
    """The entry of `model`, or of the same architecture with the pretrained config `cfg` (another tag: only the
    head's width can differ, and with it the parameter count)."""
    cfg = cfg or model.pretrained_cfg
    num_classes = cfg.get("num_classes", model.num_classes)
    head = (model.num_features + 1) * (num_classes - model.num_classes)  # the linear head's weights and biases
    return ModelEntry(
        name=name,
        family=family(model).name,
        architecture=cfg.get("architecture", name.split(".")[0]),
        tag=cfg.get("tag") or "",
        params=sum(p.numel() for p in model.parameters()) + head,
        num_classes=num_classes,
        label_set=label_set(cfg),
        weights=weights,
        **architecture_dims(model),
    )


@memo.CATALOGUE
def describe(name: str) -> ModelEntry:
    """The catalogue entry of any Mixer-family timm name (with or without a tag) or "embedded"."""
    with torch.device("meta"):
        if name == embedded.EMBEDDED_NAME:
            card = embedded.read_card()
            model = MlpMixer(**embedded.architecture(card))
            model.pretrained_cfg = embedded.pretrained_cfg(card.get("class_names", []))
            return _entry(name, model, f"assets/{embedded.WEIGHTS_PATH.name} (trained here on CIFAR-10)")
    # One model per architecture, its tags read off timm's configs: building a model, even on the meta device, is
    # most of the catalogue's time, and so of the app's cold start.
    model = meta_model(name.split(".")[0])
    cfg = {**get_pretrained_cfg(name).to_dict(), "architecture": model.pretrained_cfg["architecture"],
           "tag": name.partition(".")[2] or model.pretrained_cfg.get("tag")} if "." in name else None
    hub_id = (cfg or model.pretrained_cfg).get("hf_hub_id")
    weights = f"hf-hub:{hub_id}" if hub_id and has_pretrained_weights(name) else "none in timm (random init only)"
    return _entry(name, model, weights, cfg)


@memo.CATALOGUE
def meta_model(architecture: str) -> MlpMixer:
    """A timm architecture on the meta device (no memory, no weights): what the catalogue reads its sizes off."""
    with torch.device("meta"):
        return timm.create_model(architecture, pretrained=False)


def timm_names() -> list[str]:
    """Per family, every pretrained tag timm has, then the architectures it has no weights for."""
    names = []
    for pattern in FAMILY_PATTERNS:
        tagged = timm.list_pretrained(pattern)
        with_weights = {t.split(".")[0] for t in tagged}
        names += tagged + [a for a in timm.list_models(pattern) if a not in with_weights]
    return names


def shipped_entries(names: list[str], path: Path = SHIPPED_PATH) -> tuple[ModelEntry, ...] | None:
    """The entries shipped in assets/catalogue.json, when they were measured with the timm installed here and name
    exactly these models; else None (then they are measured)."""
    try:
        shipped = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if shipped.get("timm") != timm.__version__ or [e.get("name") for e in shipped.get("entries", [])] != names:
        return None
    return tuple(ModelEntry(**e) for e in shipped["entries"])


def write_shipped_entries(path: Path = SHIPPED_PATH) -> None:
    """Measure timm's entries and ship them; after a timm upgrade:
    `python -c "from explorer.model.catalogue import write_shipped_entries; write_shipped_entries()"`."""
    entries = [describe(name).as_dict() for name in timm_names()]
    path.write_text(json.dumps({"timm": timm.__version__, "entries": entries}, indent=1) + "\n", encoding="utf-8")


@memo.CATALOGUE
def catalogue() -> tuple[ModelEntry, ...]:
    """The embedded default, then per family every pretrained tag and the architectures without weights. timm's
    entries come from assets/catalogue.json when it was measured with this timm (building 15 models, even on the
    meta device, was a fifth of the app's cold start), else they are measured here."""
    names = timm_names()
    return (describe(embedded.EMBEDDED_NAME), *(shipped_entries(names) or (describe(n) for n in names)))


def is_known(name: str) -> bool:
    """Whether `name` is the embedded default or a Mixer-family architecture timm knows (with or without tag)."""
    architecture = name.split(".")[0]
    return name == embedded.EMBEDDED_NAME or (any(fnmatch(architecture, p) for p in FAMILY_PATTERNS)
                                              and architecture in timm.list_models())


def has_pretrained_weights(name: str) -> bool:
    """Whether timm knows pretrained weights for this name (an architecture name means its default tag)."""
    if name == embedded.EMBEDDED_NAME:
        return embedded.WEIGHTS_PATH.exists()
    return bool(timm.list_pretrained(name if "." in name else name + ".*"))


def format_table(entries: tuple[ModelEntry, ...] | list[ModelEntry]) -> str:
    """A plain-text table of the catalogue for the terminal."""
    columns = ["name", "patch_size", "img_size", "tokens", "channels", "tokens_mlp_dim", "channels_mlp_dim", "depth",
               "params", "num_classes", "label_set", "weights"]
    headers = ["name", "patch", "img", "S", "C", "D_S", "D_C", "depth", "params", "classes", "labels", "weights"]
    rows = [[f"{getattr(e, c) / 1e6:.2f}M" if c == "params" else str(getattr(e, c)) for c in columns] for e in entries]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)

