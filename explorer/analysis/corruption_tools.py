"""The image operations the corruptions are built from, on NumPy and SciPy (explorer.analysis.corruptions uses them).

Hendrycks & Dietterich's code (github.com/hendrycks/robustness, ImageNet-C/create_c/, Apache-2.0) calls OpenCV,
scikit-image and ImageMagick (through Wand); these are the same operations written out, with OpenCV's and
ImageMagick's conventions kept where they decide the result (border modes, kernel sizes, the motion-blur kernel).
Every random draw comes from the `np.random.Generator` passed in, so a seed fixes every pixel.

Pictures are float arrays (H, W, 3) in [0, 1]; maps are (H, W).
"""
from __future__ import annotations

import math

import numpy as np


def gaussian_blur(x: np.ndarray, sigma: float, mode: str = "nearest", truncate: float = 4.0) -> np.ndarray:
    """skimage.filters.gaussian as the published code calls it: each colour channel (or a 2-D map) blurred alone,
    border 'nearest', the kernel cut at `truncate` sigmas."""
    from scipy import ndimage  # here, not at import: scipy costs the app's start ~0.6 s
    if sigma <= 0:
        return x.astype(np.float64)
    sigmas = (sigma, sigma, 0) if x.ndim == 3 else sigma
    return ndimage.gaussian_filter(x.astype(np.float64), sigmas, mode=mode, truncate=truncate)


def gaussian_kernel_1d(size: int, sigma: float) -> np.ndarray:
    """(size,) OpenCV's getGaussianKernel for a positive sigma: exp(-d²/2σ²) around the centre, summing to 1."""
    d = np.arange(size) - (size - 1) / 2
    kernel = np.exp(-(d**2) / (2 * sigma**2))
    return kernel / kernel.sum()


def disk_kernel(radius: float, alias_blur: float) -> np.ndarray:
    """(k, k) the defocus kernel: the pixels within `radius` of the centre, equally weighted, then softened by a
    small Gaussian (OpenCV's GaussianBlur, 3x3 up to radius 8, else 5x5, border reflect-101) against aliasing."""
    from scipy import ndimage  # here, not at import: scipy costs the app's start ~0.6 s
    half = 8 if radius <= 8 else int(radius)
    grid = np.arange(-half, half + 1)
    xx, yy = np.meshgrid(grid, grid)
    disk = ((xx**2 + yy**2) <= radius**2).astype(np.float64)
    disk /= disk.sum()
    g = gaussian_kernel_1d(3 if radius <= 8 else 5, alias_blur)
    disk = ndimage.correlate1d(disk, g, axis=0, mode="mirror")  # OpenCV's default border is reflect-101: 'mirror'
    return ndimage.correlate1d(disk, g, axis=1, mode="mirror")


