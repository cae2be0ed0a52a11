"""The app as an MCP server, driven by the `mcp` SDK's own client over streamable HTTP, as an assistant would."""
import asyncio
import base64

from gradio_client import Client, handle_file

from conftest import EMBEDDED_BLOCKS, EXAMPLES

import mcp  # a requirement (requirements.txt): missing, this module fails rather than skips
from mcp.client.streamable_http import streamable_http_client


def data_uri(path) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode()


def mcp_calls(url: str, calls: list[tuple[str, dict]]) -> tuple[list[str], list]:
    """The tool names the server lists, and the result of each (tool, arguments) call, in one MCP session."""

    async def run():
        async with streamable_http_client(url + "gradio_api/mcp/") as (read, write, _):
            async with mcp.ClientSession(read, write) as session:
                await session.initialize()
                names = [t.name for t in (await session.list_tools()).tools]
                return names, [await session.call_tool(name, args) for name, args in calls]

    return asyncio.run(run())


def text_of(result) -> str:
    return " ".join(c.text for c in result.content if c.type == "text")


def test_the_tools_answer_like_the_api_and_bad_input_gets_a_clear_message(app_url):
    ship = EXAMPLES / "cifar10-ship.jpg"
    names, (classified, junk, loopback, unknown, mixing, models, after) = mcp_calls(app_url, [
        ("classify", {"image": data_uri(ship), "model": "embedded", "weights": "pretrained", "top_k": 3}),
        ("classify",
         {"image": "data:image/jpeg;base64," + base64.b64encode(b"not a picture").decode(), "model": "embedded"}),
        ("classify", {"image": app_url + "gradio_api/file=" + str(ship), "model": "embedded"}),
        ("classify", {"image": data_uri(ship), "model": "resnet_zzz"}),
        ("token_mixing_weights", {"model": "embedded", "weights": "pretrained", "block": 20}),
        ("list_models", {}),
        ("classify", {"image": data_uri(ship), "model": "embedded", "weights": "pretrained", "top_k": 3}),
    ])
    assert sorted(names) == ["classify", "explain_image", "list_models", "shift_report", "token_mixing_weights"]

    label, status = Client(app_url, verbose=False).predict(handle_file(str(ship)), "embedded", "pretrained", 3,
                                                           api_name="/predict")
    assert not classified.isError
    text = text_of(classified)
    assert len(label["confidences"]) == 3  # top_k=3 asked of both
    for c in label["confidences"]:  # the same labels and probabilities as /predict gives
        assert f"'label': '{c['label']}', 'confidence': {c['confidence']}" in text
    assert status in text and "CIFAR-10" in text

    assert junk.isError and "is not an image format this app can read" in text_of(junk)
    assert loopback.isError and ("could not be fetched (addresses on this machine or on a private network "
                                 "are not fetched)") in text_of(loopback)
    assert unknown.isError and "unknown model 'resnet_zzz'" in text_of(unknown)
    assert not after.isError and text_of(after) == text  # the server kept serving

    assert not mixing.isError and "image" in [c.type for c in mixing.content]  # the gallery as a picture
    # clamped to the last block
    assert f"'block': {EMBEDDED_BLOCKS - 1}" in text_of(mixing) and "'shape': [64, 8, 8]" in text_of(mixing)
    assert "'name': 'embedded'" in text_of(models) and "'name': 'mixer_b16_224.goog_in21k_ft_in1k'" in text_of(models)


def test_explain_image_returns_the_summary(app_url):
    _, (explained,) = mcp_calls(app_url, [("explain_image",
                                           {"image": data_uri(EXAMPLES / "cifar10-horse.jpg"), "model": "embedded"})])
    text = text_of(explained)
    assert not explained.isError
    for key in ("'logit_lens'", "'evidence'", "'shuffle'", "'architecture'", "'top_k'"):
        assert key in text


