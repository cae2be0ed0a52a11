"""A corpus of odd and broken images, generated here (never downloaded): (name, filename, bytes, expected).

expected is "ok" for files that must be classified, else a fragment of the message people must see.
"""
from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def gradient(w: int = 64, h: int = 48) -> Image.Image:
    y, x = np.mgrid[0:h, 0:w]
    return Image.fromarray(np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) % 256], -1)
                           .astype(np.uint8))


def png_chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) if crc is None else crc))


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 2000))
            + png_chunk(b"IEND", b""))


def broken_crc_png() -> bytes:
    data = bytearray(encode(gradient(), "PNG"))
    idat = data.index(b"IDAT")
    length = struct.unpack(">I", data[idat - 4 : idat])[0]
    crc_at = idat + 4 + length
    data[crc_at : crc_at + 4] = b"\x00\x00\x00\x00"
    return bytes(data)


def exif_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 8
    return encode(gradient(), "JPEG", exif=exif.tobytes())


def palette_with_transparency() -> bytes:
    img = gradient().convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return encode(img, "PNG", transparency=0)


def animated_gif() -> bytes:
    frames = [gradient(), gradient().transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def multipage_tiff() -> bytes:
    return encode(gradient(), "TIFF", save_all=True, append_images=[gradient().rotate(90)])


def float_tiff_with_nan() -> bytes:
    arr = np.random.default_rng(0).random((40, 40)).astype(np.float32)
    arr[5:10, 5:10] = np.nan
    return encode(Image.fromarray(arr, mode="F"), "TIFF")


def sixteen_bit_png() -> bytes:
    return encode(Image.fromarray((np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)), "PNG")


def cases(upload_limit_bytes: int = 10 * 1024 * 1024) -> list[tuple[str, str, bytes, str]]:
    jpeg = encode(gradient(), "JPEG")
    return [
        ("zero bytes", "empty.jpg", b"", "empty"),
        ("text named .jpg", "notes.jpg", b"hello, this is text and not a picture\n" * 5, "not an image format"),
        ("truncated JPEG", "cut.jpg", jpeg[: len(jpeg) // 2], "damaged"),
        ("PNG with a broken CRC", "crc.png", broken_crc_png(), "damaged"),
        ("HTML named .png", "page.png", b"<!doctype html><html><body>hi</body></html>", "not an image format"),
        ("random bytes", "noise.bin", np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes(),
         "not an image format"),
        ("HEIC bytes", "photo.heic", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200,
         "not an image format"),
        ("SVG", "drawing.svg",
         b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>', "SVG"),
        ("decompression bomb", "bomb.png", bomb_png(), "pixels"),
        ("zip named .jpg", "archive.jpg", b"PK\x03\x04" + b"\x00" * 100, "not an image format"),
        ("1x1", "dot.png", encode(Image.new("RGB", (1, 1), (200, 10, 10)), "PNG"), "ok"),
        ("1x10000", "strip.png", encode(Image.new("RGB", (1, 10000), (10, 200, 10)), "PNG"), "ok"),
        ("16-bit PNG", "deep.png", sixteen_bit_png(), "ok"),
        ("CMYK JPEG", "print.jpg", encode(gradient().convert("CMYK"), "JPEG"), "ok"),
        ("palette PNG with transparency", "palette.png", palette_with_transparency(), "ok"),
        ("LA", "la.png", encode(gradient().convert("LA"), "PNG"), "ok"),
        ("RGBA", "rgba.png", encode(gradient().convert("RGBA"), "PNG"), "ok"),
        ("grayscale", "gray.jpg", encode(gradient().convert("L"), "JPEG"), "ok"),
        ("1-bit", "bits.png", encode(gradient().convert("1"), "PNG"), "ok"),
        ("EXIF-rotated", "rotated.jpg", exif_rotated(), "ok"),
        ("animated GIF", "anim.gif", animated_gif(), "ok"),
        ("multi-page TIFF", "pages.tiff", multipage_tiff(), "ok"),
        ("float TIFF with NaN", "float.tiff", float_tiff_with_nan(), "ok"),
        ("WebP", "photo.webp", encode(gradient(), "WEBP"), "ok"),
        ("BMP", "old.bmp", encode(gradient(), "BMP"), "ok"),
        ("ICO", "icon.ico", encode(gradient(32, 32), "ICO"), "ok"),
        ("progressive JPEG", "progressive.jpg", encode(gradient(), "JPEG", progressive=True), "ok"),
        ("over the upload limit", "huge.png", encode(gradient(), "PNG") + b"\x00" * (upload_limit_bytes + 1024),
         "upload"),
    ]
