"""Class names for a model's head, taken from timm's own label sets (never written by hand here)."""
from __future__ import annotations

from typing import Any

from timm.data import ImageNetInfo, infer_imagenet_subset

from explorer import memo

LABEL_SET_TITLES = {
    "imagenet-1k": "ImageNet-1k",
    "imagenet-21k-goog": "ImageNet-21k (Google, fall11)",
    "imagenet-21k-miil": "ImageNet-21k-P (MIIL)",
    "imagenet-22k": "ImageNet-22k",
    "imagenet-12k": "ImageNet-12k",
}


def label_set(pretrained_cfg: dict[str, Any]) -> str:
    """A short title for the label set a head with this pretrained_cfg predicts."""
    if pretrained_cfg.get("label_set"):
        return pretrained_cfg["label_set"]
    subset = infer_imagenet_subset(pretrained_cfg)
    if subset:
        return LABEL_SET_TITLES.get(subset, subset)
    return f"{pretrained_cfg.get('num_classes', 0)} unnamed classes"


def class_names(pretrained_cfg: dict[str, Any], num_classes: int) -> tuple[str, ...]:
    """One readable name per output unit: the cfg's own label_names, else timm's ImageNet descriptions."""
    names = pretrained_cfg.get("label_names")
    if names and len(names) == num_classes:
        return tuple(names)
    return _imagenet_names(infer_imagenet_subset({"num_classes": num_classes}) or "", num_classes)


@memo.LABELS
def _imagenet_names(subset: str, num_classes: int) -> tuple[str, ...]:
    if not subset:
        return tuple(f"class {i}" for i in range(num_classes))
    return tuple(ImageNetInfo(subset).label_descriptions())
