"""The published numbers carried over from timm's results tables: as read there, and reachable by catalogue name."""
from __future__ import annotations

import pytest
import timm

from explorer.model.catalogue import catalogue
from explorer.model.published import COMPARISON, TOP1, published_rows, published_top1

# As the issue read them off timm's results/*.csv (top-1 %, two decimals): ImageNet, -R, Sketch, -A, V2.
ISSUE = {
    "mixer_b16_224.goog_in21k_ft_in1k": (76.62, 34.32, 25.15, 8.40, 63.22),
    "mixer_b16_224.miil_in21k_ft_in1k": (82.31, 47.85, 36.25, 18.55, 71.20),
    "gmlp_s16_224.ra3_in1k": (79.65, 44.48, 32.42, 16.05, 68.60),
    "resmlp_24_224.fb_in1k": (79.38, 40.68, 27.57, 12.47, 67.70),
    "gmixer_24_224.ra3_in1k": (78.05, 37.98, 27.03, 11.63, 66.14),
    "vit_base_patch16_224.augreg_in21k_ft_in1k": (84.53, 56.86, 43.26, 43.13, 74.10),
    "resnet50.tv_in1k": (76.16, 36.16, 24.06, None, 63.19),
}


@pytest.mark.parametrize("name", ISSUE)
def test_the_numbers_are_the_issues_reading_of_timms_tables(name):
    carried = TOP1[name]
    assert [None if v is None else round(v, 2) for v in carried] == list(ISSUE[name])


def test_every_mixer_family_row_is_a_catalogued_model_and_found_by_its_architecture():
    names = {e.name for e in catalogue()}
    mixers = [name for name in TOP1 if name not in COMPARISON]
    assert set(mixers) <= names
    default = timm.models.get_pretrained_cfg("mixer_b16_224").tag
    assert published_top1("mixer_b16_224").name == f"mixer_b16_224.{default}"
    assert published_top1("mixer_s32_224") is None and published_top1("embedded") is None
    rows = published_rows()
    assert [r.imagenet for r in rows] == sorted((r.imagenet for r in rows), reverse=True)
    assert all(r.source.startswith("timm's results tables") for r in rows)
