"""Feature visualisation: an image optimised from noise to excite one unit (Olah et al., Distill 2017), and the
embedded model's shipped pictures of every unit (`assets/embedded-features.jpg` and its JSON)."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from explorer import memo
from explorer.errors import Cancelled, ExplorerError
from explorer.images import load_image
from explorer.model import embedded
from explorer.model.inference import to_batch
from explorer.model.loading import LoadedModel
from explorer.progress import Progress
from explorer.units.address import KINDS, Kind, Unit, check_unit, unit_count
from explorer.units.index import weights_fingerprint
from explorer.units.record import recording_units, run_to
from explorer.units.sprites import (
    FEATURE_QUALITY,
    jpeg_options,
    jpeg_rendition,
    sprite_image,
    sprite_tiles,
)

SHIPPED_FEATURES = embedded.ASSETS / "embedded-features.jpg"  # and embedded-features.json


@dataclass(frozen=True)
class FeatureConfig:
    """How a feature visualisation is made: Adam on a Fourier-space, colour-decorrelated image (Olah et al.,
    Distill 2017, "Feature Visualization"), randomly shifted, scaled and rotated at every step so that what
    emerges is what the unit responds to, not a pattern that works at one pixel alignment only."""

    steps: int = 256
    lr: float = 0.05
    decay: float = 1.0  # spectrum amplitude ~ 1 / frequency^decay: natural images' statistics
    shift: float = 0.05  # up to this fraction of the side, each way
    scales: tuple[float, float] = (0.92, 1.08)
    degrees: float = 6.0  # rotations up to this, each way


# The square root of the colour covariance of natural images (ImageNet; lucid's `color_correlation_svd_sqrt`):
# the optimised parameters are decorrelated colours, which keeps the gradient from favouring one colour's noise.
COLOUR_SQRT = torch.tensor([[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]])
COLOUR_SQRT = COLOUR_SQRT / COLOUR_SQRT.norm(dim=0).max()


@dataclass(frozen=True)
class Feature:
    """An image optimised to excite one unit, and how much it does."""

    unit: Unit
    image: np.ndarray  # (H, W, 3) uint8 at the model's input size
    steps: int
    seed: int
    activation_start: float  # the unit's mean (over patches / channels) on the starting noise image
    activation_end: float  # ... on `image`: both measured on the 8-bit image fed through the model's preprocessing


def spectrum_scale(h: int, w: int, decay: float) -> torch.Tensor:
    """(h, w // 2 + 1): 1 / frequency^decay, lowest frequency clamped at one cycle per image."""
    fy = torch.fft.fftfreq(h)[:, None]
    fx = torch.fft.rfftfreq(w)[None, :]
    return 1.0 / torch.sqrt(fx**2 + fy**2).clamp(min=1.0 / max(h, w)) ** decay * math.sqrt(h * w)


def to_rgb(spectrum: torch.Tensor, scale: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(U, 3, h, w // 2 + 1) complex spectrum -> (U, 3, h, w) RGB in (0, 1): inverse FFT, colours re-correlated,
    sigmoid."""
    pixels = torch.fft.irfft2(spectrum * scale, s=size) / 4.0  # (U, 3, h, w) decorrelated colours
    rgb = torch.einsum("ij,ujhw->uihw", COLOUR_SQRT, pixels)
    return torch.sigmoid(rgb)


def random_warp(images: torch.Tensor, cfg: FeatureConfig, g: torch.Generator) -> torch.Tensor:
    """(U, 3, h, w) -> the same, shifted, scaled and rotated by one random draw (the same for the whole batch, so a
    unit's image does not depend on which other units it was optimised with); outside the image is mid-grey."""
    draw = torch.rand(4, generator=g)
    dx, dy = (draw[:2] * 2 - 1) * cfg.shift * 2  # affine_grid's coordinates run from -1 to 1
    scale = cfg.scales[0] + draw[2] * (cfg.scales[1] - cfg.scales[0])
    angle = math.radians(cfg.degrees) * (draw[3] * 2 - 1)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, dx]), torch.stack([sin, cos, dy])])[None].expand(len(images), 2, 3)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images - 0.5, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 0.5


