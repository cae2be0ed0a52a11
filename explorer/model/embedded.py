"""The embedded default: a small MLP-Mixer for CIFAR-10, trained by `explorer.train` and shipped in `assets/`.

It is what the app runs when no pretrained weights can be had (no internet, no HF cache), and what every
test and lecture falls back on. Its sizes live here, in one place, for the trainer and the loader alike.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from explorer import memo

_PACKAGE = Path(__file__).resolve().parent.parent  # explorer/
# assets/ sits beside the package in the repository, and inside it once installed with `pip install .`.
ASSETS = _PACKAGE.parent / "assets" if (_PACKAGE.parent / "assets" / "examples").is_dir() else _PACKAGE / "assets"
EMBEDDED_NAME = "embedded"
WEIGHTS_PATH = ASSETS / "embedded.safetensors"
CARD_PATH = ASSETS / "embedded.json"
EXAMPLES_DIR = ASSETS / "examples"
# The example images, by name (a deep link's ?example=NAME, the app's example strip, a unit page's default set).
EXAMPLES = {p.stem: p for p in sorted(EXAMPLES_DIR.glob("*")) if p.suffix.lower() in (".jpg", ".jpeg", ".png")}

# 4x4 patches on a 32x32 image give an 8x8 token grid: small enough to train on CPUs, large enough that the
# token-mixing weights draw as recognisable little pictures in the gallery. The hidden widths are the reference
# 0.67M-parameter CIFAR-10 Mixer's; at C 128 an eighth block would pass 1M parameters, so there are 7 (991,626).
ARCHITECTURE: dict[str, Any] = dict(
    img_size=32,
    patch_size=4,
    in_chans=3,
    num_classes=10,
    embed_dim=128,  # C
    num_blocks=7,  # depth
    mlp_ratio=(0.5, 4.0),  # D_S = 64, D_C = 512
)

# Per-channel statistics of the CIFAR-10 training split: the trainer normalises with them and the loader
# puts them in the model's pretrained_cfg, so timm's create_transform preprocesses uploads the same way.
MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)



def pretrained_cfg(class_names: list[str]) -> dict[str, Any]:
    """The timm pretrained_cfg of the embedded model: what `resolve_model_data_config` reads.

    The class names come from the training data's folder names, recorded in the model card by the trainer.
    """
    return dict(
        architecture="mlp_mixer",
        input_size=(3, ARCHITECTURE["img_size"], ARCHITECTURE["img_size"]),
        # CIFAR images are already 32x32: no resize-then-crop, which would cut off an eighth of the object.
        crop_pct=1.0,
        crop_mode="center",
        interpolation="bicubic",
        mean=MEAN,
        std=STD,
        num_classes=ARCHITECTURE["num_classes"],
        first_conv="stem.proj",
        classifier="head",
        label_names=list(class_names),
        label_set="CIFAR-10",
        license="apache-2.0",
    )


def read_card() -> dict[str, Any]:
    """The model card written by the trainer beside the weights (empty if the model was never trained)."""
    if not CARD_PATH.exists():
        return {}
    return json.loads(CARD_PATH.read_text())


def architecture(card: dict[str, Any] | None = None) -> dict[str, Any]:
    """MlpMixer's arguments for the shipped weights: the card's `architecture` (the trainer records the one it
    trained), so that weights of other widths ship with their card alone; ARCHITECTURE if there is no card."""
    recorded = (read_card() if card is None else card).get("architecture")
    if not recorded:
        return dict(ARCHITECTURE)
    return {k: tuple(v) if isinstance(v, list) else v for k, v in recorded.items() if k != "class"}


TIMELINE_PATH = ASSETS / "embedded-timeline.safetensors"


@memo.TIMELINE  # read once per process: the app asks for it on every page load and slider move
def read_timeline(path: Path = TIMELINE_PATH) -> dict[int, dict[str, Any]]:
    """The training timeline: {epoch: {"stem": (C, 3, p, p), "token_mixing": (depth, D_S, S)}} as float32 arrays,
    from initialisation (epoch 0) to the end. Empty if no timeline was shipped."""
    if not path.exists():
        return {}
    from safetensors.numpy import load_file

    timeline: dict[int, dict[str, Any]] = {}
    for key, array in load_file(str(path)).items():
        epoch, kind = key.split(".")
        timeline.setdefault(int(epoch.removeprefix("epoch")), {})[kind] = array.astype("float32")
    return dict(sorted(timeline.items()))
