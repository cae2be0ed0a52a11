"""The corruption lab: one image under the 15 corruptions at 5 severities, and where in the network it breaks.

    analysis = Analysis(load_model("embedded"), "cat.jpg")
    grid = shift_view(analysis, progress=callback)     # 75 corrupted pictures, batched forward passes
    grid.holds                                          # (K, V) bool: the clean top-1 still wins
    view = where_it_breaks(analysis, "fog", 3)          # per block: how far the tokens moved; the two logit lenses

The corruptions (explorer.analysis.corruptions) act on the picture the model sees: the upload resized and
cropped by the model's own timm transform, as 8-bit pixels, and the corrupted pictures are then normalised by the
same transform's last step; the clean picture's prediction is the analysis's own, so severity 0 is exactly the
model's prediction. Grids and break views are kept with the analysis (`Analysis.kept`).

Over a folder of class subfolders (as `probe` reads them) `count_batch` reduces one batch of images to counts of
correct answers (`ShiftCounts`), and `ShiftCounts.merge` adds two such counts: batches can run anywhere and in any
order (each picture's random numbers depend on its path, not on its batch), and `shift_folder` runs them here.
"""
from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import torch

from explorer.analysis import logit_lens
from explorer.analysis.capture import capture
from explorer.analysis.corruptions import (
    CORRUPTIONS,
    SEVERITIES,
    check_corruptions,
    check_severities,
    corrupt,
    parameter_set,
)
from explorer.errors import ExplorerError, ImageError, ModelError
from explorer.images import ImageSource, image_paths, load_image
from explorer.model.inference import probabilities
from explorer.model.loading import LoadedModel
from explorer.progress import Progress
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis

log = logging.getLogger("explorer")

PIXELS_PER_PASS = 2**22  # pictures per forward pass: 4 Mpixels (83 pictures of 224², 1024 of 32²)


# ---------------------------------------------------------------------------------------------- the picture seen


def transform_parts(loaded: LoadedModel) -> tuple[list[Callable], Callable]:
    """The model's eval transform in two: the steps on the PIL image before it becomes a tensor (resize, crop),
    and the normalisation after. timm's eval transform is [Resize, CenterCrop, (Maybe)ToTensor, Normalize]."""
    steps = list(getattr(loaded.transform, "transforms", []))
    names = [type(step).__name__ for step in steps]
    cut = next((i for i, name in enumerate(names) if name in ("ToTensor", "MaybeToTensor")), None)
    if cut is None or names[cut + 1:] != ["Normalize"]:
        raise ModelError(t("errors.shift.transform", model=loaded.name, steps=", ".join(names)))
    return steps[:cut], steps[cut + 1]


def model_picture(loaded: LoadedModel, image: ImageSource) -> np.ndarray:
    """(H, W, 3) uint8: the image as the model sees it, resized and cropped, before normalisation."""
    picture = load_image(image)
    for step in transform_parts(loaded)[0]:
        picture = step(picture)
    return np.asarray(picture, dtype=np.uint8)


def model_inputs(loaded: LoadedModel, pictures: np.ndarray) -> torch.Tensor:
    """(B, H, W, 3) uint8 -> (B, 3, H, W) on the model's device: the same arithmetic as the transform's to-tensor
    (divide by 255) and normalisation, so a picture gives exactly the tensor `preprocess` gives."""
    normalise = transform_parts(loaded)[1]
    # contiguous (B, 3, H, W), as the transform's own tensors are: the stem's convolution takes another path on
    # channels-last strides, and its last bits differ
    pixels = torch.from_numpy(np.require(pictures, np.uint8, ["C", "W"]))
    batch = pixels.permute(0, 3, 1, 2).contiguous().float().div(255)
    return normalise(batch).to(loaded.device)


def analysis_picture(analysis: Analysis) -> np.ndarray:
    """(H, W, 3) uint8: the picture an analysis's input was made from (its display picture, de-normalised, is
    within 1e-4 of k/255 for every 8-bit value k, so rounding gives the picture back exactly)."""
    return np.round(analysis.picture * 255).astype(np.uint8)