def filter_channels(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """OpenCV's filter2D on each channel: correlation with the (odd-sized, centred) kernel, border reflect-101.
    Computed as an FFT convolution of the mirrored-padded picture with the flipped kernel (a defocus disk of
    radius 10 is a 21x21 kernel: directly, 441 multiply-adds a pixel)."""
    from scipy import signal  # here, not at import: scipy costs the app's start ~0.6 s
    half_h, half_w = kernel.shape[0] // 2, kernel.shape[1] // 2
    padded = np.pad(x, ((half_h, half_h), (half_w, half_w), (0, 0)), mode="reflect")  # numpy's reflect: cba|abc
    return signal.fftconvolve(padded, kernel[::-1, ::-1, None], mode="valid", axes=(0, 1))


def motion_kernel(radius: float, sigma: float) -> np.ndarray:
    """(2·ceil(radius) + 1,) ImageMagick's MotionBlurImage weights: a one-sided Gaussian, exp(-i²/2σ²) for the
    i-th pixel behind, normalised to sum to 1."""
    i = np.arange(2 * math.ceil(radius) + 1)
    weights = np.exp(-(i**2) / (2 * sigma**2))
    return weights / weights.sum()


def motion_blur(x: np.ndarray, radius: float, sigma: float, angle: float) -> np.ndarray:
    """ImageMagick's MotionBlurImage (what the published code calls through Wand): each output pixel is the
    motion_kernel-weighted sum of the pixels i = 0, 1, … steps along `angle` (degrees, 0 = towards +x, 90 = +y),
    rounded to the pixel grid, with the image's edge pixels repeated beyond it. x: (H, W) or (H, W, C)."""
    weights = motion_kernel(radius, sigma)
    n = len(weights)
    dx = np.ceil(np.arange(n) * math.cos(math.radians(angle)) - 0.5).astype(int)
    dy = np.ceil(np.arange(n) * math.sin(math.radians(angle)) - 0.5).astype(int)
    h, w = x.shape[:2]
    pad = n  # no offset reaches further than n - 1
    padding = ((pad, pad), (pad, pad)) + ((0, 0),) * (x.ndim - 2)
    padded = np.pad(x.astype(np.float64), padding, mode="edge")
    out = np.zeros(x.shape, dtype=np.float64)
    for weight, ox, oy in zip(weights, dx, dy):
        out += weight * padded[pad + oy: pad + oy + h, pad + ox: pad + ox + w]
    return out


def linear_zoom(x: np.ndarray, factor: float) -> np.ndarray:
    """(n, n, C) -> (round(n·factor), round(n·factor), C) by linear interpolation: scipy.ndimage.zoom(x, (factor,
    factor, 1), order=1), written as two 1-D interpolations (output pixel i samples input position
    i·(n - 1)/(m - 1), as scipy's zoom does without grid_mode)."""
    n = x.shape[0]
    m = int(round(n * factor))
    position = np.arange(m) * ((n - 1) / (m - 1)) if m > 1 else np.zeros(1)
    low = np.minimum(np.floor(position).astype(int), n - 1)
    high = np.minimum(low + 1, n - 1)
    weight = position - low
    rows = x[low] * (1 - weight)[:, None, None] + x[high] * weight[:, None, None]
    return rows[:, low] * (1 - weight)[None, :, None] + rows[:, high] * weight[None, :, None]


def clipped_zoom(x: np.ndarray, factor: float) -> np.ndarray:
    """(H, W, C) -> (H, W, C): the central 1/factor of the image enlarged `factor` times (linear interpolation),
    then centre-cropped back to H x W: a zoom into the middle."""
    h = x.shape[0]
    crop = int(np.ceil(h / factor))
    top = (h - crop) // 2
    zoomed = linear_zoom(x[top:top + crop, top:top + crop], factor)
    trim = (zoomed.shape[0] - h) // 2
    return zoomed[trim:trim + h, trim:trim + h]


def plasma_fractal(size: int, decay: float, rng: np.random.Generator) -> np.ndarray:
    """(size, size) in [0, 1], size a power of two: the diamond-square height map (fog's, and frost's clouds),
    each finer scale's random displacement `decay` times smaller than the one above."""
    assert size & (size - 1) == 0, "the plasma fractal needs a power-of-two size"
    heights = np.zeros((size, size))
    step, wibble = size, 100.0

    def wibbled_mean(total: np.ndarray) -> np.ndarray:
        return total / 4 + wibble * rng.uniform(-wibble, wibble, total.shape)

    while step >= 2:
        half = step // 2
        # squares: each square's centre is the mean of its four corners, displaced
        corners = heights[0:size:step, 0:size:step]
        total = corners + np.roll(corners, -1, axis=0)
        total += np.roll(total, -1, axis=1)
        heights[half:size:step, half:size:step] = wibbled_mean(total)
        # diamonds: each edge's midpoint is the mean of its diamond's four points, displaced
        centres = heights[half:size:step, half:size:step]
        corners = heights[0:size:step, 0:size:step]
        left = centres + np.roll(centres, 1, axis=0) + corners + np.roll(corners, -1, axis=1)
        heights[0:size:step, half:size:step] = wibbled_mean(left)
        top = centres + np.roll(centres, 1, axis=1) + corners + np.roll(corners, -1, axis=0)
        heights[half:size:step, 0:size:step] = wibbled_mean(top)
        step //= 2
        wibble /= decay
    heights -= heights.min()
    return heights / heights.max()


def power_of_two(n: int) -> int:
    """The smallest power of two >= n."""
    return 1 << max(0, math.ceil(math.log2(n)))


def local_shuffle(x: np.ndarray, max_delta: int, iterations: int, rng: np.random.Generator) -> np.ndarray:
    """Glass blur's pixel shuffle: sweeping from the bottom right corner, each pixel (h, w) with h, w in
    (max_delta, size - max_delta] swaps places with the pixel (h + dy, w + dx), dx and dy drawn in
    [-max_delta, max_delta). The swaps run in order on an index list (a pixel swapped early can move again)."""
    h, w = x.shape[:2]
    rows, cols = np.meshgrid(np.arange(h - max_delta, max_delta, -1), np.arange(w - max_delta, max_delta, -1),
                             indexing="ij")
    order = list(range(h * w))  # order[p]: which original pixel sits at position p
    for _ in range(iterations):
        dx, dy = rng.integers(-max_delta, max_delta, size=(2, rows.size))
        here = (rows.ravel() * w + cols.ravel()).tolist()
        there = ((rows.ravel() + dy) * w + cols.ravel() + dx).tolist()
        for a, b in zip(here, there):  # in order: each swap sees the ones before it
            order[a], order[b] = order[b], order[a]
    return x.reshape(h * w, -1)[order].reshape(x.shape)


def affine_from_points(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """(2, 3) the affine map taking three (x, y) points `src` to `dst` (OpenCV's getAffineTransform)."""
    a = np.hstack([src, np.ones((3, 1))])  # (3, 3)
    return np.linalg.solve(a, dst).T


def warp_affine(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """OpenCV's warpAffine(x, matrix) with linear interpolation and border reflect-101: the output at (x, y) is
    the input at matrix⁻¹(x, y). scipy works in (row, col), OpenCV in (x, y): the axes are swapped both ways."""
    from scipy import ndimage  # here, not at import: scipy costs the app's start ~0.6 s
    a, b = matrix[:, :2], matrix[:, 2]
    inverse = np.linalg.inv(a)
    swap = np.array([[0, 1], [1, 0]])
    rc_matrix, rc_offset = swap @ inverse @ swap, swap @ (-inverse @ b)
    return np.stack([ndimage.affine_transform(x[..., c], rc_matrix, rc_offset, order=1, mode="mirror")
                     for c in range(x.shape[2])], axis=-1)


def frost_texture(size: int, rng: np.random.Generator) -> np.ndarray:
    """(size, size, 3) in [0, 1]: a frost texture made here, procedurally, not photographed.

    ImageNet-C overlays crops of six frost photographs shipped in its repository; their origin and licence are
    not stated, so none is copied here. This texture is built to look and weigh like them: a cloudy plasma-fractal
    base, bright ice needles (sparse seeds smeared by a motion blur in a few random directions), tinted blue-white.
    Its mean colour (about 0.55, 0.63, 0.70) and spread (about 0.15) match the photographs' average, measured on
    the five the published code draws from, so each severity's blend weights give a comparable veil.
    """
    side = power_of_two(size)
    clouds = plasma_fractal(side, 1.8, rng)[:size, :size]
    needles = np.zeros((size, size))
    length = max(2.0, size / 12)  # needle length scales with the picture: a needle is a detail, never a stripe
    for _ in range(4):  # four families of parallel needles, each its own direction
        seeds = (rng.random((size, size)) < 0.02) * rng.uniform(0.5, 1.0, (size, size))
        needles += motion_blur(seeds, length, length / 2, rng.uniform(0, 360))
    needles /= max(needles.max(), 1e-12)
    grey = 0.45 * clouds + 0.9 * needles
    grey = (grey - grey.mean()) / max(grey.std(), 1e-12) * 0.15 + 0.63  # the photographs' mean and spread
    tint = np.array([0.87, 1.0, 1.11])  # blue-white, as the photographs' mean colour (0.57, 0.66, 0.70 over 0.64)
    return np.clip(grey[..., None] * tint, 0, 1)
