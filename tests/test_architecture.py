import pytest
import torch

from conftest import EMBEDDED_BLOCKS, EMBEDDED_HIDDEN, EMBEDDED_WIDTH
from explorer.analysis.architecture import PAPER_TABLE_1, count_architecture, measure_latency, paper_row
from explorer.model.catalogue import describe
from explorer.model.loading import load_model


@pytest.mark.parametrize("name, key", [("mixer_s32_224", "S/32"), ("mixer_s16_224", "S/16"), ("mixer_b32_224", "B/32"),
                                       ("mixer_b16_224", "B/16"), ("mixer_l32_224", "L/32"), ("mixer_l16_224", "L/16")])
def test_every_timm_mixer_finds_its_paper_row(name, key):
    e = describe(name)
    row = paper_row(e.family, e.as_dict())
    assert row["model"] == f"Mixer-{key}"
    assert abs(row["params_m"] - e.params / 1e6) / row["params_m"] < 0.05  # timm's count agrees with the paper's


def test_relatives_and_the_embedded_model_have_no_paper_row():
    for name in ("embedded", "resmlp_12_224", "gmlp_s16_224"):
        e = describe(name)
        assert paper_row(e.family, e.as_dict()) is None


def test_card_counts_flops_by_part_and_latency_is_measured_on_request():
    loaded = load_model("embedded")
    card = count_architecture(loaded)
    # one forward of the embedded Mixer: stem + depth x (token MLP + channel MLP) + head, as multiply-adds x 2
    s, p, c, (ds, dc), depth = 64, 4, EMBEDDED_WIDTH, EMBEDDED_HIDDEN, EMBEDDED_BLOCKS
    expected = 2 * (s * 3 * p * p * c + depth * (c * 2 * s * ds + s * 2 * c * dc) + c * 10)
    assert card.gflops * 1e9 == pytest.approx(expected, rel=0.02)
    assert card.params == describe("embedded").params == sum(card.part_params.values())
    assert card.part_params["token mixing"] == depth * (ds * s + ds + s * ds + s)  # fc1 and fc2 with biases
    assert card.part_gflops["token mixing"] * 1e9 == pytest.approx(2 * depth * c * 2 * s * ds, rel=0.01)
    assert sum(card.part_gflops.values()) == pytest.approx(card.gflops, rel=1e-6)
    # the paper's Table 1, every row
    assert list(PAPER_TABLE_1) == ["S/32", "S/16", "B/32", "B/16", "L/32", "L/16", "H/14"]
    for key, (depth, patch, channels, tokens_mlp, channels_mlp, _) in PAPER_TABLE_1.items():
        if key == "H/14":  # timm has no Mixer-H
            continue
        e = describe(f"mixer_{key.lower().replace('/', '')}_224").as_dict()
        assert (e["depth"], e["patch_size"], e["channels"], e["tokens_mlp_dim"],
                e["channels_mlp_dim"]) == (depth, patch, channels, tokens_mlp, channels_mlp), key


def test_latency_is_the_median_of_timed_forward_passes():
    loaded = load_model("embedded")
    from conftest import counted_passes

    with counted_passes(loaded.model) as counts:
        ms = measure_latency(loaded, repeats=3)
    assert counts == {"forward": 3 + 1, "backward": 0}  # the passes asked for, after one warm-up
    assert 0 < ms < 60_000


def test_flops_by_part_are_right_while_other_requests_run_the_same_model():
    import threading

    loaded = load_model("resmlp_12_224", "random")
    alone = count_architecture(loaded).part_gflops
    stop = threading.Event()

    def requests():
        x = torch.randn(1, 3, 224, 224)
        with torch.inference_mode():
            while not stop.is_set():
                loaded.model(x)

    others = threading.Thread(target=requests)
    others.start()
    try:
        busy = [count_architecture(loaded).part_gflops for _ in range(3)]
    finally:
        stop.set()
        others.join()
    assert all(b == alone for b in busy) and alone["norms and scales"] == 0
