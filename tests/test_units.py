"""Units: the `unit` and `index` commands' contract, recomputed with timm's own forward_intermediates; the shipped
index and feature visualisations of the embedded model; every family's token-mixing units."""
import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import EMBEDDED_BLOCKS, EMBEDDED_HIDDEN, EXAMPLES, FAMILY_MODELS, tiny_model
from explorer import memo
from explorer.cli import main
from explorer.errors import Cancelled, ExplorerError
from explorer.images import load_image
from explorer.model.loading import _prepare, load_model
from explorer.units.address import Unit, check_unit
from explorer.units.features import cached_feature, feature_visualisation
from explorer.units.index import build_index, read_index, weights_fingerprint
from explorer.units.page import unit_page
from explorer.units.record import unit_activations, unit_values
from explorer.units.reference import SHIPPED_INDEX, reference_index, unit_examples

UNIT_KEYS = {"model", "block", "kind", "index", "top", "feature"}
FEATURE_KEYS = {"steps", "seed", "activation_start", "activation_end"}


@pytest.fixture(scope="module")
def embedded():
    return load_model("embedded", fallback=False)


def tiny(name: str):
    model = tiny_model(name)
    # what timm preprocesses to
    model.pretrained_cfg = {**model.pretrained_cfg, "input_size": (3, 64, 64), "crop_pct": 1.0}
    return _prepare(model, f"tiny {name}", "random", "test", torch.device("cpu"))


def channel_values(loaded, image, block: int) -> torch.Tensor:
    """(S, C): block `block`'s output on one image file or picture, as timm itself computes it."""
    x = loaded.transform(load_image(image))[None]
    with torch.inference_mode():
        (out,) = loaded.model.forward_intermediates(x, indices=[block], output_fmt="NLC", intermediates_only=True)
    return out[0]


def token_values(loaded, image, block: int) -> torch.Tensor:
    """(C, D_S): a Mixer block's token-mixing hidden units, computed by hand from the block's input."""
    model = loaded.model
    x = loaded.transform(load_image(image))[None]
    with torch.inference_mode():
        stream = (model.stem(x) if block == 0 else
                  model.forward_intermediates(x, indices=[block - 1], output_fmt="NLC", intermediates_only=True)[0])
        b = model.blocks[block]
        hidden = b.mlp_tokens.act(b.mlp_tokens.fc1(b.norm1(stream).transpose(1, 2)))  # (1, C, D_S)
    return hidden[0]


def run_unit(out, *args: str) -> dict:
    assert main(["unit", *args, "--out", str(out)]) == 0
    report = json.loads((out / "unit.json").read_text())
    assert set(report) == UNIT_KEYS and set(report["feature"]) == FEATURE_KEYS
    activations = [t["activation"] for t in report["top"]]
    assert activations == sorted(activations, reverse=True)
    return report


def check_channel_report(loaded, report: dict, out, picture_of) -> None:
    """Every top image's activation and peak patch, and feature.png's mean over patches, recomputed by timm."""
    block, channel = report["block"], report["index"]
    grid_w = loaded.model.stem.grid_size[1]
    for top in report["top"]:
        values = channel_values(loaded, picture_of(top["path"]), block)[:, channel]  # (S,)
        assert float(values.max()) == pytest.approx(top["activation"], rel=1e-4, abs=1e-5)
        assert list(divmod(int(values.argmax()), grid_w)) == top["patch"]
    feature = Image.open(out / "feature.png")
    assert feature.mode == "RGB" and feature.size == loaded.data_config["input_size"][:0:-1]
    mean = float(channel_values(loaded, out / "feature.png", block)[:, channel].mean())
    assert mean == pytest.approx(report["feature"]["activation_end"], rel=1e-4, abs=1e-5)
    assert report["feature"]["activation_end"] > report["feature"]["activation_start"]


# ---------------------------------------------------------------------------------------------- the embedded model


def test_unit_cli_on_the_shipped_index(embedded, tmp_path):
    shipped = read_index(SHIPPED_INDEX)
    assert shipped.count == 5000 and shipped.sprite is not None and len(shipped.sprite) == len(shipped.names)
    tile = {name: shipped.sprite[i] for i, name in enumerate(shipped.names)}
    for block, channel in ((0, 5), (EMBEDDED_BLOCKS - 1, 100)):
        out = tmp_path / f"{block}-{channel}"
        report = run_unit(out, "--model", "embedded", "--block", str(block), "--channel", str(channel))
        assert (report["model"] == "embedded" and report["kind"] == "channel" and report["index"] == channel
                and len(report["top"]) == 9)
        assert all(t["path"].startswith("train/") for t in report["top"])  # the data set's own names
        check_channel_report(embedded, report, out, tile.__getitem__)
        # the feature image excites the channel more than any of the 5,000 held-out images does
        assert report["feature"]["activation_end"] > shipped.tops["channel"].best_mean[block, channel]
        best = shipped.tops["channel"].best_mean_id[block, channel]
        assert (float(channel_values(embedded, shipped.sprite[best], block)[:, channel].mean())
                == pytest.approx(shipped.tops["channel"].best_mean[block, channel], rel=1e-4))