def optimise(loaded: LoadedModel, block: int, kind: Kind, indices: Sequence[int], cfg: FeatureConfig, seed: int,
             progress: Progress | None = None,
             cancel: Callable[[], bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Optimise one image per unit (block, kind, indices[u]) to maximise that unit's mean over positions, all in one
    batch. Returns the starting and final images, each (U, H, W, 3) uint8."""
    model = loaded.model
    _, h, w = loaded.data_config["input_size"]
    g = torch.Generator().manual_seed(seed)
    scale = spectrum_scale(h, w, cfg.decay)
    # Every unit starts from the same noise and sees the same warps: a unit's image is the same alone or in a batch.
    start = torch.randn((1, 3, h, w // 2 + 1, 2), generator=g) * 0.01
    spectrum = start.expand(len(indices), -1, -1, -1, -1).clone().to(loaded.device).requires_grad_(True)
    scale = scale.to(loaded.device)
    mean = torch.tensor(loaded.data_config["mean"], device=loaded.device).view(1, 3, 1, 1)
    std = torch.tensor(loaded.data_config["std"], device=loaded.device).view(1, 3, 1, 1)
    which = torch.tensor(list(indices), device=loaded.device)
    optimiser = torch.optim.Adam([spectrum], lr=cfg.lr)

    def image() -> torch.Tensor:
        return to_rgb(torch.view_as_complex(spectrum), scale, (h, w))  # (U, 3, h, w)

    with torch.no_grad():
        first = image()
    site = (block, kind)

    def own_units(values: torch.Tensor) -> torch.Tensor:
        """(U, positions, units) -> (U, positions, 1): each image's own unit."""
        return values.gather(2, which.view(-1, 1, 1).expand(-1, values.shape[1], 1))

    with torch.enable_grad(), recording_units(model, [site], keep=own_units) as seen:
        for step in range(cfg.steps):
            if cancel is not None and cancel():
                raise Cancelled(f"feature visualisation of block {block} stopped after {step} of {cfg.steps} steps")
            warped = random_warp(image(), cfg, g)
            run_to(model, (warped - mean) / std, block)
            loss = -seen[site].mean(dim=(1, 2)).sum()  # each image's own unit, mean over positions
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            if progress:
                progress(step + 1, cfg.steps)
    with torch.no_grad():
        last = image()
    return to_uint8(first), to_uint8(last)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(U, 3, H, W) in [0, 1] -> (U, H, W, 3) uint8, as a PNG keeps it."""
    return (images.permute(0, 2, 3, 1) * 255).round().clamp(0, 255).byte().cpu().numpy()


@torch.inference_mode()
def measure(loaded: LoadedModel, block: int, kind: Kind, indices: Sequence[int], pictures: np.ndarray) -> np.ndarray:
    """(U,) each unit's mean over positions on its own (H, W, 3) uint8 picture, fed as a file would be: through
    load_image and the model's own preprocessing."""
    x = to_batch(loaded, [load_image(p) for p in pictures])
    with recording_units(loaded.model, [(block, kind)], keep=lambda t: t.float().mean(dim=1)) as seen:
        run_to(loaded.model, x, block)
    return seen[(block, kind)][torch.arange(len(indices)), torch.tensor(list(indices))].cpu().numpy()


def feature_visualisations(loaded: LoadedModel, block: int, kind: Kind, indices: Sequence[int], steps: int = 256,
                           seed: int = 0, progress: Progress | None = None,
                           cancel: Callable[[], bool] | None = None) -> list[Feature]:
    """The feature visualisations of several units of one block and kind, optimised together in one batch."""
    units = [check_unit(loaded.model, block, kind, i) for i in indices]
    start, end = optimise(loaded, block, kind, indices, FeatureConfig(steps=steps), seed, progress, cancel)
    before, after = measure(loaded, block, kind, indices, start), measure(loaded, block, kind, indices, end)
    return [Feature(u, end[i], steps, seed, float(before[i]), float(after[i])) for i, u in enumerate(units)]


def feature_visualisation(loaded: LoadedModel, block: int, kind: Kind, index: int, steps: int = 256, seed: int = 0,
                          progress: Progress | None = None, cancel: Callable[[], bool] | None = None) -> Feature:
    """An image optimised from noise to maximise one unit's mean over patches (channel) or over channels (token
    unit); seeded and deterministic. The embedded model's are shipped; others are kept in explorer.memo.

    progress(step, steps) is called after every step; a `cancel()` that returns True stops it (Cancelled)."""
    unit = check_unit(loaded.model, block, kind, index)
    shipped = shipped_feature(loaded, unit, steps, seed)
    if shipped is not None:
        return shipped

    def make() -> Feature:
        return feature_visualisations(loaded, block, kind, [index], steps, seed, progress, cancel)[0]

    return memo.FEATURES.get(feature_key(loaded, unit, steps, seed), make)


def feature_key(loaded: LoadedModel, unit: Unit, steps: int, seed: int) -> tuple:
    """What makes two feature visualisations the same: the weights (not where they were loaded from), the unit,
    the recipe."""
    return (weights_fingerprint(loaded), loaded.name, unit, steps, seed)


def cached_feature(loaded: LoadedModel, unit: Unit, steps: int = 256, seed: int = 0) -> Feature | None:
    """The feature visualisation if it is at hand (shipped or made before), without computing it."""
    return shipped_feature(loaded, unit, steps, seed) or memo.FEATURES.peek(feature_key(loaded, unit, steps, seed))



# ---------------------------------------------------------------------------------------------- shipped pictures


def read_features(path: Path = SHIPPED_FEATURES) -> dict | None:
    """The shipped feature visualisations (read once): {"meta": what the JSON beside the sprite says, "tiles":
    {kind: (depth, units, h, w, 3) uint8}}, or None if none were shipped."""
    numbers = path.with_suffix(".json")
    if not (path.is_file() and numbers.is_file()):
        return None

    def make() -> dict:
        meta = json.loads(numbers.read_text())
        depth, (h, w) = meta["depth"], meta["tile"]
        with Image.open(path) as image:
            tiles = sprite_tiles(image, depth * sum(meta["units"].values()), (h, w))
        out, at = {}, 0
        for kind, n in meta["units"].items():  # each kind's blocks in turn, each block's units in turn
            out[kind] = tiles[at:at + depth * n].reshape(depth, n, h, w, 3)
            at += depth * n
        return {"meta": meta, "tiles": out}

    return memo.UNIT_INDEXES.get(("features", str(path), path.stat().st_mtime_ns, numbers.stat().st_mtime_ns), make)


def config_record(steps: int) -> dict:
    """The feature-visualisation recipe as JSON keeps it."""
    return json.loads(json.dumps(asdict(FeatureConfig(steps=steps))))


def shipped_feature(loaded: LoadedModel, unit: Unit, steps: int, seed: int) -> Feature | None:
    """The shipped feature visualisation of a unit, if these are the weights, steps and seed it was made with."""
    if loaded.name != embedded.EMBEDDED_NAME:
        return None
    shipped = read_features()
    if shipped is None or unit.kind not in shipped["tiles"]:
        return None
    meta = shipped["meta"]
    made_with = (weights_fingerprint(loaded), config_record(steps), seed)
    if (meta["fingerprint"], meta.get("config"), meta["seed"]) != made_with:
        return None  # other weights, or another recipe than the shipped pictures were made with
    start, end = (meta[f"activation_{w}"][unit.kind][unit.block][unit.index] for w in ("start", "end"))
    return Feature(unit, shipped["tiles"][unit.kind][unit.block, unit.index], steps, seed, start, end)


def all_features(loaded: LoadedModel, kinds: Sequence[Kind] = KINDS, steps: int = 256, seed: int = 0,
                 progress: Progress | None = None) -> dict[Kind, np.ndarray]:
    """Every unit's feature image of every block, one batch per block and kind: {kind: (depth, units, H, W, 3)}."""
    depth = len(loaded.model.blocks)
    out: dict[Kind, np.ndarray] = {}
    for k, kind in enumerate(kinds):
        ids = list(range(unit_count(loaded.model, kind)))
        cfg = FeatureConfig(steps=steps)
        out[kind] = np.stack([optimise(loaded, block, kind, ids, cfg, seed)[1] for block in range(depth)])
        if progress:
            progress(k + 1, len(kinds))
    return out


def write_features(loaded: LoadedModel, images: dict[Kind, np.ndarray], path: Path, steps: int = 256,
                   seed: int = 0) -> list[Path]:
    """Ship feature images (from `all_features`) as one JPEG sprite and a JSON beside it with what it holds and each
    picture's activations, measured on the pixels the sprite gives back."""
    depth = len(loaded.model.blocks)
    noise = optimise(loaded, 0, "channel", [0], FeatureConfig(steps=0), seed)[0]  # every unit starts from this
    numbers: dict[str, dict] = {"activation_start": {}, "activation_end": {}}
    for kind, pictures in images.items():
        ids = list(range(pictures.shape[1]))
        shipped = [jpeg_rendition(pictures[b], FEATURE_QUALITY) for b in range(depth)]
        start = noise.repeat(len(ids), axis=0)
        numbers["activation_start"][kind] = [measure(loaded, b, kind, ids, start).tolist() for b in range(depth)]
        numbers["activation_end"][kind] = [measure(loaded, b, kind, ids, shipped[b]).tolist() for b in range(depth)]
    _, h, w = loaded.data_config["input_size"]
    meta = {"model": loaded.name, "fingerprint": weights_fingerprint(loaded), "config": config_record(steps),
            "seed": seed, "quality": FEATURE_QUALITY, "depth": depth,
            "units": {k: int(v.shape[1]) for k, v in images.items()}, "tile": [h, w], **numbers}
    tiles = np.concatenate([v.reshape(-1, h, w, 3) for v in images.values()])
    sprite_image(tiles).save(path, **jpeg_options(FEATURE_QUALITY))
    with Image.open(path) as written:
        if not np.array_equal(sprite_tiles(written, len(tiles), (h, w)), jpeg_rendition(tiles, FEATURE_QUALITY)):
            raise ExplorerError("the feature sprite does not read back as the pictures measured: this JPEG encoder "
                                "codes tiles together")
    path.with_suffix(".json").write_text(json.dumps(meta) + "\n")
    return [path, path.with_suffix(".json")]

