"""The real app on 127.0.0.1, driven by gradio_client as an API user would."""
import pytest
from gradio_client import Client, handle_file

from conftest import EMBEDDED_BLOCKS, EXAMPLES


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_predict_endpoint_with_defaults(client):
    label, status = client.predict(handle_file(str(EXAMPLES / "cifar10-ship.jpg")), api_name="/predict")
    assert label["label"] == "ship" and len(label["confidences"]) == 5
    assert status.startswith("embedded · pretrained weights") and "CIFAR-10" in status


def test_predict_endpoint_with_every_input(client):
    label, status = client.predict(handle_file(str(EXAMPLES / "chelsea-cat.jpg")), "mixer_s32_224", "random", 3,
                                   api_name="/predict")
    assert len(label["confidences"]) == 3 and "mixer_s32_224 · random weights" in status


def test_unavailable_pretrained_weights_fall_back_and_say_so(client):
    _, status = client.predict(handle_file(str(EXAMPLES / "cifar10-frog.jpg")), "mixer_s16_224", "pretrained", 2,
                               api_name="/predict")
    assert status.startswith("Running embedded") and "mixer_s16_224" in status and "no pretrained weights" in status


def test_bad_input_gets_a_message_and_the_server_keeps_serving(client, tmp_path):
    bad = tmp_path / "holiday.jpg"
    bad.write_text("this is not a picture")
    with pytest.raises(Exception, match="holiday.jpg is not an image format this app can read"):
        client.predict(handle_file(str(bad)), api_name="/predict")
    with pytest.raises(Exception, match="unknown model 'resnet_zzz'"):
        client.predict(handle_file(str(EXAMPLES / "cifar10-ship.jpg")), "resnet_zzz", api_name="/predict")
    label, _ = client.predict(handle_file(str(EXAMPLES / "cifar10-ship.jpg")), api_name="/predict")
    assert label["label"] == "ship"


def test_explain_endpoint_returns_summary_figures_and_archive(client):
    summary, figures, archive = client.predict(handle_file(str(EXAMPLES / "cifar10-horse.jpg")), "embedded",
                                               "pretrained", api_name="/explain")
    assert summary["model"] == "embedded" and summary["top_k"][0]["label"] == "horse"
    assert summary["evidence"]["model_logit"] == pytest.approx(summary["evidence"]["mean_patch_logit"], abs=1e-5)
    assert summary["shuffle"]["max_abs_logit_diff"] <= 1e-4
    captions = {f["caption"] for f in figures}
    assert {"token mixing block00", "evidence", "logit lens", "shuffle", "activations"} <= captions
    import zipfile

    with zipfile.ZipFile(archive) as z:
        assert {"arrays.npz", "summary.json", "evidence.png", "logit_lens.svg"} <= set(z.namelist())


def test_explain_needs_an_image(client):
    with pytest.raises(Exception, match="Upload an image first"):
        client.predict(None, "embedded", "pretrained", api_name="/explain")


def test_list_models_endpoint_lists_the_catalogue_and_what_runs_here(client):
    from explorer.model.catalogue import catalogue

    models = client.predict(api_name="/list_models")
    assert [m["name"] for m in models] == [e.name for e in catalogue()]
    available = {m["name"]: m["available"] for m in models}
    assert available["embedded"] == "ready (shipped in assets/)"
    assert available["mixer_s16_224"] == "no pretrained weights: random init only"
    # the suite's Hub is offline
    assert available["mixer_b16_224.goog_in21k_ft_in1k"] == "offline and not cached: falls back to the embedded default"
    embedded = next(m for m in models if m["name"] == "embedded")
    assert ((embedded["tokens"], embedded["channels"], embedded["depth"], embedded["num_classes"])
            == (64, 128, EMBEDDED_BLOCKS, 10))


