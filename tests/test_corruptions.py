"""The 15 corruptions, each against its definition (the published parameters, measured on the output), seeded."""
from __future__ import annotations

import colorsys
import io
import math

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from explorer.analysis import corruption_tools as tools
from explorer.analysis import corruptions as C
from explorer.errors import ExplorerError


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def grey(size: int, value: float = 0.5) -> np.ndarray:
    return np.full((size, size, 3), value)


def photo_picture(photo, size: int) -> np.ndarray:
    return np.asarray(photo.resize((size, size)))


# ---------------------------------------------------------------------------------------------- noise


@pytest.mark.parametrize("severity", [1, 3])
def test_gaussian_noise_adds_noise_of_the_published_standard_deviation(severity):
    std = C.IMAGENET_C["gaussian_noise"][severity - 1]
    added = C.gaussian_noise(grey(224), std, rng()) - 0.5
    assert abs(added.mean()) < 0.002
    assert added.std() == pytest.approx(std, rel=0.01)


def test_gaussian_noise_through_corrupt_uses_cifar_parameters_on_32_pixel_pictures():
    picture = np.full((32, 32, 3), 128, np.uint8)
    noisy = np.stack([C.corrupt(picture, "gaussian_noise", 3, seed=s) for s in range(20)]).astype(float)
    # CIFAR-10-C's severity 3 is 0.08 (ImageNet-C's would be 0.18), in 8-bit steps
    assert (noisy - 128).std() == pytest.approx(0.08 * 255, rel=0.03)


def test_shot_noise_is_poisson_with_the_published_photon_count():
    photons = C.CIFAR10_C["shot_noise"][2]  # 100
    out = C.shot_noise(grey(224, 0.4), photons, rng())
    assert out.mean() == pytest.approx(0.4, abs=0.001)
    assert out.var() == pytest.approx(0.4 / photons, rel=0.02)  # a Poisson's variance is its mean
    assert np.allclose(out * photons, np.round(out * photons))  # whole photon counts


def test_impulse_noise_sets_the_published_share_of_values_to_0_or_1():
    amount = C.IMAGENET_C["impulse_noise"][3]  # 0.17
    out = C.impulse_noise(grey(224), amount, rng())
    assert (out == 0).mean() == pytest.approx(amount / 2, rel=0.03)
    assert (out == 1).mean() == pytest.approx(amount / 2, rel=0.03)
    assert ((out == 0) | (out == 1) | (out == 0.5)).all()


# ---------------------------------------------------------------------------------------------- blur


