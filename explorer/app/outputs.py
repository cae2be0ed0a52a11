"""The app's own picture outputs: a drawn figure and a gallery whose pictures are written to Gradio's file cache
once, atomically.

Gradio names a returned picture by its content and rewrites that file in place every time the picture is
returned. When several people are shown the same figure at once (a lecture hall on one slide), one request's
rewrite cuts short another's download of the same file: a broken image, and "Too little data for declared
Content-Length" in the server log. Written once under a temporary name and renamed into place, a picture's file
never changes while it is served."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import PIL.Image

from explorer.app.gradio_compat import content_folder, encoded_picture


def cached_picture(picture: np.ndarray | PIL.Image.Image, cache_dir: str, format: str = "png") -> str:
    """The path of `picture` (uint8 pixels, (H, W) or (H, W, 3|4), or a PIL image) encoded as `format` in
    `cache_dir`, under a folder named by its content as Gradio names it; written only if not there yet."""
    image = picture if isinstance(picture, PIL.Image.Image) else PIL.Image.fromarray(picture)
    data = encoded_picture(image, format)
    folder = Path(cache_dir) / content_folder(data)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"image.{format}"
    try:
        os.utime(path)  # Gradio's delete_cache ages files by ctime: a picture shown again starts a new lifetime
        return str(path.resolve())
    except FileNotFoundError:
        pass  # not written yet, or deleted since by the cache's clean-up: (re)write it
    descriptor, staging = tempfile.mkstemp(dir=folder, prefix=".image.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(staging, path)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return str(path.resolve())


def _as_file(item: Any, cache_dir: str, format: str) -> Any:
    """Drawn pixels or a PIL image as their cached file; anything else (a path, other dtypes, which Gradio
    rescales) as it is, for Gradio."""
    if isinstance(item, PIL.Image.Image) or (isinstance(item, np.ndarray) and item.dtype == np.uint8):
        return cached_picture(item, cache_dir, format)
    return item


class Picture(gr.Image):
    """A drawn picture (pixels from explorer.render), shown and not edited."""

    is_template = True  # drawn by the browser as a plain gr.Image

    def postprocess(self, value: Any) -> Any:
        return super().postprocess(_as_file(value, self.GRADIO_CACHE, self.format))


class Pictures(gr.Gallery):
    """A gallery of drawn pictures or image files, each optionally with its caption."""

    is_template = True

    def postprocess(self, value: Any) -> Any:
        if value is None:
            return super().postprocess(value)
        items = [(_as_file(item[0], self.GRADIO_CACHE, self.format), *item[1:]) if isinstance(item, (tuple, list))
                 else _as_file(item, self.GRADIO_CACHE, self.format) for item in value]
        return super().postprocess(items)
