"""Turn whatever people upload into the RGB image a model expects, or into a message that says what is wrong.

Every path in (app upload, API, CLI, notebook) goes through `load_image`, so an odd file is treated the same
everywhere: EXIF orientation applied, transparency composited on white, palette, grayscale, CMYK, 16-bit and
float images converted to 8-bit RGB, animations and multi-page files read at their first frame.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator, Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from explorer.errors import ImageError
from explorer.text.i18n import t

ImageSource = Union[str, Path, bytes, Image.Image, np.ndarray]

# Refuse before decoding anything larger: a few-KB PNG can declare 30000x30000 pixels (a decompression bomb).
MAX_PIXELS = 80_000_000
# Every model resizes the short side and centre-crops a square, so nothing beyond a 4:1 centre region or about
# 2048 pixels a side reaches it; trimming first keeps a 1x10000 strip or a 40-megapixel photo cheap.
MAX_ASPECT = 4
MAX_SIDE = 2048
WHITE = (255, 255, 255)


def load_image(source: ImageSource) -> Image.Image:
    """Open a path, raw bytes, a PIL image or an (H, W[, C]) array as an 8-bit RGB PIL image."""
    if isinstance(source, Image.Image):
        return bounded(to_rgb(source))
    if isinstance(source, np.ndarray):
        return bounded(to_rgb(array_to_image(source)))
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ImageError(t("errors.images.no_file", name=path.name or path))
        data = path.read_bytes()
        name = path.name
    elif isinstance(source, (bytes, bytearray)):
        data, name = bytes(source), None
    else:
        raise ImageError(t("errors.images.type", type=type(source).__name__))
    return decode(data, name)


def decode(data: bytes, name: str | None = None) -> Image.Image:
    """Decode encoded image bytes (any format Pillow reads) into RGB, with a clear error for anything else (the
    file named `name` in it; none: "the upload", in the language of whoever is answered)."""
    name = name or t("errors.images.the_upload")
    if not data:
        raise ImageError(t("errors.images.empty", name=name))
    if data.lstrip()[:5].lower() in (b"<?xml", b"<svg ") or b"<svg" in data[:1024].lower():
        raise ImageError(t("errors.images.svg", name=name))
    try:
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise ImageError(t("errors.images.format", name=name)) from None
    except Image.DecompressionBombError as exc:
        raise ImageError(t("errors.images.bomb", name=name, detail=exc)) from None
    except Exception as exc:
        raise ImageError(t("errors.images.unopened", name=name, detail=exc)) from None
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise ImageError(t("errors.images.too_many_pixels", name=name, width=width, height=height,
                                 most=MAX_PIXELS))
    if width == 0 or height == 0:
        raise ImageError(t("errors.images.no_pixels", name=name, width=width, height=height))
    if img.format == "JPEG":
        img.draft(img.mode, (MAX_SIDE, MAX_SIDE))  # let libjpeg decode big photos at a reduced scale
    try:
        if img.format == "PNG":  # decoding skips the chunk checksums; verify() reads them
            Image.open(io.BytesIO(data)).verify()
        img.load()
    except Exception as exc:  # truncated data, bad CRC, broken compression stream
        raise ImageError(t("errors.images.undecoded", name=name, format=img.format or "image", detail=exc)) from None
    return bounded(to_rgb(img))


def bounded(img: Image.Image) -> Image.Image:
    """Centre-crop to at most MAX_ASPECT:1 and shrink to at most MAX_SIDE a side: what the model sees is unchanged
    (it only ever looks at the central square), but extreme or huge images stay cheap to preprocess."""
    w, h = img.size
    if w > MAX_ASPECT * h:
        left = (w - MAX_ASPECT * h) // 2
        img = img.crop((left, 0, left + MAX_ASPECT * h, h))
    elif h > MAX_ASPECT * w:
        top = (h - MAX_ASPECT * w) // 2
        img = img.crop((0, top, w, top + MAX_ASPECT * w))
    if max(img.size) > MAX_SIDE:
        img = img.copy()
        img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BICUBIC, reducing_gap=3.0)
    return img


def to_rgb(img: Image.Image) -> Image.Image:
    """Any PIL image -> upright 8-bit RGB."""
    try:
        img = ImageOps.exif_transpose(img)
    except Exception:  # a broken EXIF block should not cost the person their prediction
        pass
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        img = Image.fromarray(to_uint8(np.asarray(img), bits=16))  # PNG and TIFF store deep grey as 16-bit
    elif img.mode == "F":
        img = Image.fromarray(to_uint8(np.asarray(img)))
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def to_uint8(array: np.ndarray, bits: int | None = None) -> np.ndarray:
    """Integer images are scaled from their bit depth (given, or guessed from the peak); floats from [0, 1] or
    their range."""
    array = np.asarray(array)
    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.floating):
        array = np.nan_to_num(array.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        lo, hi = float(array.min(initial=0.0)), float(array.max(initial=0.0))
        if lo < 0.0 or hi > 1.0:
            array = (array - lo) / (hi - lo) if hi > lo else np.zeros_like(array)
        return np.round(array * 255).astype(np.uint8)
    if np.issubdtype(array.dtype, np.bool_):
        return array.astype(np.uint8) * 255
    if bits is None:
        peak = int(array.max(initial=0))
        bits = 8 if peak < 256 else 16 if peak < 65536 else 32
    return np.round(np.clip(array, 0, None) / (2**bits - 1) * 255).astype(np.uint8)


def array_to_image(array: np.ndarray) -> Image.Image:
    """(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) arrays of any numeric dtype -> PIL image."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ImageError(t("errors.images.array_shape", shape=tuple(array.shape)))
    if array.size == 0:
        raise ImageError(t("errors.images.array_empty"))
    return Image.fromarray(to_uint8(array))


def image_paths(paths: list[str]) -> Iterator[Path]:
    """Files as given; folders walked recursively, keeping files with an image extension, in sorted order (what
    `python -m explorer predict` classifies and `index` indexes)."""
    extensions = {ext.lower() for ext in Image.registered_extensions()}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in extensions)
        else:
            yield path  # named explicitly: try it, and report it if it is not an image