def test_token_unit_cli(embedded, tmp_path):
    shipped = read_index(SHIPPED_INDEX)
    report = run_unit(tmp_path, "--model", "embedded", "--block", "2", "--kind", "token", "--unit", "7")
    assert report["kind"] == "token" and report["index"] == 7 and len(report["top"]) == 9  # a unit page's nine
    for top in report["top"]:
        values = token_values(embedded, shipped.sprite[shipped.names.index(top["path"])], 2)[:, 7]  # (C,)
        assert float(values.max()) == pytest.approx(top["activation"], rel=1e-4, abs=1e-5)
        assert int(values.argmax()) == top["channel"]
    mean = float(token_values(embedded, tmp_path / "feature.png", 2)[:, 7].mean())
    assert mean == pytest.approx(report["feature"]["activation_end"], rel=1e-4, abs=1e-5)
    assert mean > shipped.tops["token"].best_mean[2, 7]


def test_every_channel_page_of_the_first_and_last_block_opens_from_the_shipped_files(embedded):
    last = len(embedded.model.blocks) - 1
    shipped = read_index(SHIPPED_INDEX)
    beaten = []  # whether the feature visualisation excites its channel more than the best held-out image does
    for block in (0, last):
        for channel in range(embedded.model.embed_dim):
            page = unit_page(embedded, Unit(block, "channel", channel), feature=False)  # nothing may need computing
            assert page.feature is not None and page.feature.activation_end > page.feature.activation_start
            beaten.append(page.feature.activation_end > shipped.tops["channel"].best_mean[block, channel])
            assert page.pictures.shape == (9, 32, 32, 3) and page.weights.shape == (EMBEDDED_HIDDEN[1],)
            assert np.all(np.diff(page.examples.activations) <= 0) and "5,000" in page.examples.reference
    # 256 steps from noise is a fixed budget, not a guarantee: nearly every picture beats the whole held-out set
    assert np.mean(beaten) >= 0.98, f"{np.sum(~np.array(beaten))} of {len(beaten)} pictures fall short"


def test_index_cli_on_a_folder_then_unit_reads_it(embedded, tmp_path):
    folder = tmp_path / "photos"
    (folder / "sub").mkdir(parents=True)
    for i, path in enumerate(sorted(EXAMPLES.glob("*.jpg"))):
        shutil.copy(path, folder / ("sub" if i % 2 else "") / path.name)
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    assert main(["index", str(folder), "--model", "embedded", "--out", str(tmp_path / "photos.safetensors"),
                 "--batch-size", "3"]) == 0
    index = read_index(tmp_path / "photos.safetensors")
    assert index.count == 8 and "broken.jpg" not in index.names and "sub/chelsea-cat.jpg" in index.names
    report = run_unit(tmp_path / "out", "--model", "embedded", "--block", "4", "--channel", "9", "--index",
                      str(tmp_path / "photos.safetensors"), "--top-k", "5", "--steps", "64")
    assert len(report["top"]) == 5 and report["feature"]["steps"] == 64
    check_channel_report(embedded, report, tmp_path / "out", lambda path: path)
    assert report["feature"]["activation_end"] > index.tops["channel"].best_mean[4, 9]