def test_token_mixing_weights_endpoint_gives_the_maps_of_the_block_asked_for(client):
    import numpy as np
    from PIL import Image

    trained, gallery = client.predict("embedded", "pretrained", 3, api_name="/token_mixing_weights")
    assert (trained["block"], trained["depth"], trained["units"], trained["grid"],
            trained["shape"]) == (3, EMBEDDED_BLOCKS, 64, [8, 8], [64, 8, 8])
    assert sorted(trained["order"]) == list(range(64))  # every unit once, in the gallery's order
    pixels = np.asarray(Image.open(gallery).convert("RGB"))
    assert pixels.shape[0] > 100 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
    noise, _ = client.predict("embedded", "random", 3, api_name="/token_mixing_weights")
    # learned maps are smooth over the patches, noise is not
    assert trained["smoothness"] > 0.1 > abs(noise["smoothness"])
    last, _ = client.predict("embedded", "pretrained", 20, api_name="/token_mixing_weights")
    assert last["block"] == EMBEDDED_BLOCKS - 1  # past the last block: the last


def test_only_the_documented_endpoints_are_public(client):
    assert (sorted(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
            == ["/explain", "/list_models", "/predict", "/shift", "/token_mixing_weights"])


def test_only_the_open_tab_is_drawn_and_every_tab_reads_the_same_analysis():
    from conftest import counted_passes
    from explorer import load_model, memo
    from explorer.analysis.model_views import architecture_card
    from dataclasses import astuple

    from explorer.app.views import IDS as VIEWS, Controls
    from explorer.app.views.activations import OWN_SCALE
    from explorer.app.wiring import build

    memo.clear()
    _, app = build("embedded")
    ui = app.ui
    loaded = load_model("embedded")
    architecture_card(loaded)  # per model, once per process (its FLOP count is a pass of its own)
    controls = Controls(image=str(EXAMPLES / "chelsea-cat.jpg"), model="embedded", weights="pretrained", top_k=5,
                        block=2, present=False, channel=-1, scale=OWN_SCALE, patch=9, class_index=-1, step=4,
                        snapshot=0, model_b="embedded", weights_b="random", unit_index=3)
    with counted_passes(loaded.model) as counts:
        # an upload on the Predictions tab: the predictions, the map and the open tab, off one forward pass
        shown = app.image_changed(None, "predict", *astuple(controls))
        assert next(iter(shown[ui.labels])) == "cat" and counts == {"forward": 1, "backward": 0}
        assert shown[ui.block].maximum == EMBEDDED_BLOCKS - 1 and shown[ui.block].value == 2  # all its blocks
        assert shown[ui.model_map]["top1_label"] == "cat" and "cat" in shown[ui.predict_note]
        assert ui.evidence not in shown  # the other tabs are drawn when opened, not for every upload
        drawn = {view: app.show(view, controls, "session") for view in VIEWS}
        # + evidence (a pass with gradients, one backward) + shuffle (two) + patch drop (its 40 images in one batch;
        # random weights' curve runs on another model) + the corruption lab (its 75 pictures in one batch, and the
        # picked cell's recorded pass)
        assert counts == {"forward": 7, "backward": 1}
        for view in VIEWS:  # every tab again: nothing runs
            app.show(view, controls, "session")
        assert counts == {"forward": 7, "backward": 1}
    # each tab draws its own components and nothing else, and what it draws is this image's, block 2's, unit 3's
    assert (set(drawn["evidence"]) == {ui.view, ui.evidence}
            and set(drawn["logit-lens"]) == {ui.view, ui.lens, ui.lens_table})
    assert set(drawn["activations"]) == {ui.view, ui.activations, ui.top_table, ui.updates}
    assert set(drawn["drop"]) == {ui.view, ui.drop_md, ui.drop_plot}
    assert "50% of the patches" in drawn["drop"][ui.drop_md]
    # the corruption lab: all 75 cells, the first cell (fog, severity 3) opened, its charts and pictures drawn
    assert "of 75** cells" in drawn["shift"][ui.shift_md] and "fog at severity 3" in drawn["shift"][ui.shift_md]
    assert picture(drawn["shift"][ui.shift_grid]) and picture(drawn["shift"][ui.shift_break])
    mean = next(t for t in drawn["shift"][ui.shift_distance].data if t.name == "mean over patches")
    assert len(mean.y) == EMBEDDED_BLOCKS + 1  # the stem, then each block
    assert "No classes yet" in drawn["teach"][ui.teach_md]  # this session taught nothing: nothing learned, no answer
    assert drawn["teach"][ui.teach_answer] is None
    assert set(drawn["export"]) == {ui.view}  # drawn by its button
    assert set(drawn["models"]) == {ui.view, ui.models_table}  # the same rows for every image, headers in words
    assert (set(drawn["predict"]) == {ui.view, ui.predict_note}
            and all(name in drawn["predict"][ui.predict_note] for name in loaded.class_names))
    assert "Step 4 of 7: Token mixing" in drawn["tour"][ui.tour_text] and picture(drawn["tour"][ui.tour_image])
    assert ("block 2 · 64 units of 8×8 patches" in drawn["token-mixing"][ui.gallery_note]
            and picture(drawn["token-mixing"][ui.gallery]))
    assert picture(drawn["token-mixing"][ui.unit])  # ?unit=3 enlarges a unit
    assert picture(drawn["stem"][ui.stem]) and "colour detectors" in drawn["stem"][ui.stem_note]
    table = drawn["activations"][ui.top_table]["value"]  # an update: the rows, with headers in words
    # block 2, patch 9, the largest |activation| first
    assert (all(row[:2] == [2, 9] for row in table)
            and [abs(row[3]) for row in table] == sorted((abs(row[3]) for row in table), reverse=True))
    assert len({row[2] for row in table}) == len(table)
    assert drawn["evidence"][ui.evidence].layout.title.text.startswith("Evidence for 'cat'")
    lens = drawn["logit-lens"][ui.lens_table]["value"]
    # after the last block the lens is the model's own answer
    assert [row[0] for row in lens] == list(range(EMBEDDED_BLOCKS)) and lens[-1][1] == "cat"
    assert ("**original:** cat" in drawn["shuffle"][ui.shuffle_md]
            and "**token mixing permuted too:** cat" in drawn["shuffle"][ui.shuffle_md])
    assert picture(drawn["shuffle"][ui.shuffle])
    assert ("block 2 channel 3 (of 128 channels)" in drawn["unit"][ui.unit_md]
            and picture(drawn["unit"][ui.unit_page_image]))
    # the embedded model's feature visualisations are shipped
    assert drawn["unit"][ui.unit_feature_button].visible is False
    assert ("| tokens S | 64 |" in drawn["architecture"][ui.arch]
            and "| channels C | 128 |" in drawn["architecture"][ui.arch])
    assert ("(pretrained) · block 2" in drawn["compare"][ui.note_a]
            and "(random) · block 2" in drawn["compare"][ui.note_b])
    assert (next(iter(drawn["compare"][ui.labels_a])) == "cat"
            and [t.name for t in drawn["compare"][ui.compare_plot].data]
            == ["embedded (pretrained)", "embedded (random)"])
    # ?snapshot=0: the initialisation
    assert (drawn["timeline"][ui.timeline_note].startswith("block 2 · epoch 0 of ")
            and picture(drawn["timeline"][ui.timeline]))


def picture(image) -> bool:
    """An (H, W, 3) picture with many colours, not a blank or a placeholder, described in words (a drawn picture is
    an update with its alt text: explorer.app.views.base.described)."""
    import numpy as np

    if not (isinstance(image, dict) and isinstance(image.get("alt_text"), str) and len(image["alt_text"]) > 40):
        return False
    image = image["value"]
    return isinstance(image, np.ndarray) and image.ndim == 3 and len(np.unique(image.reshape(-1, 3), axis=0)) > 50


def test_an_unreadable_image_or_class_gets_a_message_not_a_traceback(tmp_path):
    import gradio as gr

    from explorer.app.views import Controls
    from explorer.app.views.activations import OWN_SCALE
    from explorer.app.wiring import build

    _, app = build("embedded")
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    controls = Controls(image=str(EXAMPLES / "cifar10-ship.jpg"), model="embedded", weights="pretrained", top_k=5,
                        block=0, present=False, channel=-1, scale=OWN_SCALE, patch=0, class_index=12, step=1,
                        snapshot=0, model_b="embedded", weights_b="random", unit_index=-1)
    draw = app.view_handler("evidence")
    with pytest.raises(gr.Error, match="class index 12 is out of range: this model has 10 classes"):
        draw(None, "evidence", None, *controls.__dict__.values())
    with pytest.raises(gr.Error, match="notes.png is not an image format this app can read"):
        draw(None, "evidence", None, *{**controls.__dict__, "image": str(bad), "class_index": -1}.values())


def test_a_deep_link_names_an_example_only_from_the_examples_folder():
    from types import SimpleNamespace

    from explorer.app.views import Controls
    from explorer.app.wiring import build
    from explorer.model.embedded import EXAMPLES as NAMED

    _, app = build("embedded")
    ui = app.ui
    # the page's controls as they start
    start = ("predict", None, "embedded", "pretrained", 5, 0, False, -1, "one scale for all blocks", 0, -1, 1, 0,
             "embedded", "random", -1, "channel", None, "fog", 3, False)
    assert len(start) == 1 + len(Controls.__dataclass_fields__)
    link = app.deep_link(SimpleNamespace(query_params={"example": "chelsea-cat", "view": "evidence", "unit": "5",
                                                       "block": "99"}), *start)
    assert link[ui.image] == str(NAMED["chelsea-cat"]) and link[ui.view] == "evidence" and link[ui.unit_index] == 5
    # the embedded model's last block, said
    last = EMBEDDED_BLOCKS - 1
    assert link[ui.block].value == last and f"showing block {last}" in link[ui.link_note]
    assert link[ui.block].maximum == last  # the slider spans this model's blocks
    for hostile in ("../README", "/etc/passwd", "http://127.0.0.1/x.jpg", "chelsea-cat.jpg", "CHELSEA-CAT"):
        link = app.deep_link(SimpleNamespace(query_params={"example": hostile}), *start)
        assert ui.image not in link and "is not one of the examples" in link[ui.link_note]


def test_what_the_views_show_needs_no_gradio():
    from conftest import run_python

    code = ("import sys\nimport explorer.app.presenters\n"
            "print('gradio' in sys.modules)\n")
    run = run_python(code, env={"HF_HUB_OFFLINE": "1"})
    assert run.stdout.strip() == "False", run.stderr[-2000:]


def test_a_deep_link_is_read_and_clamped_in_one_place():
    from explorer.app.links import parse_link

    link = parse_link({"model": "mixer_b16_224.goog_in21k", "block": "-3", "step": "99", "unit": "x", "kind": "token",
                       "view": "nope", "present": "1"}, default_model="embedded")
    assert (link.model, link.weights, link.depth) == ("mixer_b16_224.goog_in21k", "pretrained", 12)
    assert (link.block, link.step, link.unit, link.kind, link.view, link.present) == (0, 7, 0, "token", None, True)
    assert ("`block=-3` is outside 0–11" in link.note and "`step=99` is outside 1–7" in link.note
            and "`unit=x`" in link.note)
    plain = parse_link({}, default_model="embedded")
    assert (plain.model, plain.weights, plain.block, plain.view, plain.image,
            plain.note) == (None, None, None, None, None, "")
    assert parse_link({"model": "mixer_s16_224"}, "embedded").weights == "random"  # no pretrained weights: random
