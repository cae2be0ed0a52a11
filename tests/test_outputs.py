"""The app's picture outputs: the same figure shown to many people at once reaches each of them whole."""
import io
import os
import struct
from pathlib import Path

import gradio as gr
import httpx
import numpy as np
import PIL.Image
import pytest
from gradio_client import Client

from conftest import free_port
from explorer.app.outputs import Picture, Pictures, cached_picture

# Noise does not compress: a ~1.4 MB PNG, sent in many chunks, so that a download can be held half-read.
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


class FileWrites:
    """Linux inotify on one file: the writes to it (an open for writing closed, a write or truncation), as the
    kernel reports them. A change of its times alone (os.utime) is not a write."""

    IN_MODIFY, IN_CLOSE_WRITE = 0x2, 0x8

    def __init__(self, path: str):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK)
        watched = libc.inotify_add_watch(self.fd, path.encode(), self.IN_MODIFY | self.IN_CLOSE_WRITE)
        assert self.fd >= 0 and watched >= 0, os.strerror(ctypes.get_errno())

    def seen(self) -> int:
        """How many writes were reported since the last look."""
        events = 0
        while True:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                return events
            offset = 0
            while offset < len(data):  # struct inotify_event: wd, mask, cookie, len, then len bytes of name
                _, _, _, length = struct.unpack_from("iIII", data, offset)
                events, offset = events + 1, offset + 16 + length

    def close(self) -> None:
        os.close(self.fd)


def test_a_picture_being_downloaded_is_not_rewritten_when_it_is_shown_again(picture_app):
    """The race forced: one person's download of a figure is held half-read while the same figure (alone and in a
    gallery) is returned to four others at once. Gradio's own gr.Image rewrites the file in place for each of those
    returns, which cuts the held download short whenever the server reads it mid-rewrite; the kernel reports every
    such write, so the test fails on the first rewrite instead of waiting for an unlucky read. The held download
    then completes, whole."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import unquote

    client = Client(picture_app, verbose=False, download_files=False)
    url = client.predict(api_name="/picture")["url"]
    path = unquote(url.split("/gradio_api/file=", 1)[1])  # the file Gradio serves (its cache, on this machine)
    writes = FileWrites(path)
    try:
        with httpx.stream("GET", url, timeout=60) as held:
            chunks = held.iter_raw(64 * 1024)
            received = next(chunks)  # the download has begun and is held here
            others = [Client(picture_app, verbose=False, download_files=False) for _ in range(4)]
            with ThreadPoolExecutor(4) as pool:
                shown = list(pool.map(lambda c: (c.predict(api_name="/picture")["url"],
                                                 [i["image"]["url"] for i in c.predict(api_name="/gallery")]), others))
            assert all(picture == url and url in gallery for picture, gallery in shown)  # the same file, shown again
            assert writes.seen() == 0, "the file being downloaded was written again while it was served"
            received += b"".join(chunks)
            assert len(received) == int(held.headers["content-length"])
    finally:
        writes.close()
    assert np.array_equal(np.asarray(PIL.Image.open(io.BytesIO(received))), NOISE)