def test_unit_errors_say_what_exists(embedded, tmp_path, capsys):
    depth = EMBEDDED_BLOCKS
    with pytest.raises(ExplorerError,
                       match=rf"block {depth} does not exist: this model has {depth} blocks \(0 to {depth - 1}\)"):
        unit_examples(embedded, depth, "channel", 0)
    with pytest.raises(ExplorerError,
                       match=r"channel 128 does not exist: block 3's output has 128 channels \(0 to 127\)"):
        feature_visualisation(embedded, 3, "channel", 128)
    with pytest.raises(ExplorerError,
                       match=r"token-mixing unit 64 does not exist: block 0's token mixing has 64 hidden units"):
        check_unit(embedded.model, 0, "token", 64)
    with pytest.raises(ExplorerError, match="kind must be one of channel, token"):
        check_unit(embedded.model, 0, "neuron", 1)
    assert main(["unit", "--model", "embedded", "--block", "12", "--channel", "0", "--out", str(tmp_path)]) == 1
    assert "block 12 does not exist" in json.loads(capsys.readouterr().out)["error"]
    for unit in (["--kind", "token", "--channel", "3"], ["--channel", "3", "--unit", "4"], []):
        with pytest.raises(SystemExit):
            main(["unit", "--model", "embedded", "--block", "0", *unit, "--out", str(tmp_path)])
    assert main(["unit", "--model", "embedded", "--block", "0", "--channel", "0", "--images", str(tmp_path / "nowhere"),
                 "--out", str(tmp_path)]) == 1
    assert "no such folder" in json.loads(capsys.readouterr().out.splitlines()[-1])["error"]
    with pytest.raises(ExplorerError, match="other weights"):
        unit_examples(load_model("embedded", "random"), 0, "channel", 0, SHIPPED_INDEX)


# ---------------------------------------------------------------------------------------------- other models


def test_unit_cli_on_a_timm_model_with_a_folder(tmp_path):
    """A real timm name (random weights: its preprocessing resizes and crops) and a folder as the reference set."""
    folder = tmp_path / "photos"
    shutil.copytree(EXAMPLES, folder)
    loaded = load_model("mixer_s32_224", "random", fallback=False)
    report = run_unit(tmp_path / "out", "--model", "mixer_s32_224", "--weights", "random", "--block", "1", "--channel",
                      "30", "--images", str(folder), "--top-k", "4", "--steps", "24")
    assert len(report["top"]) == 4 and {t["path"] for t in report["top"]} <= {str(p) for p in folder.glob("*.jpg")}
    check_channel_report(loaded, report, tmp_path / "out", lambda path: path)
    means = [float(channel_values(loaded, p, 1)[:, 30].mean()) for p in folder.glob("*.jpg")]
    assert report["feature"]["activation_end"] > max(means)


def test_feature_visualisation_is_deterministic_and_cancellable(tmp_path):
    loaded = tiny("mixer_s16_224")
    memo.clear()
    first = feature_visualisation(loaded, 1, "channel", 3, steps=12, seed=5)
    memo.clear()
    steps = []
    again = feature_visualisation(loaded, 1, "channel", 3, steps=12, seed=5,
                                  progress=lambda done, total: steps.append((done, total)))
    assert (np.array_equal(first.image, again.image) and first.activation_end == again.activation_end
            and steps[-1] == (12, 12))
    assert feature_visualisation(loaded, 1, "channel", 3, steps=12, seed=5) is again  # kept
    other = feature_visualisation(loaded, 1, "channel", 3, steps=12, seed=6)
    assert not np.array_equal(first.image, other.image)
    done = []
    with pytest.raises(Cancelled, match="after 3 of 12 steps"):
        feature_visualisation(loaded, 1, "channel", 4, steps=12, progress=lambda step, _: done.append(step),
                              cancel=lambda: len(done) >= 3)
    assert cached_feature(loaded, Unit(1, "channel", 4), 12, 0) is None  # nothing kept
    # the CLI writes the same bytes twice over
    memo.clear()
    for out in ("a", "b"):
        memo.clear()
        assert main(["unit", "--model", "embedded", "--block", "1", "--channel", "2", "--steps", "16", "--seed", "3",
                     "--out", str(tmp_path / out)]) == 0
    assert (tmp_path / "a" / "feature.png").read_bytes() == (tmp_path / "b" / "feature.png").read_bytes()


