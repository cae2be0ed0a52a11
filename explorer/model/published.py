"""The published numbers: each model's top-1 on ImageNet and four shifted test sets, as timm measured them.

Carried over from timm's results tables (github.com/huggingface/pytorch-image-models, results/results-imagenet.csv,
results-imagenet-r.csv, results-sketch.csv, results-imagenet-a.csv, results-imagenetv2-matched-frequency.csv, at
commit aa4b5850c1543fa488abf260f18390eda46cf85d, 8 August 2026), the `top1` column, every Mixer-family model they
list plus two others for comparison (a ViT-B/16 and torchvision's ResNet-50). None means the table has no row
(ResNet-50 has none on ImageNet-A). tests/test_published.py checks them against the issue's reading of the files.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import timm
from timm.models import get_pretrained_cfg

SOURCE = ("timm's results tables (github.com/huggingface/pytorch-image-models, results/*.csv, commit aa4b585, "
          "August 2026): top-1 %")
TEST_SETS = ("imagenet", "imagenet_r", "sketch", "imagenet_a", "imagenetv2")
TEST_SET_NAMES = {"imagenet": "ImageNet", "imagenet_r": "ImageNet-R", "sketch": "Sketch", "imagenet_a": "ImageNet-A",
                  "imagenetv2": "ImageNetV2"}
COMPARISON = ("vit_base_patch16_224.augreg_in21k_ft_in1k", "resnet50.tv_in1k")  # not Mixers: for comparison

# name: top-1 % on (ImageNet, ImageNet-R, Sketch, ImageNet-A, ImageNetV2 matched frequency), best ImageNet first
TOP1: dict[str, tuple[float | None, ...]] = {
    "vit_base_patch16_224.augreg_in21k_ft_in1k": (84.534, 56.860, 43.261, 43.133, 74.100),
    "resmlp_big_24_224.fb_in22k_ft_in1k": (84.414, 51.913, 37.240, 40.467, 74.200),
    "resmlp_big_24_224.fb_distilled_in1k": (83.594, 49.033, 34.788, 33.787, 73.380),
    "mixer_b16_224.miil_in21k_ft_in1k": (82.314, 47.847, 36.251, 18.547, 71.200),
    "resmlp_36_224.fb_distilled_in1k": (81.150, 44.730, 31.099, 16.707, 70.100),
    "resmlp_big_24_224.fb_in1k": (81.034, 39.593, 26.316, 22.627, 68.280),
    "resmlp_24_224.fb_distilled_in1k": (80.766, 44.797, 30.891, 16.227, 69.620),
    "resmlp_36_224.fb_in1k": (79.772, 43.010, 29.739, 13.427, 68.040),
    "gmlp_s16_224.ra3_in1k": (79.652, 44.480, 32.418, 16.053, 68.600),
    "resmlp_24_224.fb_in1k": (79.380, 40.677, 27.570, 12.467, 67.700),
    "gmixer_24_224.ra3_in1k": (78.048, 37.983, 27.031, 11.627, 66.140),
    "resmlp_12_224.fb_distilled_in1k": (77.948, 39.883, 26.322, 8.107, 66.290),
    "resmlp_12_224.fb_in1k": (76.660, 38.450, 25.526, 7.067, 64.330),
    "mixer_b16_224.goog_in21k_ft_in1k": (76.616, 34.323, 25.153, 8.400, 63.220),
    "resnet50.tv_in1k": (76.156, 36.157, 24.064, None, 63.190),
    "mixer_l16_224.goog_in21k_ft_in1k": (72.084, 26.803, 20.181, 5.907, 56.210),
}


@dataclass(frozen=True)
class PublishedTop1:
    """One model's published top-1 (%), None where timm's table has no row."""

    name: str
    imagenet: float | None
    imagenet_r: float | None
    sketch: float | None
    imagenet_a: float | None
    imagenetv2: float | None
    source: str = SOURCE

    def as_dict(self) -> dict:
        return asdict(self)


def tagged(name: str) -> str:
    """A timm name with its pretrained tag: an architecture alone means its default tag."""
    if "." in name:
        return name
    cfg = get_pretrained_cfg(name) if name in timm.list_models() else None
    return f"{name}.{cfg.tag}" if cfg is not None and cfg.tag else name


def published_top1(name: str) -> PublishedTop1 | None:
    """The published numbers of a catalogued model (a timm name, with or without tag), None if timm has none
    (random-only architectures, weights timm did not evaluate, the embedded model: its card has its own)."""
    name = tagged(name)
    values = TOP1.get(name)
    return None if values is None else PublishedTop1(name, *values)


def published_rows() -> list[PublishedTop1]:
    """Every model with published numbers, best ImageNet top-1 first (the comparison models among them)."""
    return [PublishedTop1(name, *values) for name, values in TOP1.items()]
