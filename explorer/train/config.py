"""The Mixer trainer's recipe in one place: the config dataclass, the architectures and augmentations it offers."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from explorer.model import embedded
from explorer.train.data import VAL_PER_CLASS

# The model card's words for each --augment choice.
AUGMENTATIONS = {
    "crop-flip": "random crop (pad 4, reflect), horizontal flip, CutMix",
    "autoaugment": "random crop (pad 4, reflect), horizontal flip, AutoAugment (CIFAR-10 policy, drawn per image), "
    "CutMix",
}

# timm MlpMixer arguments for each --architecture. "reference" (the reference CIFAR-10 Mixer's widths) is the
# name the distilled 300-epoch run was started under, before its widths became the embedded model's; a resume
# point records the name, so it stays.
ARCHITECTURES: dict[str, dict[str, Any]] = {
    "embedded": embedded.ARCHITECTURE,
    "reference": embedded.ARCHITECTURE,
}

# The model card's words for each --distill choice (with a --teacher).
DISTILLATIONS = {
    "soft": "soft targets (Hinton et al. 2015): (1 - alpha) x the label loss + alpha x T^2 x "
    "KL(teacher || student) at temperature T",
    "hard": "hard-label distillation (DeiT, Touvron et al. 2021): half the label loss, half cross-entropy with "
    "the teacher's top class",
}


@dataclass
class TrainConfig:
    epochs: int = 60
    batch_size: int = 256
    lr: float = 1.5e-3
    min_lr: float = 1e-5
    weight_decay: float = 0.05
    warmup_epochs: int = 3
    label_smoothing: float = 0.1
    cutmix_prob: float = 0.5
    drop_path_rate: float = 0.1
    grad_clip: float = 1.0
    augment: str = "autoaugment"
    val_per_class: int = VAL_PER_CLASS
    seed: int = 0
    # Epochs after which the token-mixing and stem weights are kept for the training timeline (0 = init).
    timeline_epochs: list[int] = field(
        default_factory=lambda: [0, 1, 2, 3, 5, 8, 12, 18, 26, 36, 48, 60, 80, 110, 150, 200, 300])
    architecture: str = "embedded"
    # Distillation: the teacher's weights by their SHA-256 ("" = none), so a resume point never meets another one.
    teacher: str = ""
    distill: str = "soft"
    kd_temperature: float = 4.0
    kd_alpha: float = 0.9


# What a checkpoint or model card written before a field existed was trained with.
FIELDS_BEFORE = {"augment": "crop-flip", "architecture": "embedded", "teacher": "", "distill": "soft",
                 "kd_temperature": 4.0, "kd_alpha": 0.9}
