import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from explorer.errors import ImageError
from explorer.images import MAX_PIXELS, decode, load_image, to_uint8


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kwargs)
    return buf.getvalue()


def test_rgba_is_composited_on_white():
    img = Image.new("RGBA", (8, 8), (255, 0, 0, 0))  # fully transparent red
    img.putpixel((0, 0), (0, 0, 255, 255))
    rgb = decode(encode(img, "PNG"))
    assert rgb.mode == "RGB"
    assert rgb.getpixel((5, 5)) == (255, 255, 255)
    assert rgb.getpixel((0, 0)) == (0, 0, 255)


def test_palette_with_transparency_is_composited_on_white():
    img = Image.new("P", (6, 6), 0)
    img.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    img.putpixel((1, 1), 1)
    rgb = decode(encode(img, "PNG", transparency=0))
    assert rgb.getpixel((0, 0)) == (255, 255, 255) and rgb.getpixel((1, 1)) == (0, 255, 0)


def test_sixteen_bit_grayscale_is_scaled_not_clipped():
    arr = np.full((4, 4), 32896, dtype=np.uint16)  # mid-grey in 16 bits
    rgb = decode(encode(Image.fromarray(arr), "PNG"))
    assert rgb.getpixel((0, 0)) == (128, 128, 128)


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (40, 20), (0, 0, 0))
    img.paste((255, 255, 255), (0, 0, 20, 20))  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    rgb = decode(encode(img, "JPEG", exif=exif.tobytes(), quality=95))
    assert rgb.size == (20, 40)
    assert rgb.getpixel((10, 5))[0] > 200  # the white half is now on top


@pytest.mark.parametrize("mode", ["L", "1", "CMYK", "LA", "I", "F"])
def test_every_mode_becomes_rgb(mode):
    img = Image.new(mode, (5, 7))
    fmt = {"CMYK": "JPEG", "I": "TIFF", "F": "TIFF"}.get(mode, "PNG")
    rgb = decode(encode(img, fmt))
    assert rgb.mode == "RGB" and rgb.size == (5, 7)


def test_float_tiff_with_nan_decodes():
    arr = np.array([[0.0, 0.5], [np.nan, 1.0]], dtype=np.float32)
    rgb = np.asarray(decode(encode(Image.fromarray(arr, mode="F"), "TIFF")))
    assert rgb[0, 1, 0] == 128 and rgb[1, 1, 0] == 255 and rgb[1, 0, 0] == 0


def test_animated_gif_uses_its_first_frame():
    frames = [Image.new("RGB", (4, 4), c) for c in ((255, 0, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    assert decode(buf.getvalue()).getpixel((0, 0))[0] > 200


def test_arrays_and_paths_are_accepted(tmp_path, random_rgb):
    path = tmp_path / "x.png"
    Image.fromarray(random_rgb).save(path)
    assert np.array_equal(np.asarray(load_image(path)), random_rgb)
    assert np.array_equal(np.asarray(load_image(random_rgb)), random_rgb)
    assert load_image(random_rgb[:, :, 0]).mode == "RGB"


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size: a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
            + chunk(b"IEND", b""))


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"this is text, not a picture", "not an image format"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "SVG"),
        (png_declaring(30000, 30000), "pixels"),
    ],
)
def test_bad_bytes_get_a_clear_message(data, message):
    with pytest.raises(ImageError, match=message):
        decode(data)


def test_truncated_jpeg_is_reported_as_damaged():
    data = encode(Image.new("RGB", (64, 64), (10, 200, 30)), "JPEG")
    with pytest.raises(ImageError, match="damaged"):
        decode(data[: len(data) // 2])


def test_missing_file(tmp_path):
    with pytest.raises(ImageError, match="no such file"):
        load_image(tmp_path / "nope.jpg")


def test_bomb_limit_is_above_ordinary_photos():
    assert MAX_PIXELS > 8000 * 4000


def test_to_uint8_uses_the_bit_depth():
    assert to_uint8(np.array([65535], dtype=np.uint16), bits=16)[0] == 255
    assert to_uint8(np.array([255], dtype=np.int32))[0] == 255
