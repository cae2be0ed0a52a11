import pytest
import timm

from explorer.model.embedded import read_card
from explorer.model.labels import class_names, label_set
from explorer.model.loading import build_embedded


@pytest.mark.parametrize(
    "tag, count, title",
    [
        ("mixer_b16_224.goog_in21k_ft_in1k", 1000, "ImageNet-1k"),
        ("mixer_b16_224.miil_in21k_ft_in1k", 1000, "ImageNet-1k"),
        ("mixer_l16_224.goog_in21k", 21843, "ImageNet-21k (Google, fall11)"),
        ("mixer_b16_224.miil_in21k", 11221, "ImageNet-21k-P (MIIL)"),
    ],
)
def test_each_tag_gets_its_label_set(tag, count, title):
    cfg = timm.models.get_pretrained_cfg(tag).to_dict()
    names = class_names(cfg, cfg["num_classes"])
    assert len(names) == count == cfg["num_classes"]
    assert label_set(cfg) == title
    assert all(isinstance(n, str) and n for n in names)
    # real names, not numbered stand-ins
    assert len(set(names)) > 0.95 * count and not any(n == f"class {i}" for i, n in enumerate(names))


def test_imagenet_1k_names_are_timms_descriptions():
    names = class_names({"num_classes": 1000}, 1000)
    assert names[281].startswith("tabby")  # class 281 of ImageNet-1k is the tabby cat
    assert names[0].startswith("tench")


def test_embedded_labels_come_from_the_training_data():
    model = build_embedded()
    names = class_names(model.pretrained_cfg, model.num_classes)
    assert list(names) == read_card()["class_names"]
    assert "cat" in names and len(names) == 10
    assert label_set(model.pretrained_cfg) == "CIFAR-10"


def test_unknown_head_sizes_get_numbered_names():
    assert class_names({}, 7) == tuple(f"class {i}" for i in range(7))
