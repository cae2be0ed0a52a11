"""The 15 common corruptions of ImageNet-C and CIFAR-10-C (Hendrycks & Dietterich, ICLR 2019), at 5 severities.

    picture = model_picture(loaded, "cat.jpg")              # (H, W, 3) uint8: what the model sees, resized, cropped
    foggy = corrupt(picture, "fog", severity=3, seed=0)     # (H, W, 3) uint8, the same pixels for the same seed

Each corruption is one small function `f(x, c, rng)` on a float picture x (H, W, 3) in [0, 1], with `c` its
parameter at one severity, as published: ImageNet-C's (github.com/hendrycks/robustness, ImageNet-C/create_c/
make_imagenet_c.py) for 224-pixel pictures, CIFAR-10-C's (make_cifar_c.py) for 32-pixel ones. `corrupt` picks the
set by the picture's size (up to 64 pixels CIFAR-10-C's, else ImageNet-C's), draws every random number from a
generator seeded by (seed, key, corruption, severity), and rounds the result back to 8 bits, as the published
data sets store it (CIFAR-10-C as uint8 arrays; ImageNet-C also re-encoded as JPEG at quality 85, not done here).

Where the originals call ImageMagick (motion blur, snow) or OpenCV, explorer.analysis.corruption_tools writes the
same operation on NumPy / SciPy. Frost overlays a texture generated procedurally (`frost_texture`): the published
code's frost photographs come without a stated origin or licence. Severity 0 is the picture itself.
"""
from __future__ import annotations

import io
from typing import Callable

import numpy as np
from matplotlib.colors import hsv_to_rgb, rgb_to_hsv
from PIL import Image

from explorer.analysis import corruption_tools as tools
from explorer.errors import ExplorerError
from explorer.text.i18n import t

CORRUPTIONS = ("gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur",
               "zoom_blur", "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate",
               "jpeg_compression")
SEVERITIES = (1, 2, 3, 4, 5)
# The four groups of the paper's Figure 1, for charts that colour the corruptions by kind.
GROUPS = {"noise": CORRUPTIONS[0:3], "blur": CORRUPTIONS[3:7], "weather": CORRUPTIONS[7:11],
          "digital": CORRUPTIONS[11:15]}
CIFAR_MAX_SIZE = 64  # pictures up to this size get CIFAR-10-C's parameters, larger ones ImageNet-C's
# Each corruption's and group's name as a visitor reads it, by catalogue key (explorer/text/locales): t(NAMES[c]).
NAMES = {"gaussian_noise": "corruptions.gaussian_noise", "shot_noise": "corruptions.shot_noise",
         "impulse_noise": "corruptions.impulse_noise", "defocus_blur": "corruptions.defocus_blur",
         "glass_blur": "corruptions.glass_blur", "motion_blur": "corruptions.motion_blur",
         "zoom_blur": "corruptions.zoom_blur", "snow": "corruptions.snow", "frost": "corruptions.frost",
         "fog": "corruptions.fog", "brightness": "corruptions.brightness", "contrast": "corruptions.contrast",
         "elastic_transform": "corruptions.elastic_transform", "pixelate": "corruptions.pixelate",
         "jpeg_compression": "corruptions.jpeg_compression"}
GROUP_NAMES = {"noise": "corruptions.group.noise", "blur": "corruptions.group.blur",
               "weather": "corruptions.group.weather", "digital": "corruptions.group.digital"}


def corruption_name(corruption: str) -> str:
    """"gaussian_noise" -> "Gaussian noise", in the language spoken (an unknown name: its words)."""
    return t(NAMES[corruption]) if corruption in NAMES else corruption.replace("_", " ")


def group_name(group: str) -> str:
    return t(GROUP_NAMES[group]) if group in GROUP_NAMES else group

