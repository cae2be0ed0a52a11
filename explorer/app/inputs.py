"""The app's own input components (an image upload decoded by explorer.images, a model picker that takes any
Mixer-family name) and `user_errors`, which turns failures into messages for people, in their language (the
messages of explorer's own errors are said in the language of the request being answered: explorer.text.i18n)."""
from __future__ import annotations

import functools
import logging
from functools import cache
from pathlib import Path
from typing import Any, Callable

import gradio as gr

from explorer.analysis.analysis import image_digest
from explorer.errors import ExplorerError
from explorer.model.embedded import EXAMPLES
from explorer.text.i18n import t

log = logging.getLogger("explorer.app")


class ImageInput(gr.Image):
    """An image upload that hands the raw file to `explorer.images`, which decodes odd images (16-bit, CMYK,
    alpha, EXIF rotation) consistently with the CLI and explains files it cannot read, instead of Gradio
    failing on them before our code runs."""

    is_template = True  # drawn by the browser as a plain gr.Image

    def preprocess(self, payload: Any) -> str | None:
        if payload is None:
            return None
        if getattr(payload, "path", None):
            return str(payload.path)
        try:
            return super().preprocess(payload)  # a data: URL (webcam, clipboard)
        except Exception as exc:
            raise user_error(t("errors.inputs.unreadable", detail=exc)) from None

    async def async_move_resource_to_block_cache(self, url_or_file_path: str | Path | None) -> str | None:
        """An image given as a URL (API and MCP clients) is fetched here by Gradio, which refuses addresses on
        this machine or a private network (SSRF protection): say so instead of failing with no message."""
        try:
            return await super().async_move_resource_to_block_cache(url_or_file_path)
        except Exception as exc:
            if not str(url_or_file_path).startswith(("http://", "https://")):
                raise
            refused = "failed validation" in str(exc)
            why = t("errors.inputs.private_address") if refused else f"{type(exc).__name__}: {exc}"
            raise user_error(t("errors.inputs.unfetched", url=str(url_or_file_path)[:200], why=why)) from None


class ModelInput(gr.Dropdown):
    """The model picker. It takes any timm Mixer-family name (with or without a pretrained tag), not only the
    listed ones, so API and MCP clients are not told otherwise (Gradio would list the choices as the only
    values); a name that is not a Mixer gets explorer's own message."""

    is_template = True

    def api_info(self) -> dict[str, Any]:
        return {"type": "string", "description": "a model name, e.g. " + ", ".join(c[1] for c in self.choices[:3])}


def user_error(message: str) -> gr.Error:
    """The error a person sees, titled in their language (Gradio's own title is English)."""
    return gr.Error(message, title=t("common.error"))


def user_warning(message: str) -> None:
    """A warning a person sees (the event goes on), titled in their language."""
    gr.Warning(message, title=t("errors.warning_title"))


def require_image(image: str | None) -> str:
    if image is None:
        raise user_error(t("errors.inputs.no_image"))
    return image


def user_errors(fn: Callable) -> Callable:
    """Turn our errors into gr.Error (the message reaches the person as it is) and anything unexpected into a
    short message, with the traceback kept in the server log only."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except ExplorerError as exc:
            raise user_error(str(exc)) from None
        except Exception as exc:
            log.exception("%s failed", fn.__name__)
            raise user_error(t("errors.inputs.unexpected", error=f"{type(exc).__name__}: {exc}")) from None

    return wrapper


@cache
def example_digests() -> dict[str, str]:
    """digest of each example's file -> its name in a link"""
    return {image_digest(path): name for name, path in EXAMPLES.items()}


def example_of(image: str | None) -> str | None:
    """The name of the example `image` is (by its bytes: Gradio serves a copy under another path), or None."""
    if not image or not Path(image).is_file():
        return None
    return example_digests().get(image_digest(image))
