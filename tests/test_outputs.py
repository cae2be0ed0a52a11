"""The app's picture outputs: the same figure shown to many people at once reaches each of them whole."""
import io
import threading
from pathlib import Path

import gradio as gr
import httpx
import numpy as np
import PIL.Image
import pytest
from gradio_client import Client

from conftest import free_port
from explorer.app.outputs import Picture, Pictures, cached_picture

# Noise does not compress: a ~1.4 MB PNG takes long enough to send that a rewrite of its file during the send
# (what gr.Image does each time it returns a picture) cuts downloads short in most runs of the test below.
NOISE = np.random.default_rng(0).integers(0, 256, (600, 800, 3), dtype=np.uint8)


def test_a_picture_is_written_once_under_its_content(tmp_path):
    first = cached_picture(NOISE, str(tmp_path))
    written = Path(first).stat()
    again = cached_picture(NOISE.copy(), str(tmp_path))
    assert again == first and first.endswith("image.png")
    assert Path(again).stat().st_ino == written.st_ino  # the same file, not a new one renamed over it
    assert np.array_equal(np.asarray(PIL.Image.open(first)), NOISE)
    other = cached_picture(NOISE[::-1], str(tmp_path))
    assert other != first
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["image.png", "image.png"]  # no staging left


@pytest.fixture(scope="module")
def picture_app():
    with gr.Blocks() as demo:
        picture, gallery = Picture(format="png", interactive=False), Pictures(format="png")
        gr.Button().click(lambda: NOISE, outputs=picture, api_name="picture")
        gr.Button().click(lambda: [(NOISE, "noise"), NOISE[::-1]], outputs=gallery, api_name="gallery")
    port = free_port()
    demo.queue(default_concurrency_limit=4).launch(server_name="127.0.0.1", server_port=port,
                                                   prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def test_the_same_picture_shown_to_many_people_at_once_arrives_whole(picture_app):
    """Four clients ask for the same picture (and a gallery holding it) over and over, each downloading every
    file it is handed while the others' requests return the same picture."""
    failures, downloads = [], []

    def viewer():
        client = Client(picture_app, verbose=False, download_files=False)
        for call in range(8):
            if call % 2:
                urls = [item["image"]["url"] for item in client.predict(api_name="/gallery")]
            else:
                urls = [client.predict(api_name="/picture")["url"]]
            for url in urls * 2:
                try:
                    pixels = np.asarray(PIL.Image.open(io.BytesIO(httpx.get(url, timeout=60).content)))
                    downloads.append(np.array_equal(pixels, NOISE) or np.array_equal(pixels, NOISE[::-1]))
                except Exception as exc:  # a download cut short, or a file that is not a whole PNG
                    failures.append(f"{url}: {exc!r}"[:300])

    viewers = [threading.Thread(target=viewer) for _ in range(4)]
    for v in viewers:
        v.start()
    for v in viewers:
        v.join()
    assert not failures, failures[:3]
    assert len(downloads) == 4 * (4 * 2 + 4 * 4) and all(downloads)