# The published parameters, severity 1 to 5. Zoom blur: (stop, step) of np.arange(1, stop, step), the zoom factors.
# Elastic: ImageNet-C's own code scales by 244 ("should have been 224, but ultimately nothing is incorrect").
IMAGENET_C: dict[str, tuple] = {
    "gaussian_noise": (0.08, 0.12, 0.18, 0.26, 0.38),
    "shot_noise": (60, 25, 12, 5, 3),
    "impulse_noise": (0.03, 0.06, 0.09, 0.17, 0.27),
    "defocus_blur": ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)),  # (radius, alias blur)
    "glass_blur": ((0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)),  # (sigma, max delta, iterations)
    "motion_blur": ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15)),  # (radius, sigma)
    "zoom_blur": ((1.11, 0.01), (1.16, 0.01), (1.21, 0.02), (1.26, 0.02), (1.31, 0.03)),
    # (mean, std, zoom, threshold, blur radius, blur sigma, how much of the picture stays itself)
    "snow": ((0.1, 0.3, 3, 0.5, 10, 4, 0.8), (0.2, 0.3, 2, 0.5, 12, 4, 0.7), (0.55, 0.3, 4, 0.9, 12, 8, 0.7),
             (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65), (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55)),
    "frost": ((1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75)),  # (picture weight, frost weight)
    "fog": ((1.5, 2), (2, 2), (2.5, 1.7), (2.5, 1.5), (3, 1.4)),  # (strength, decay of the fractal)
    "brightness": (0.1, 0.2, 0.3, 0.4, 0.5),
    "contrast": (0.4, 0.3, 0.2, 0.1, 0.05),
    "elastic_transform": tuple(tuple(244 * v for v in c) for c in (  # (alpha, sigma, affine amplitude), pixels
        (2, 0.7, 0.1), (2, 0.08, 0.2), (0.05, 0.01, 0.02), (0.07, 0.01, 0.02), (0.12, 0.01, 0.02))),
    "pixelate": (0.6, 0.5, 0.4, 0.3, 0.25),
    "jpeg_compression": (25, 18, 15, 10, 7),
}
CIFAR10_C: dict[str, tuple] = {
    "gaussian_noise": (0.04, 0.06, 0.08, 0.09, 0.10),
    "shot_noise": (500, 250, 100, 75, 50),
    "impulse_noise": (0.01, 0.02, 0.03, 0.05, 0.07),
    "defocus_blur": ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)),
    "glass_blur": ((0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)),
    "motion_blur": ((6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)),
    "zoom_blur": ((1.06, 0.01), (1.11, 0.01), (1.16, 0.01), (1.21, 0.01), (1.26, 0.01)),
    "snow": ((0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
             (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)),
    "frost": ((1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)),
    "fog": ((0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)),
    "brightness": (0.05, 0.1, 0.15, 0.2, 0.3),
    "contrast": (0.75, 0.5, 0.4, 0.3, 0.15),
    "elastic_transform": tuple(tuple(32 * v for v in c) for c in (
        (0, 0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06), (0.1, 0.04, 0.05), (0.1, 0.03, 0.03))),
    "pixelate": (0.95, 0.9, 0.85, 0.75, 0.65),
    "jpeg_compression": (80, 65, 58, 50, 40),
}
PARAMETER_SETS = {"ImageNet-C": IMAGENET_C, "CIFAR-10-C": CIFAR10_C}


# ---------------------------------------------------------------------------------------------- noise


def gaussian_noise(x: np.ndarray, std: float, rng: np.random.Generator) -> np.ndarray:
    """Add N(0, std²) to every value."""
    return x + rng.normal(size=x.shape, scale=std)


def shot_noise(x: np.ndarray, photons: float, rng: np.random.Generator) -> np.ndarray:
    """Photon noise: each value becomes Poisson(x · photons) / photons (mean x, variance x / photons)."""
    return rng.poisson(x * photons) / photons