def test_explain_image_gives_the_overview_figures_and_the_archive_and_clear_errors(app_url):
    import io
    import re
    import zipfile

    import httpx
    import numpy as np
    from PIL import Image

    horse = data_uri(EXAMPLES / "cifar10-horse.jpg")
    _, (explained, empty, junk, unknown) = mcp_calls(app_url, [
        ("explain_image", {"image": horse, "model": "embedded", "weights": "pretrained"}),
        ("explain_image", {"model": "embedded"}),
        ("explain_image",
         {"image": "data:image/png;base64," + base64.b64encode(b"no picture").decode(), "model": "embedded"}),
        ("explain_image", {"image": horse, "model": "resnet_zzz"}),
    ])
    text = text_of(explained)
    figures = re.findall(r"'url': '([^']+\.png)'.*?'caption': '([^']+)'", text)
    assert [caption for _, caption in figures] == ["activations", "evidence", "logit lens", "shuffle", "updates",
                                                   "token mixing block00"]
    for url, caption in figures:  # each a real picture the assistant can fetch: many colours, not a blank box
        pixels = np.asarray(Image.open(io.BytesIO(httpx.get(url, timeout=30).content)).convert("RGB"))
        assert pixels.shape[0] >= 100 and len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50, caption
    (archive,) = re.findall(r"'url': '([^']+explanation\.zip)'", text)
    names = set(zipfile.ZipFile(io.BytesIO(httpx.get(archive, timeout=30).content)).namelist())
    last = f"token_mixing_block{EMBEDDED_BLOCKS - 1:02d}.png"
    assert {"summary.json", "arrays.npz", "evidence.png", "logit_lens.svg", last, "stem_filters.png"} <= names
    # the tool's schema says so before it runs
    assert empty.isError and "'image' is a required property" in text_of(empty)
    assert junk.isError and "is not an image format this app can read" in text_of(junk)
    assert unknown.isError and "unknown model 'resnet_zzz'" in text_of(unknown)
    assert "Traceback" not in text_of(empty) + text_of(junk) + text_of(unknown)


def test_mcp_can_be_turned_off(app_url, monkeypatch):
    """EXPLORER_MCP=0 at launch: no MCP server, the app itself served (this module's app, launched with the variable
    unset, has one)."""
    import httpx

    from conftest import free_port
    from explorer.app.server import launch
    from explorer.app.wiring import build_app

    assert httpx.get(app_url + "gradio_api/mcp/schema").status_code == 200
    monkeypatch.setenv("EXPLORER_MCP", "0")
    demo = build_app(default_model="embedded")
    port = free_port()
    launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/gradio_api/mcp/schema").status_code == 404
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200  # the app itself is served
    finally:
        demo.close()


def test_the_shift_tool_answers_as_the_cli_does_and_names_an_unknown_corruption(app_url, tmp_path):
    import json
    import subprocess
    import sys

    from conftest import ROOT

    ship = EXAMPLES / "cifar10-ship.jpg"
    asked = {"image": data_uri(ship), "model": "embedded", "weights": "pretrained", "corruptions": "fog,contrast",
             "severities": "1,5", "seed": 0}
    _, (shifted, unknown) = mcp_calls(app_url, [("shift_report", asked),
                                                ("shift_report", {**asked, "corruptions": "fog,smoke"})])
    cli = json.loads(subprocess.run([sys.executable, "-m", "explorer", "shift", str(ship), "--model", "embedded",
                                     "--corruptions", "fog,contrast", "--severities", "1,5", "--json"],
                                    cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    via_client = Client(app_url, verbose=False).predict(handle_file(str(ship)), "embedded", "pretrained",
                                                        "fog,contrast", "1,5", 0, api_name="/shift")
    assert not shifted.isError
    for answer in (via_client, json.loads(text_of(shifted).replace("'", '"').replace("True", "true")
                                          .replace("False", "false"))):
        assert answer["clean"] == cli["clean"] and list(answer["corruptions"]) == ["fog", "contrast"]
        assert answer["corruptions"] == cli["corruptions"]  # the same cells: the corruptions are seeded
    assert unknown.isError and "unknown corruption 'smoke'" in text_of(unknown)
