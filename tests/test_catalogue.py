
import pytest
import timm

from explorer.model.catalogue import catalogue, describe, format_table
from explorer.model.loading import build_embedded


def test_catalogue_lists_every_pretrained_mixer_tag_and_weightless_architecture():
    names = [e.name for e in catalogue()]
    assert names[0] == "embedded"
    for tag in timm.list_pretrained("mixer_*"):
        assert tag in names
    with_weights = {t.split(".")[0] for t in timm.list_pretrained("mixer_*")}
    for arch in timm.list_models("mixer_*"):
        assert (arch in names) == (arch not in with_weights)
    assert len(names) == len(set(names))


@pytest.mark.parametrize("name", ["mixer_s32_224", "mixer_b16_224.goog_in21k"])
def test_entry_sizes_match_a_real_model(name):
    entry = describe(name)
    model = timm.create_model(name, pretrained=False)
    assert entry.params == sum(p.numel() for p in model.parameters())
    assert entry.tokens == (entry.img_size // entry.patch_size) ** 2 == model.stem.num_patches
    assert entry.channels == model.blocks[0].mlp_channels.fc1.in_features
    assert entry.tokens_mlp_dim == model.blocks[0].mlp_tokens.fc1.weight.shape[0]
    assert entry.depth == len(model.blocks)
    assert entry.num_classes == model.num_classes


def test_paper_sizes_for_b16():
    # Table 1 of the paper: B/16 has S=196, C=768, D_S=384, D_C=3072, 12 layers.
    e = describe("mixer_b16_224.goog_in21k_ft_in1k")
    assert (e.tokens, e.channels, e.tokens_mlp_dim, e.channels_mlp_dim, e.depth) == (196, 768, 384, 3072, 12)
    assert e.label_set == "ImageNet-1k" and e.weights.startswith("hf-hub:timm/")


def test_embedded_entry_matches_the_shipped_model():
    e = describe("embedded")
    model = build_embedded()
    assert e.params == sum(p.numel() for p in model.parameters()) <= 1_000_000
    assert (e.tokens, e.num_classes, e.label_set) == (64, 10, "CIFAR-10")


def test_weightless_architectures_say_so():
    assert "random init only" in describe("mixer_s16_224").weights


def test_table_has_a_row_per_entry():
    table = format_table(catalogue())
    assert len(table.splitlines()) == len(catalogue()) + 2
    assert "mixer_l16_224.goog_in21k" in table


def test_a_tag_s_entry_read_off_its_config_equals_the_model_timm_builds_for_it():
    # one model per architecture, each tag's head from timm's config: the same entry as building the tag itself
    import timm
    import torch

    from explorer.model.catalogue import describe

    for name in ("mixer_b16_224.goog_in21k", "mixer_b16_224.goog_in21k_ft_in1k", "mixer_l32_224", "gmlp_s16_224"):
        with torch.device("meta"):
            model = timm.create_model(name, pretrained=False)
        entry = describe(name)
        assert entry.num_classes == model.num_classes
        assert entry.params == sum(p.numel() for p in model.parameters())
        assert entry.tag == (model.pretrained_cfg.get("tag") or "")
        assert entry.architecture == model.pretrained_cfg["architecture"]
    assert describe("mixer_b16_224.goog_in21k").num_classes == 21843  # the heads really differ


def test_the_shipped_entries_are_the_ones_timm_s_models_measure_and_another_timm_s_are_not_used(tmp_path):
    # assets/catalogue.json (the app's cold start reads it): equal to the entries measured here, model by model
    import json

    import timm

    from explorer.model.catalogue import SHIPPED_PATH, shipped_entries, timm_names

    names = timm_names()
    shipped = shipped_entries(names)
    assert shipped is not None, ("assets/catalogue.json is stale for this timm: python -c \"from "
                                 "explorer.model.catalogue import write_shipped_entries; write_shipped_entries()\"")
    assert list(shipped) == [describe(name) for name in names]
    other = json.loads(SHIPPED_PATH.read_text())
    (tmp_path / "old.json").write_text(json.dumps({**other, "timm": "0.9.0"}))
    (tmp_path / "fewer.json").write_text(json.dumps({**other, "entries": other["entries"][1:]}))
    assert shipped_entries(names, tmp_path / "old.json") is None
    assert shipped_entries(names, tmp_path / "fewer.json") is None
    assert timm.__version__ == other["timm"]
