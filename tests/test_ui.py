"""The real app on 127.0.0.1, driven by gradio_client as an API user would."""
import pytest
from gradio_client import Client, handle_file

from conftest import EXAMPLES


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_predict_endpoint_with_defaults(client):
    label, status = client.predict(handle_file(str(EXAMPLES / "cifar10-ship.jpg")), api_name="/predict")
    assert label["label"] == "ship" and len(label["confidences"]) == 5
    assert status.startswith("embedded · pretrained weights") and "CIFAR-10" in status


def test_predict_endpoint_with_every_input(client):
    label, status = client.predict(handle_file(str(EXAMPLES / "chelsea-cat.jpg")), "mixer_s32_224", "random", 3, api_name="/predict")
    assert len(label["confidences"]) == 3 and "mixer_s32_224 · random weights" in status


def test_unavailable_pretrained_weights_fall_back_and_say_so(client):
    _, status = client.predict(handle_file(str(EXAMPLES / "cifar10-frog.jpg")), "mixer_s16_224", "pretrained", 2, api_name="/predict")
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
    summary, figures, archive = client.predict(handle_file(str(EXAMPLES / "cifar10-horse.jpg")), "embedded", "pretrained", api_name="/explain")
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


def test_only_the_documented_endpoints_are_public(client):
    assert sorted(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/explain", "/predict"]


def test_changing_channel_or_patch_reuses_the_forward_pass_and_a_new_image_does_not(monkeypatch, tmp_path):
    import shutil

    import numpy as np

    from explorer import recent, ui

    calls = []
    real_explain = recent.explain
    monkeypatch.setattr(recent, "explain", lambda *a, **k: calls.append(a[1]) or real_explain(*a, **k))
    monkeypatch.setattr(ui, "recent", recent.RecentExplanations(size=2))
    ship, frog = tmp_path / "ship.jpg", tmp_path / "frog.jpg"
    shutil.copy(EXAMPLES / "cifar10-ship.jpg", ship)
    shutil.copy(EXAMPLES / "cifar10-frog.jpg", frog)
    progress = lambda *a, **k: None  # noqa: E731 - gr.Progress outside a request

    norm = ui.image_views(str(ship), "embedded", "pretrained", -1, -1, 0, 0, progress=progress)
    one_channel = ui.image_views(str(ship), "embedded", "pretrained", 5, -1, 2, 7, progress=progress)
    assert len(calls) == 1  # same image, model and class: one explanation
    assert not np.array_equal(norm[0], one_channel[0]) and one_channel[1][0][:2] == [2, 7]
    assert np.array_equal(norm[3], one_channel[3])  # the evidence picture is the cached one

    ui.image_views(str(ship), "embedded", "pretrained", -1, 3, 0, 0, progress=progress)  # another class
    ui.image_views(str(frog), "embedded", "pretrained", -1, -1, 0, 0, progress=progress)  # another image
    assert calls == [str(ship), str(ship), str(frog)]
    summary, pngs, archive = ui.export(str(frog), "embedded", "pretrained", progress=progress)  # what is on screen
    assert len(calls) == 3 and summary["top_k"][0]["label"] == "frog" and archive.endswith(".zip")
    assert ui.export(str(frog), "embedded", "pretrained", progress=progress) == (summary, pngs, archive)  # written once
    shutil.copy(EXAMPLES / "cifar10-horse.jpg", frog)  # the same path, another picture: never a stale answer
    assert ui.export(str(frog), "embedded", "pretrained", progress=progress)[0]["top_k"][0]["label"] == "horse"
