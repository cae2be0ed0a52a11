"""A bounded fuzz run over the decode + preprocess entry point: any bytes give an RGB image or an ImageError."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus import encode, gradient
from explorer.errors import ImageError
from explorer.images import decode
from explorer.model.loading import load_model

SEEDS = [encode(gradient(24, 16), fmt) for fmt in ("PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP")]
TRANSFORM = load_model("embedded").transform


def decode_and_preprocess(data: bytes) -> bool:
    """True if the bytes decoded (an RGB image, preprocessed to the model's input), False if refused (ImageError)."""
    try:
        img = decode(data)
    except ImageError:
        return False
    assert img.mode == "RGB"
    assert TRANSFORM(img).shape == (3, 32, 32)
    return True


def test_the_seeds_decode_to_their_own_pixels():
    for data in SEEDS:
        img = decode(data)
        assert img.size == (24, 16) and img.mode == "RGB"
        assert len(np.unique(np.asarray(img).reshape(-1, 3), axis=0)) > 10  # a gradient, not a blank or a placeholder


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    decode_and_preprocess(data)  # random bytes are almost never an image: this checks only that nothing else is raised


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=12),
       st.integers(0, 10_000))
def test_mutated_images(seed, flips, cut):
    data = bytearray(seed)
    for at, value in flips:
        data[at % len(data)] = value
    decode_and_preprocess(bytes(data[: max(cut, 8)] if cut < len(data) else data))


def test_the_mutations_reach_the_decoders_and_many_still_decode():
    """The fuzz above is worth something only if its inputs get past the first bytes: one flip in a seed (as it
    mutates them) leaves most decodable, so the decoders' inner paths run, not only the format sniffing."""
    import random

    rng = random.Random(0)
    decoded = 0
    for _ in range(120):
        data = bytearray(rng.choice(SEEDS))
        data[rng.randrange(len(data))] = rng.randrange(256)
        decoded += decode_and_preprocess(bytes(data))
    assert decoded >= 60, decoded
