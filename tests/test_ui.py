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