def corrupted_probabilities(loaded: LoadedModel, pictures: np.ndarray, progress: Progress | None = None,
                            done: int = 0, total: int | None = None) -> np.ndarray:
    """(N, H, W, 3) uint8 -> (N, num_classes) float32 probabilities, in forward passes of PIXELS_PER_PASS; each
    pass reports (done + pictures so far, total) to `progress`."""
    per_pass = max(1, min(1024, PIXELS_PER_PASS // (pictures.shape[1] * pictures.shape[2])))
    rows = []
    for start in range(0, len(pictures), per_pass):
        rows.append(probabilities(loaded, model_inputs(loaded, pictures[start:start + per_pass])).numpy())
        if progress:
            progress(done + min(start + per_pass, len(pictures)), total or len(pictures))
    return np.concatenate(rows) if rows else np.zeros((0, len(loaded.class_names)), dtype=np.float32)


# ---------------------------------------------------------------------------------------------- one image


@dataclass(frozen=True)
class ShiftGrid:
    """One image under K corruptions at V severities: the pictures and the model's answer on each."""

    model: str
    weights: str
    parameter_set: str  # "ImageNet-C" or "CIFAR-10-C": whose published parameters were used
    seed: int
    corruptions: tuple[str, ...]  # (K,)
    severities: tuple[int, ...]  # (V,)
    class_names: tuple[str, ...]
    clean_picture: np.ndarray  # (H, W, 3) uint8
    pictures: np.ndarray  # (K, V, H, W, 3) uint8
    clean_probabilities: np.ndarray  # (num_classes,) the model's own prediction on the clean picture
    probabilities: np.ndarray  # (K, V, num_classes)

    @property
    def clean_index(self) -> int:
        return int(self.clean_probabilities.argmax())

    @property
    def clean_label(self) -> str:
        return self.class_names[self.clean_index]

    @property
    def clean_probability(self) -> float:
        return float(self.clean_probabilities[self.clean_index])

    @property
    def top_index(self) -> np.ndarray:
        """(K, V) each corrupted picture's top-1 class."""
        return self.probabilities.argmax(axis=-1)

    @property
    def top_probability(self) -> np.ndarray:
        """(K, V) its probability."""
        return self.probabilities.max(axis=-1)

    @property
    def clean_class_probability(self) -> np.ndarray:
        """(K, V) the probability of the clean picture's top-1 class."""
        return self.probabilities[..., self.clean_index]

    @property
    def holds(self) -> np.ndarray:
        """(K, V) bool: the top-1 is still the clean picture's."""
        return self.top_index == self.clean_index

    def label(self, k: int, v: int) -> str:
        return self.class_names[int(self.top_index[k, v])]

    def as_dict(self, image: str) -> dict:
        """The JSON of `python -m explorer shift IMAGE --json`."""
        cells = {name: [{"label": self.label(k, v), "probability": round(float(self.top_probability[k, v]), 6),
                         "clean_probability": round(float(self.clean_class_probability[k, v]), 6),
                         "same_top1": bool(self.holds[k, v])} for v in range(len(self.severities))]
                 for k, name in enumerate(self.corruptions)}
        return {"model": self.model, "image": image,
                "clean": {"label": self.clean_label, "probability": round(self.clean_probability, 6)},
                "corruptions": cells}


def shift_grid(loaded: LoadedModel, picture: np.ndarray, clean_probabilities: np.ndarray | None = None,
               corruptions: tuple[str, ...] = CORRUPTIONS, severities: tuple[int, ...] = SEVERITIES, seed: int = 0,
               progress: Progress | None = None) -> ShiftGrid:
    """The grid of one (H, W, 3) uint8 picture (model_picture). `clean_probabilities` (num_classes,): the model's
    prediction on it when already made (an analysis's), else one more forward pass makes it. `progress` gets
    (corrupted pictures classified, K x V) after each forward pass."""
    corruptions, severities = check_corruptions(corruptions), check_severities(severities)
    pictures = np.stack([corrupt(picture, name, s, seed) for name in corruptions for s in severities])
    probs = corrupted_probabilities(loaded, pictures, progress)
    if clean_probabilities is None:
        clean_probabilities = corrupted_probabilities(loaded, picture[None])[0]
    k, v = len(corruptions), len(severities)
    return ShiftGrid(loaded.name, loaded.weights, parameter_set(picture.shape[0]), seed, corruptions, severities,
                     loaded.class_names, picture, pictures.reshape(k, v, *picture.shape),
                     np.asarray(clean_probabilities, dtype=np.float32), probs.reshape(k, v, -1))


def shift_view(analysis: Analysis, corruptions: tuple[str, ...] = CORRUPTIONS,
               severities: tuple[int, ...] = SEVERITIES, seed: int = 0,
               progress: Progress | None = None) -> ShiftGrid:
    """The grid of an analysis's image, kept with the analysis (computed the first time only); its clean
    prediction is the analysis's own."""
    corruptions, severities = check_corruptions(tuple(corruptions)), check_severities(tuple(severities))
    return analysis.kept(("shift", corruptions, severities, seed), lambda: shift_grid(
        analysis.loaded, analysis_picture(analysis), analysis.probabilities.numpy(), corruptions, severities, seed,
        progress))


# ---------------------------------------------------------------------------------------------- where it breaks


def token_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(..., S, C) twice -> (..., S): 1 - cosine similarity of each pair of tokens (0: same direction)."""
    return 1 - torch.nn.functional.cosine_similarity(a.float(), b.float(), dim=-1, eps=1e-12)


@dataclass(frozen=True)
class BreakView:
    """One corrupted picture beside the clean one, block by block."""

    corruption: str
    severity: int
    clean_picture: np.ndarray  # (H, W, 3) uint8
    picture: np.ndarray  # (H, W, 3) uint8, corrupted
    stem_distance: np.ndarray  # (grid_h, grid_w) 1 - cos between the tokens entering block 0, per patch
    patch_distance: np.ndarray  # (depth, grid_h, grid_w) the same after each block
    lens: logit_lens.LensView  # the logit lens of the corrupted picture (its final class: its own top-1)
    clean_lens: logit_lens.LensView  # and of the clean one
    clean_class_lens: np.ndarray  # (depth,) the clean top-1's probability under the corrupted picture's lens

    @property
    def distance(self) -> np.ndarray:
        """(depth,) the mean over patches of 1 - cos after each block."""
        return self.patch_distance.reshape(len(self.patch_distance), -1).mean(axis=1)

    @property
    def same_top1(self) -> bool:
        return self.lens.final_index == self.clean_lens.final_index

    @property
    def breaks_at(self) -> int | None:
        """The first block from which the corrupted picture's lens never names the clean top-1 again; None when
        its final answer is still the clean top-1."""
        if self.same_top1:
            return None
        agrees = np.flatnonzero(self.lens.top_index == self.clean_lens.final_index)
        return int(agrees[-1]) + 1 if len(agrees) else 0


def where_it_breaks(analysis: Analysis, corruption: str, severity: int, seed: int = 0) -> BreakView:
    """The break view of one cell of the grid (the same pixels: the corruptions are seeded), kept with the
    analysis: one hooked forward pass of the corrupted picture, compared with the analysis's own."""
    check_corruptions([corruption])
    check_severities([severity])

    def make() -> BreakView:
        loaded, clean = analysis.loaded, analysis.capture
        picture = analysis_picture(analysis)
        corrupted_picture = corrupt(picture, corruption, severity, seed)
        cap = capture(loaded.model, model_inputs(loaded, corrupted_picture[None])[0])
        grid = clean.grid
        blocks = token_distance(cap.blocks, clean.blocks).cpu().numpy().reshape(-1, *grid)
        stem = token_distance(cap.stem, clean.stem).cpu().numpy().reshape(grid)
        probs = logit_lens.lens_probabilities(loaded.model, cap).cpu().numpy()
        own = int(cap.logits.argmax())
        return BreakView(corruption, severity, picture, corrupted_picture, stem, blocks,
                         logit_lens.lens_view(probs, analysis.class_names, own), logit_lens.view(analysis),
                         probs[:, analysis.top1])

    return analysis.kept(("shift_break", corruption, severity, seed), make)


# ---------------------------------------------------------------------------------------------- a folder


@dataclass(frozen=True)
class ShiftCounts:
    """Correct answers over a set of images, clean and under each corruption and severity."""

    corruptions: tuple[str, ...]  # (K,)
    severities: tuple[int, ...]  # (V,)
    images: int
    clean_correct: int
    correct: np.ndarray  # (K, V) int64

    def merge(self, other: ShiftCounts) -> ShiftCounts:
        """The counts of both sets of images (associative and commutative: merge in any order)."""
        if (self.corruptions, self.severities) != (other.corruptions, other.severities):
            raise ValueError("only counts of the same corruptions and severities can be merged")
        return ShiftCounts(self.corruptions, self.severities, self.images + other.images,
                           self.clean_correct + other.clean_correct, self.correct + other.correct)

    @property
    def clean_accuracy(self) -> float:
        return self.clean_correct / max(self.images, 1)

    @property
    def accuracy(self) -> np.ndarray:
        """(K, V) the share of images classified correctly."""
        return self.correct / max(self.images, 1)

    def as_dict(self, model: str) -> dict:
        """The JSON of `python -m explorer shift FOLDER --json`."""
        accuracy = self.accuracy
        return {"model": model, "images": self.images, "clean": round(self.clean_accuracy, 6),
                "corruptions": {name: [round(float(a), 6) for a in accuracy[k]]
                                for k, name in enumerate(self.corruptions)},
                "mean": round(float(accuracy.mean()), 6)}


def empty_counts(corruptions: tuple[str, ...], severities: tuple[int, ...]) -> ShiftCounts:
    """The counts of no images: what merging starts from."""
    return ShiftCounts(tuple(corruptions), tuple(severities), 0, 0,
                       np.zeros((len(corruptions), len(severities)), dtype=np.int64))


def count_batch(loaded: LoadedModel, pictures: np.ndarray, labels: np.ndarray, keys: list[int],
                corruptions: tuple[str, ...] = CORRUPTIONS, severities: tuple[int, ...] = SEVERITIES,
                seed: int = 0) -> ShiftCounts:
    """Reduce one batch: (B, H, W, 3) uint8 pictures (model_picture), their (B,) true class indices and (B,)
    keys (which picture each is, for its random numbers: `picture_key`) -> the counts of correct answers."""
    corruptions, severities = check_corruptions(tuple(corruptions)), check_severities(tuple(severities))
    corrupted = np.stack([corrupt(p, name, s, seed, key) for p, key in zip(pictures, keys)
                          for name in corruptions for s in severities])  # (B * K * V, H, W, 3)
    predicted = corrupted_probabilities(loaded, corrupted).argmax(-1).reshape(len(pictures), len(corruptions), -1)
    clean = corrupted_probabilities(loaded, pictures).argmax(-1)
    labels = np.asarray(labels)
    return ShiftCounts(corruptions, severities, len(pictures), int((clean == labels).sum()),
                       (predicted == labels[:, None, None]).sum(axis=0).astype(np.int64))


def picture_key(relative_path: str) -> int:
    """A picture's key: a checksum of its path inside the folder ("cat/0001.jpg"), the same on every machine."""
    return zlib.crc32(relative_path.encode())


def class_index(folder_name: str, class_names: tuple[str, ...]) -> int:
    """The model's class a folder is named after: its label, or the label's first name ("tabby" for "tabby,
    tabby cat"), case ignored."""
    wanted = folder_name.strip().lower()
    for i, name in enumerate(class_names):
        if wanted in (name.lower(), name.split(",")[0].strip().lower()):
            return i
    raise ExplorerError(f"class folder {folder_name!r} is not one of the model's classes (e.g. "
                        f"{', '.join(class_names[:5])}); name each folder after the class its images show")


def folder_items(folder: str | Path, class_names: tuple[str, ...],
                 per_class: int | None = None) -> list[tuple[Path, int, int]]:
    """(path, class index, key) for each image of a folder of class subfolders, the first `per_class` of each
    class by file name (all by default)."""
    root = Path(folder)
    if not root.is_dir():
        raise ExplorerError(f"{folder}: no such folder")
    classes = sorted(p for p in root.iterdir() if p.is_dir())
    if not classes:
        raise ExplorerError(f"{folder} holds no class folders: put each class's images in a folder named after it")
    items = []
    for cls in classes:
        index = class_index(cls.name, class_names)
        paths = list(image_paths([str(cls)]))[:per_class]
        if not paths:
            raise ExplorerError(f"{cls}: the class folder holds no images")
        items += [(p, index, picture_key(p.relative_to(root).as_posix())) for p in paths]
    return items


def unreadable(path: Path, exc: Exception) -> str:
    """Why a file could not be read (worded as explorer.engine words it)."""
    return str(exc) if isinstance(exc, ExplorerError) else f"{path.name} could not be read ({exc.strerror or exc})"


def counted(counts: ShiftCounts, skipped: dict[int, str], paths: list[Path], folder: str | Path) -> ShiftCounts:
    """The counts of a whole folder, once its unreadable files (`skipped`: position in `paths` -> why) are logged
    by name; an error when no image could be read."""
    for position, why in sorted(skipped.items()):
        log.warning("skipped %s: %s", paths[position].relative_to(folder).as_posix(), why)
    if not counts.images:
        raise ExplorerError(f"no image of {folder} could be read")
    return counts


def shift_folder(loaded: LoadedModel, folder: str | Path, corruptions: tuple[str, ...] = CORRUPTIONS,
                 severities: tuple[int, ...] = SEVERITIES, seed: int = 0, per_class: int | None = None,
                 images_per_batch: int = 64, progress: Progress | None = None) -> ShiftCounts:
    """The counts over a folder of class subfolders: count_batch over the images of each run of
    `images_per_batch` files of the listing (the batches `--engine ray` makes), merged; files that cannot be read
    are skipped (and logged), out of the count. `progress` gets (files done, files)."""
    corruptions, severities = check_corruptions(tuple(corruptions)), check_severities(tuple(severities))
    items = folder_items(folder, loaded.class_names, per_class)
    counts, skipped = empty_counts(corruptions, severities), {}
    for start in range(0, len(items), images_per_batch):
        pictures, kept = [], []
        for position in range(start, min(start + images_per_batch, len(items))):
            try:
                pictures.append(model_picture(loaded, items[position][0]))
                kept.append(items[position])
            except (ImageError, OSError) as exc:
                skipped[position] = unreadable(items[position][0], exc)
        if kept:
            counts = counts.merge(count_batch(loaded, np.stack(pictures), np.array([label for _, label, _ in kept]),
                                              [key for _, _, key in kept], corruptions, severities, seed))
        if progress:
            progress(min(start + images_per_batch, len(items)), len(items))
    return counted(counts, skipped, [path for path, _, _ in items], folder)
