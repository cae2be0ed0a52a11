"""A bounded fuzz run over the decode + preprocess entry point: any bytes give an RGB image or an ImageError."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import encode, gradient
from explorer.errors import ImageError
from explorer.images import decode
from explorer.model.loading import load_model

SEEDS = [encode(gradient(24, 16), fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")]
TRANSFORM = load_model("embedded").transform


def decode_and_preprocess(data: bytes) -> None:
    try:
        img = decode(data)
    except ImageError:
        return
    assert img.mode == "RGB"
    assert TRANSFORM(img).shape == (3, 32, 32)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    decode_and_preprocess(data)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12), st.integers(0, 10_000))
def test_mutated_images(seed, flips, cut):
    data = bytearray(seed)
    for at, value in flips:
        data[at % len(data)] = value
    decode_and_preprocess(bytes(data[: max(cut, 8)] if cut < len(data) else data))