def impulse(size: int = 65) -> np.ndarray:
    x = np.zeros((size, size, 3))
    x[size // 2, size // 2] = 1.0
    return x


@pytest.mark.parametrize("radius,alias", [(3, 0.1), (6, 0.5), (10, 0.5)])
def test_defocus_blur_spreads_a_point_over_a_disk_of_the_published_radius(radius, alias):
    out = C.defocus_blur(impulse(), (radius, alias), rng())[..., 0]
    centre = 65 // 2
    yy, xx = np.mgrid[:65, :65] - centre
    distance = np.hypot(yy, xx)
    lattice_points = int(((yy**2 + xx**2) <= radius**2).sum())
    if radius <= 8:  # a 17x17 kernel with room around the disk; at 10 the disk fills its 21x21 kernel, whose 5x5
        # anti-aliasing reflects at the kernel's edge (OpenCV's border), so the published kernel sums to ~1.01
        assert out.sum() == pytest.approx(1.0)
        assert np.abs(out[distance > radius + math.sqrt(2)]).max() < 1e-12  # the 3x3 anti-aliasing adds a pixel
    assert np.abs(out[distance > radius + 2 * math.sqrt(2)]).max() < 1e-12
    assert out[centre, centre] == pytest.approx(1 / lattice_points, rel=1e-6)  # flat inside the disk


def test_the_fft_filter_is_opencvs_correlation_with_a_reflect_101_border():
    x = rng().random((40, 50, 3))
    kernel = rng(1).random((7, 7))
    expected = np.stack([ndimage.correlate(x[..., c], kernel, mode="mirror") for c in range(3)], axis=-1)
    np.testing.assert_allclose(tools.filter_channels(x, kernel), expected, atol=1e-12)


@pytest.mark.parametrize("radius,sigma", [(10, 3), (6, 1.5)])
def test_motion_blur_drags_a_point_into_a_one_sided_gaussian_line(radius, sigma):
    width = 2 * math.ceil(radius) + 1
    weights = np.exp(-np.arange(width) ** 2 / (2 * sigma**2))
    weights /= weights.sum()
    x = impulse()[..., 0]
    centre = 65 // 2
    horizontal = tools.motion_blur(x, radius, sigma, 0)  # each pixel sums the pixels to its right
    np.testing.assert_allclose(horizontal[centre, centre - width + 1: centre + 1], weights[::-1], atol=1e-12)
    assert horizontal.sum() == pytest.approx(1.0) and np.count_nonzero(horizontal > 1e-15) == width
    vertical = tools.motion_blur(x, radius, sigma, 90)
    np.testing.assert_allclose(vertical[centre - width + 1: centre + 1, centre], weights[::-1], atol=1e-12)


def test_motion_blur_keeps_a_flat_picture_flat_up_to_its_edges():
    np.testing.assert_allclose(C.motion_blur(grey(64, 0.3), (15, 5), rng()), 0.3)


def test_linear_zoom_is_scipys_order_1_zoom():
    x = rng().random((51, 51, 3))
    for factor in (1.0, 1.06, 1.3):
        np.testing.assert_allclose(tools.linear_zoom(x, factor), ndimage.zoom(x, (factor, factor, 1), order=1),
                                   atol=1e-12)


def test_zoom_blur_averages_the_zooms_by_the_published_factors():
    size, radius = 224, 40
    yy, xx = np.mgrid[:size, :size] - (size - 1) / 2
    disk = np.repeat((np.hypot(yy, xx) <= radius)[..., None], 3, axis=2).astype(float)
    stop, step = C.IMAGENET_C["zoom_blur"][4]
    factors = np.arange(1, stop, step)
    out = C.zoom_blur(disk, (stop, step), rng())
    # each zoom by z enlarges the disk's area z² times; the picture itself counts once more
    expected = disk.mean() * (1 + (factors**2).sum()) / (len(factors) + 1)
    assert out.mean() == pytest.approx(expected, rel=0.02)
    assert out[size // 2, size // 2, 0] == pytest.approx(1.0)


def test_glass_blurs_shuffle_moves_pixels_only_locally_and_loses_none():
    x = rng().random((32, 32, 3))
    out = tools.local_shuffle(x, 1, 2, rng(5))
    assert sorted(map(tuple, out.reshape(-1, 3))) == sorted(map(tuple, x.reshape(-1, 3)))  # a permutation
    np.testing.assert_array_equal(out[0], x[0])  # the sweep never reaches the first row or column
    np.testing.assert_array_equal(out[:, 0], x[:, 0])
    assert not np.array_equal(out, x)


def test_glass_blur_keeps_a_flat_picture_flat():
    np.testing.assert_allclose(C.glass_blur(grey(32, 0.6), C.CIFAR10_C["glass_blur"][4], rng()),
                               np.floor(0.6 * 255) / 255, atol=1e-9)  # rounded down to 8 bits in the middle


# ---------------------------------------------------------------------------------------------- weather


def test_fog_keeps_the_brightest_value_and_darkens_where_the_fractal_is_0():
    value, (strength, decay) = 0.6, C.CIFAR10_C["fog"][3]
    out = C.fog(grey(32, value), (strength, decay), rng())  # a 32-pixel picture holds its whole 32x32 fractal
    assert out.max() == pytest.approx(value)  # where the fractal is 1: (v + s)·v/(v + s)
    assert out.min() == pytest.approx(value * value / (value + strength))  # where it is 0


def test_the_plasma_fractal_spans_0_to_1_and_is_seeded():
    a, b = tools.plasma_fractal(64, 2, rng(3)), tools.plasma_fractal(64, 2, rng(3))
    assert a.min() == 0 and a.max() == 1 and np.array_equal(a, b)


def test_snow_only_adds_to_the_whitened_picture(photo):
    x = photo_picture(photo, 224) / 255.0
    c = C.IMAGENET_C["snow"][2]
    keep = c[6]
    grey_ = x @ np.array([0.299, 0.587, 0.114])
    base = keep * x + (1 - keep) * np.maximum(x, grey_[..., None] * 1.5 + 0.5)
    out = C.snow(x, c, rng())
    assert (out >= base - 1e-12).all()
    assert (out > base + 0.1).mean() > 0.01  # flakes fell


def test_frost_blends_the_picture_and_a_generated_texture_with_the_published_weights(photo):
    x = photo_picture(photo, 224) / 255.0
    c = C.IMAGENET_C["frost"][2]
    texture = tools.frost_texture(224, rng(7))
    np.testing.assert_allclose(C.frost(x, c, rng(7)), c[0] * x + c[1] * texture)
    assert texture.min() >= 0 and texture.max() <= 1
    # as bright and as blue as ImageNet-C's frost photographs on average
    np.testing.assert_allclose(texture.mean(axis=(0, 1)), [0.55, 0.63, 0.70], atol=0.05)


def test_brightness_adds_the_published_shift_to_hsv_value(photo):
    x = photo_picture(photo, 32) / 255.0
    shift = C.CIFAR10_C["brightness"][4]
    out = C.brightness(x, shift, rng())
    for r, c in [(3, 4), (10, 20), (16, 16), (30, 2)]:
        h, s, v = colorsys.rgb_to_hsv(*x[r, c])
        h2, s2, v2 = colorsys.rgb_to_hsv(*out[r, c])
        assert v2 == pytest.approx(min(v + shift, 1.0))
        assert (h2, s2) == pytest.approx((h, s), abs=1e-9)


# ---------------------------------------------------------------------------------------------- digital


def test_contrast_scales_each_channels_spread_by_the_published_factor(photo):
    x = photo_picture(photo, 224) / 255.0
    factor = C.IMAGENET_C["contrast"][0]
    out = C.contrast(x, factor, rng())
    np.testing.assert_allclose(out.std(axis=(0, 1)), factor * x.std(axis=(0, 1)))
    np.testing.assert_allclose(out.mean(axis=(0, 1)), x.mean(axis=(0, 1)))


def test_elastic_transform_without_displacement_is_the_picture_and_its_affine_part_keeps_lines_straight(photo):
    x = photo_picture(photo, 32) / 255.0
    np.testing.assert_allclose(C.elastic_transform(x, (0, 0, 0), rng()), x, atol=1e-12)
    ramp = np.repeat(np.tile(np.linspace(0.2, 0.8, 64), (64, 1))[..., None], 3, axis=2)
    warped = C.elastic_transform(ramp, (0, 0, 64 * 0.08), rng(1))  # CIFAR-10-C severity 1: the affine map only
    inner = warped[16:48, 16:48, 0]  # away from the mirrored borders
    assert np.abs(np.diff(inner, 2, axis=0)).max() < 1e-6 and np.abs(np.diff(inner, 2, axis=1)).max() < 1e-6
    assert np.abs(warped - ramp).max() > 0.01


def test_elastic_transforms_smooth_field_moves_pixels(photo):
    x = photo_picture(photo, 224) / 255.0
    out = C.elastic_transform(x, C.IMAGENET_C["elastic_transform"][4], rng())
    assert np.abs(out - x).mean() > 0.02


def test_pixelate_averages_blocks_of_the_published_scale(photo):
    picture = photo_picture(photo, 224)
    out = C.corrupt(picture, "pixelate", 5)  # 0.25: 56x56 blocks of 4x4 pixels
    blocks = out.reshape(56, 4, 56, 4, 3).astype(int)
    assert (blocks == blocks[:, :1, :, :1]).all()  # each block one colour
    means = picture.reshape(56, 4, 56, 4, 3).mean(axis=(1, 3))
    assert np.abs(blocks[:, 0, :, 0] - means).max() <= 1


def test_jpeg_compression_is_a_jpeg_at_the_published_quality(photo):
    picture = photo_picture(photo, 224)
    quality = C.IMAGENET_C["jpeg_compression"][2]  # 15

    def round_trip(q: int) -> np.ndarray:
        buffer = io.BytesIO()
        Image.fromarray(picture).save(buffer, "JPEG", quality=q)
        return np.asarray(Image.open(buffer).convert("RGB"))

    out = C.corrupt(picture, "jpeg_compression", 3)
    np.testing.assert_array_equal(out, round_trip(quality))
    assert not np.array_equal(out, round_trip(quality + 10))


# ---------------------------------------------------------------------------------------------- applying one


def test_parameters_follow_the_pictures_size():
    assert C.parameter_set(32) == "CIFAR-10-C" and C.parameter_set(224) == "ImageNet-C"
    picture = np.full((32, 32, 3), 100, np.uint8)
    big = np.full((224, 224, 3), 100, np.uint8)
    # brightness at severity 1: +0.05 of V on CIFAR-10-C's pictures, +0.1 on ImageNet-C's
    assert C.corrupt(picture, "brightness", 1)[0, 0, 0] == round(100 + 0.05 * 255)
    assert C.corrupt(big, "brightness", 1)[0, 0, 0] == round(100 + 0.1 * 255)


@pytest.mark.parametrize("name", C.CORRUPTIONS)
def test_every_corruption_is_seeded_and_severity_0_is_the_picture(name, photo):
    picture = photo_picture(photo, 32)
    first = C.corrupt(picture, name, 4, seed=1)
    assert first.dtype == np.uint8 and first.shape == picture.shape
    np.testing.assert_array_equal(first, C.corrupt(picture, name, 4, seed=1))
    np.testing.assert_array_equal(C.corrupt(picture, name, 0, seed=1), picture)
    assert not np.array_equal(first, picture)
    deterministic = name in ("defocus_blur", "zoom_blur", "brightness", "contrast", "pixelate", "jpeg_compression")
    assert np.array_equal(first, C.corrupt(picture, name, 4, seed=2)) == deterministic
    assert np.array_equal(first, C.corrupt(picture, name, 4, seed=1, key=9)) == deterministic


def test_severities_grow_harsher(photo):
    picture = photo_picture(photo, 224)
    for name in ("gaussian_noise", "defocus_blur", "contrast", "pixelate"):
        change = [np.abs(C.corrupt(picture, name, s).astype(int) - picture).mean() for s in C.SEVERITIES]
        assert change == sorted(change), name


def test_unknown_corruptions_and_severities_are_named_in_the_error():
    picture = np.zeros((32, 32, 3), np.uint8)
    with pytest.raises(ExplorerError, match="unknown corruption 'smog': choose from gaussian_noise"):
        C.corrupt(picture, "smog", 1)
    with pytest.raises(ExplorerError, match="severities are 1 to 5; got 6"):
        C.corrupt(picture, "fog", 6)