def impulse_noise(x: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """Salt and pepper (skimage's random_noise 's&p'): each value, with probability `amount`, is set to 1 or 0,
    even odds."""
    flipped = rng.random(x.shape) <= amount
    salt = rng.random(x.shape) <= 0.5
    return np.where(flipped, salt.astype(np.float64), x)


# ---------------------------------------------------------------------------------------------- blur


def defocus_blur(x: np.ndarray, c: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """A lens out of focus: convolve with a disk of radius c[0] pixels (softened by a Gaussian of sigma c[1])."""
    return tools.filter_channels(x, tools.disk_kernel(*c))


def glass_blur(x: np.ndarray, c: tuple[float, int, int], rng: np.random.Generator) -> np.ndarray:
    """Frosted glass: blur (sigma c[0]), round to 8 bits, shuffle pixels locally (up to c[1] pixels, c[2] sweeps),
    blur again."""
    sigma, max_delta, iterations = c
    blurred = np.floor(tools.gaussian_blur(x, sigma) * 255) / 255  # the published code casts to uint8 here
    return tools.gaussian_blur(tools.local_shuffle(blurred, int(max_delta), int(iterations), rng), sigma)


def motion_blur(x: np.ndarray, c: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """A camera moving while the shutter is open: ImageMagick's motion blur, radius c[0], sigma c[1], in a
    direction drawn in [-45°, 45°)."""
    return tools.motion_blur(x, c[0], c[1], rng.uniform(-45, 45))


def zoom_blur(x: np.ndarray, c: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """A zoom while the shutter is open: the mean of the picture and its zooms into the centre by each factor of
    np.arange(1, c[0], c[1])."""
    factors = np.arange(1, c[0], c[1])
    zooms = sum(tools.clipped_zoom(x, f) for f in factors)
    return (x + zooms) / (len(factors) + 1)


# ---------------------------------------------------------------------------------------------- weather


def snow(x: np.ndarray, c: tuple, rng: np.random.Generator) -> np.ndarray:
    """Falling snow: a thresholded, zoomed Gaussian noise layer (mean c[0], std c[1], zoom c[2], threshold c[3])
    smeared by a motion blur (radius c[4], sigma c[5], downwards within ±45°), added twice (once turned 180°)
    to the picture, itself whitened: c[6] of it stays, the rest is max(picture, 1.5 · grey + 0.5)."""
    mean, std, zoom, threshold, radius, sigma, keep = c
    layer = rng.normal(size=x.shape[:2], loc=mean, scale=std)
    layer = tools.clipped_zoom(layer[..., None], zoom)[..., 0]
    layer[layer < threshold] = 0
    layer = np.round(np.clip(layer, 0, 1) * 255) / 255  # the published code passes it on as an 8-bit PNG
    layer = tools.motion_blur(layer, radius, sigma, rng.uniform(-135, -45))[..., None]
    grey = (x @ np.array([0.299, 0.587, 0.114]))[..., None]  # OpenCV's RGB2GRAY
    x = keep * x + (1 - keep) * np.maximum(x, grey * 1.5 + 0.5)
    return x + layer + np.rot90(layer, k=2)


def frost(x: np.ndarray, c: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """Frost on a window: c[0] · picture + c[1] · a frost texture (corruption_tools.frost_texture, generated
    procedurally: see its docstring)."""
    return c[0] * x + c[1] * tools.frost_texture(x.shape[0], rng)


def fog(x: np.ndarray, c: tuple[float, float], rng: np.random.Generator) -> np.ndarray:
    """Fog: add c[0] · a plasma fractal (decay c[1]), then scale so the picture's brightest value stays put."""
    peak = x.max()
    size = tools.power_of_two(max(x.shape[:2]))
    x = x + c[0] * tools.plasma_fractal(size, c[1], rng)[: x.shape[0], : x.shape[1], None]
    return x * peak / (peak + c[0])


def brightness(x: np.ndarray, shift: float, rng: np.random.Generator) -> np.ndarray:
    """Brighter light: add `shift` to the value V of HSV (clipped at 1), hue and saturation unchanged."""
    hsv = rgb_to_hsv(np.clip(x, 0, 1))
    hsv[..., 2] = np.clip(hsv[..., 2] + shift, 0, 1)
    return hsv_to_rgb(hsv)


# ---------------------------------------------------------------------------------------------- digital


def contrast(x: np.ndarray, factor: float, rng: np.random.Generator) -> np.ndarray:
    """Less contrast: each channel's distance from its mean multiplied by `factor`."""
    means = x.mean(axis=(0, 1), keepdims=True)
    return (x - means) * factor + means


def elastic_transform(x: np.ndarray, c: tuple[float, float, float], rng: np.random.Generator) -> np.ndarray:
    """An elastic warp: a random affine map (three points moved up to c[2] pixels), then every pixel displaced by
    a smooth random field (uniform noise blurred with sigma c[1], times c[0] pixels)."""
    alpha, sigma, amplitude = c
    h, w = x.shape[:2]
    centre, third = np.float32([w, h]) // 2, min(h, w) // 3
    src = np.float32([centre + third, [centre[0] + third, centre[1] - third], centre - third])
    dst = src + rng.uniform(-amplitude, amplitude, size=src.shape).astype(np.float32)
    x = tools.warp_affine(x.astype(np.float64), tools.affine_from_points(src, dst))
    dx = tools.gaussian_blur(rng.uniform(-1, 1, size=(h, w)), sigma, mode="reflect", truncate=3) * alpha
    dy = tools.gaussian_blur(rng.uniform(-1, 1, size=(h, w)), sigma, mode="reflect", truncate=3) * alpha
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    coordinates = np.stack([rows + dy, cols + dx])
    from scipy.ndimage import map_coordinates  # here, not at import: scipy costs the app's start ~0.6 s

    return np.stack([map_coordinates(x[..., k], coordinates, order=1, mode="reflect") for k in range(x.shape[2])],
                    axis=-1)


def pixelate(x: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """Low resolution: box-downsample to `scale` of the size, box-upsample back (Pillow's BOX filter)."""
    h, w = x.shape[:2]
    image = Image.fromarray(to_uint8(x))
    small = image.resize((int(w * scale), int(h * scale)), Image.Resampling.BOX)
    return np.asarray(small.resize((w, h), Image.Resampling.BOX)) / 255.0


def jpeg_compression(x: np.ndarray, quality: int, rng: np.random.Generator) -> np.ndarray:
    """JPEG artefacts: encode with Pillow at this quality, decode."""
    buffer = io.BytesIO()
    Image.fromarray(to_uint8(x)).save(buffer, "JPEG", quality=int(quality))
    return np.asarray(Image.open(buffer).convert("RGB")) / 255.0


FUNCTIONS: dict[str, Callable[[np.ndarray, object, np.random.Generator], np.ndarray]] = {
    name: globals()[name] for name in CORRUPTIONS
}


# ---------------------------------------------------------------------------------------------- applying one


def to_uint8(x: np.ndarray) -> np.ndarray:
    """(H, W, 3) float in [0, 1] (clipped) -> uint8, rounded."""
    return np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)


def parameter_set(size: int) -> str:
    """Which published parameters a picture of this size (pixels a side) gets: "CIFAR-10-C" or "ImageNet-C"."""
    return "CIFAR-10-C" if size <= CIFAR_MAX_SIZE else "ImageNet-C"


def parameter(name: str, severity: int, size: int) -> object:
    """The published parameter of a corruption at a severity (1 to 5) for pictures of this size."""
    return PARAMETER_SETS[parameter_set(size)][name][severity - 1]


def check_corruptions(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The names, checked: each one of CORRUPTIONS (raises ExplorerError naming the unknown one and the choices)."""
    for name in names:
        if name not in CORRUPTIONS:
            raise ExplorerError(t("errors.corruptions.unknown", name=repr(name), choices=", ".join(CORRUPTIONS)))
    if not names:
        raise ExplorerError(t("errors.corruptions.none"))
    return tuple(names)


def check_severities(severities: list[int] | tuple[int, ...]) -> tuple[int, ...]:
    """The severities, checked: each 1 to 5."""
    bad = [s for s in severities if s not in SEVERITIES]
    if bad or not severities:
        got = ", ".join(map(str, bad)) or t("errors.corruptions.nothing")
        raise ExplorerError(t("errors.corruptions.severities", got=got))
    return tuple(severities)


def generator(seed: int, name: str, severity: int, key: int = 0) -> np.random.Generator:
    """The random numbers of one corruption at one severity of one picture (`key`: which picture, e.g. of a
    folder), independent of which other corruptions or pictures are computed, and in what order."""
    return np.random.default_rng([seed, key, CORRUPTIONS.index(name), severity])


def corrupt(picture: np.ndarray, name: str, severity: int, seed: int = 0, key: int = 0) -> np.ndarray:
    """(H, W, 3) uint8 -> (H, W, 3) uint8: the picture under one corruption at one severity (0: unchanged), with
    the parameters for its size; the same picture, corruption, severity, seed and key give the same pixels."""
    check_corruptions([name])
    if severity == 0:
        return picture.copy()
    check_severities([severity])
    x = picture.astype(np.float64) / 255.0
    c = parameter(name, severity, picture.shape[0])
    return to_uint8(FUNCTIONS[name](x, c, generator(seed, name, severity, key)))