@pytest.mark.parametrize("name", FAMILY_MODELS)
def test_every_family_has_channels_and_token_units(name):
    loaded = tiny(name)
    model = loaded.model
    images = [np.random.default_rng(i).integers(0, 256, (64, 64, 3), dtype=np.uint8) for i in range(5)]
    x = torch.stack([loaded.transform(load_image(i)) for i in images])
    reduced = unit_activations(model, x)
    depth, tokens = len(model.blocks), 16
    token_units = reduced["token"][0].shape[-1]
    assert reduced["channel"][0].shape == (5, depth, model.embed_dim)
    assert token_units == (tokens if name in ("resmlp_12_224", "gmlp_ti16_224")
                           else model.blocks[0].mlp_tokens.fc2.in_features)
    with torch.inference_mode():
        blocks = model.forward_intermediates(x, output_fmt="NLC", intermediates_only=True)
    for b in (0, depth - 1):
        peak, where, mean = (r[:, b] for r in reduced["channel"])
        assert torch.allclose(peak, blocks[b].max(dim=1).values) and torch.equal(where, blocks[b].argmax(dim=1))
        assert torch.allclose(mean, blocks[b].mean(dim=1), atol=1e-6)
        with torch.inference_mode():
            token = unit_values(model, x, Unit(b, "token", token_units - 1))  # (B, positions)
        assert torch.allclose(reduced["token"][0][:, b, -1], token.max(dim=1).values)
    index = build_index(loaded, images, top_k=3, batch_size=2)
    examples = unit_examples(loaded, depth - 1, "token", token_units - 1, index)
    assert len(examples.ids) == 3 and np.all(np.diff(examples.activations) <= 0)
    feature = feature_visualisation(loaded, depth - 1, "token", 0, steps=6)
    assert feature.image.shape == (64, 64, 3) and feature.image.dtype == np.uint8
    page = unit_page(loaded, Unit(0, "token", 1), index, feature=False)
    assert page.weights.shape == (4, 4) and page.feature is None and page.pictures.shape == (3, 64, 64, 3)
    with pytest.raises(ExplorerError, match=f"token mixing has {token_units}"):
        check_unit(model, 0, "token", token_units)


def test_the_default_reference_of_other_models_is_the_examples(tmp_path):
    loaded = tiny("mixer_s16_224")
    index = reference_index(loaded)
    assert (index.count == 8 and index.fingerprint == weights_fingerprint(loaded)
            and index.summary() == "the example images: 8 images")
    upload = tmp_path / "upload.png"
    Image.fromarray(np.full((40, 40, 3), 200, np.uint8)).save(upload)
    with_upload = reference_index(loaded, uploads=[upload])
    assert (with_upload.count == 9
            and with_upload.summary() == "the example images and 1 uploaded in this session: 9 images")
    assert reference_index(loaded) is index  # kept


def test_a_page_knows_where_the_unit_fires_on_an_image_and_draws(embedded):
    from explorer.analysis.analysis import Analysis
    from explorer.render.mpl.output import figure_array
    from explorer.render.mpl import unit_page_figure as unit_figure
    from explorer.render.pictures import OUTLINE, examples_strip, outlined

    frog = EXAMPLES / "cifar10-frog.jpg"
    analysis = Analysis(embedded, frog)
    channel = unit_page(embedded, Unit(2, "channel", 3), image_analysis=analysis, feature=False)
    token = unit_page(embedded, Unit(2, "token", 3), image_analysis=analysis, feature=False)
    assert np.allclose(channel.on_image.ravel(), channel_values(embedded, frog, 2)[:, 3].numpy(), atol=1e-5)
    assert np.allclose(token.on_image, token_values(embedded, frog, 2)[:, 3].numpy(), atol=1e-5)
    assert token.weights.shape == (8, 8) and "reads" in token.weights_title and token.text != channel.text
    for page in (channel, token):
        assert figure_array(unit_figure(page)).shape[2] == 3
        h, w, _ = figure_array(unit_figure(page, slide=True)).shape
        assert w / h > 3  # a slide: one row across a 16:9 screen (the page is two rows, about 2:1)
    # 9 examples: 3 rows, not 1
    assert examples_strip(channel, scale=1, columns=3).shape[0] > 2 * examples_strip(channel, scale=1).shape[0]
    box = outlined(np.zeros((32, 32, 3), np.uint8), (1, 2), (8, 8))  # the patch at row 1, column 2: pixels 4-7, 8-11
    assert ((box[4, 8:12] == OUTLINE).all() and (box[7, 8:12] == OUTLINE).all() and box[5:7, 9:11].sum() == 0
            and box[0, 0].sum() == 0)


def test_a_gmixer_token_unit_shows_its_value_weights_and_names_its_gate():
    from explorer.units.address import unit_count
    from explorer.units.page import unit_weights

    loaded = tiny("gmixer_12_224")
    fc1 = loaded.model.blocks[1].mlp_tokens.fc1.weight.detach()  # (2 x units, S): value rows, then gate rows
    units = unit_count(loaded.model, "token")
    assert fc1.shape[0] == 2 * units
    weights, title = unit_weights(loaded, Unit(1, "token", 3))
    np.testing.assert_allclose(weights.ravel(), fc1[3].numpy())  # the value half's row, as the block computes it
    assert f"gate's are unit {3 + units} of the token-mixing gallery" in title  # and where its gate's weights are
