"""Whatever people send: every odd or broken image gets a clear message (library, CLI and API alike), the server
keeps serving, refuses paths it should not read, and survives many clients at once."""
import json
import subprocess
import sys
import threading

import httpx
import psutil
import pytest
from gradio_client import Client, handle_file

from conftest import EXAMPLES, ROOT, served
from corpus import cases
from explorer.errors import ImageError
from explorer.images import decode

CORPUS = cases()
NOT_UPLOAD_LIMITED = [c for c in CORPUS if c[3] != "upload"]  # the upload limit is the server's, not the decoder's


@pytest.mark.parametrize("name, filename, data, expected", NOT_UPLOAD_LIMITED, ids=[c[0] for c in NOT_UPLOAD_LIMITED])
def test_decoder(name, filename, data, expected):
    if expected == "ok":
        img = decode(data, filename)
        assert img.mode == "RGB" and min(img.size) >= 1
    else:
        with pytest.raises(ImageError, match=expected) as info:
            decode(data, filename)
        assert filename in str(info.value)


def test_cli_reports_each_bad_file_as_json_and_goes_on(tmp_path):
    paths = []
    for _, filename, data, _ in NOT_UPLOAD_LIMITED:
        (tmp_path / filename).write_bytes(data)
        paths.append(str(tmp_path / filename))
    result = subprocess.run([sys.executable, "-m", "explorer", "predict", *paths, "--model", "embedded", "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == paths and result.returncode == 1
    for line, (name, _, _, expected) in zip(lines, NOT_UPLOAD_LIMITED):
        if expected == "ok":
            assert line["top_k"][0]["label"], name
        else:
            assert expected in line["error"] and "Traceback" not in line["error"], name


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_api_gives_every_bad_image_a_message_and_keeps_serving(client, tmp_path):
    good = handle_file(str(EXAMPLES / "cifar10-ship.jpg"))
    for name, filename, data, expected in CORPUS:
        path = tmp_path / filename
        path.write_bytes(data)
        if expected == "ok":
            label, _ = client.predict(handle_file(str(path)), api_name="/predict")
            assert label["label"], name
            continue
        with pytest.raises(Exception) as info:
            client.predict(handle_file(str(path)), api_name="/predict")
        message = str(info.value)
        assert ("exceeds the maximum file size" if expected == "upload" else expected) in message, name
        assert "Traceback" not in message
        assert client.predict(good, api_name="/predict")[0]["label"] == "ship"  # the next request still works


def test_server_refuses_uploads_over_the_limit(app_url):
    files = {"files": ("huge.png", b"\x89PNG" + b"\x00" * (11 * 1024 * 1024), "image/png")}
    response = httpx.post(app_url + "gradio_api/upload", files=files, timeout=60)
    # refused for its size, not a missing route
    assert response.status_code == 413 and "exceeded maximum allowed size of 10485760 bytes" in response.text
    small = httpx.post(app_url + "gradio_api/upload",
                       files={"files": ("small.jpg", (EXAMPLES / "rocket.jpg").read_bytes(), "image/jpeg")}, timeout=60)
    assert small.status_code == 200  # the same route takes a file under the limit


@pytest.mark.parametrize("path", ["/etc/passwd", "../../../../etc/passwd", "..%2F..%2F..%2Fetc%2Fpasswd", "app.py",
                                  str(ROOT / "explorer" / "loading.py"), str(ROOT / "assets" / "embedded.safetensors"),
                                  "/proc/self/environ"])
def test_file_routes_refuse_paths_outside_the_allowed_folders(app_url, path):
    response = httpx.get(f"{app_url}gradio_api/file={path}", timeout=30)
    assert response.status_code in (403, 404)
    assert b"root:" not in response.content and b"import" not in response.content


def test_examples_are_the_only_files_served_from_the_repo(app_url):
    response = httpx.get(f"{app_url}gradio_api/file={EXAMPLES / 'rocket.jpg'}", timeout=30)
    assert response.status_code == 200 and response.content == (EXAMPLES / "rocket.jpg").read_bytes()


def test_an_api_call_naming_a_server_path_is_refused(app_url):
    payload = {"data": [{"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}}, "embedded", "pretrained", 3]}
    event = httpx.post(app_url + "gradio_api/call/predict", json=payload, timeout=30).json()["event_id"]
    stream = httpx.get(f"{app_url}gradio_api/call/predict/{event}", timeout=60).text
    assert "event: error" in stream and "root:" not in stream


@pytest.fixture(scope="module")
def server_process():
    """The app as its own process (`python -m explorer serve`), so its memory is measured apart from the clients'."""
    with served({}) as (url, process):
        yield url, psutil.Process(process.pid)


def test_sixteen_clients_with_mixed_requests(server_process):
    """16 clients x 15 requests, good and bad mixed: no unexpected failure, every good answer right, and the
    server's memory back within 10% of where it started."""
    url, server = server_process
    good = {name: str(EXAMPLES / f"cifar10-{name}.jpg") for name in ("ship", "horse", "frog", "automobile")}
    bad = ROOT / "tests" / "corpus.py"  # a text file: always a clear error
    warm = Client(url, verbose=False)
    expected = {name: warm.predict(handle_file(path), api_name="/predict")[0]["label"] for name, path in good.items()}
    for _ in range(10):  # first requests fill caches that stay: measure from after them
        warm.predict(handle_file(good["ship"]), api_name="/predict")
    rss_before = server.memory_info().rss
    failures: list[str] = []

    def worker(k: int) -> None:
        client = Client(url, verbose=False)
        for i in range(15):
            name = list(good)[(k + i) % 4]
            try:
                if i % 5 == 4:
                    try:
                        client.predict(handle_file(str(bad)), api_name="/predict")
                        failures.append("a bad upload was accepted")
                    except Exception as exc:
                        if "not an image format" not in str(exc):
                            failures.append(f"unexpected error for a bad upload: {exc}")
                else:
                    label, _ = client.predict(handle_file(good[name]), api_name="/predict")
                    if label["label"] != expected[name]:
                        failures.append(f"{name}: {label['label']}")
            except Exception as exc:
                failures.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    assert server.memory_info().rss <= rss_before * 1.10
