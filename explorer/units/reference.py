"""Which images a unit's examples come from (a reference set, as an index), and its top images in it."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union

import numpy as np

from explorer import memo
from explorer.analysis.image import display_image, image_digest
from explorer.errors import ExplorerError
from explorer.images import ImageSource
from explorer.model import embedded
from explorer.model.inference import preprocess
from explorer.model.loading import LoadedModel
from explorer.text.words import Words
from explorer.units.address import Kind, Unit, check_unit
from explorer.units.index import (
    UnitIndex,
    build_index,
    folder_names,
    index_folder,
    read_index,
    weights_fingerprint,
)


log = logging.getLogger("explorer")

SHIPPED_INDEX = embedded.ASSETS / "embedded-units.safetensors"
SHIPPED_DESCRIPTION = "the embedded model's held-out CIFAR-10 validation images (never trained on)"

ReferenceLike = Union[UnitIndex, str, Path, Sequence[ImageSource], None]


def shipped_index(loaded: LoadedModel) -> UnitIndex | None:
    """The shipped index of the embedded model's held-out images, if this is the model it was built for."""
    if loaded.name != embedded.EMBEDDED_NAME or not SHIPPED_INDEX.is_file():
        return None
    index = read_index(SHIPPED_INDEX)
    return index if index.fingerprint == weights_fingerprint(loaded) else None


def reference_index(loaded: LoadedModel, reference: ReferenceLike = None,
                    uploads: Sequence[ImageSource] = ()) -> UnitIndex:
    """The index a unit's examples come from.

    reference: None for the default set (the embedded model: its shipped held-out index; any other model: the
        example images plus `uploads`), an index or the path of an index file, a folder of images, or images.
    """
    if isinstance(reference, UnitIndex):
        index = reference
    elif isinstance(reference, (str, Path)) and Path(reference).is_dir():
        folder = Path(reference)
        stamp = tuple((str(p), p.stat().st_mtime_ns) for p in folder_names(folder))  # a changed folder is indexed again
        key = ("folder", weights_fingerprint(loaded), str(folder.resolve()), stamp)
        index = memo.UNIT_INDEXES.get(key, lambda: index_folder(loaded, folder))
    elif isinstance(reference, (str, Path)):
        index = read_index(reference)
    elif reference is None and (shipped := shipped_index(loaded)) is not None:  # the embedded model: its held-out set
        index = shipped
    else:
        # any other model: the example images and this session's uploads (an example uploaded counts once)
        if reference is None:
            examples = list(embedded.EXAMPLES.values())
            by_digest: dict[str, ImageSource] = {}
            for image in [*examples, *uploads]:
                by_digest.setdefault(image_digest(image), image)
            images, digests = list(by_digest.values()), tuple(by_digest)
            uploaded = len(images) - len(examples)
            described = "the example images" + (f" and {uploaded} uploaded in this session" if uploaded else "")
        else:
            images, described = [*reference, *uploads], "the images given"
            digests = tuple(image_digest(i) for i in images)
        if not images:
            raise ExplorerError("the reference set is empty: give images, a folder or an index")
        key = ("images", weights_fingerprint(loaded), digests)
        index = memo.UNIT_INDEXES.get(key, lambda: build_index(loaded, images, description=described))
    if index.fingerprint != weights_fingerprint(loaded):
        raise ExplorerError(f"this index was built with other weights ({index.model}, {index.weights} weights) "
                            f"than the model running ({loaded.name}, {loaded.weights} weights); build one for it with "
                            "python -m explorer index")
    return index


# ---------------------------------------------------------------------------------------------- examples


@dataclass(frozen=True)
class Examples:
    """A unit's top images in a reference set, highest first."""

    unit: Unit
    ids: np.ndarray  # (k,) image ids in the index
    paths: tuple[str, ...]  # (k,) file paths, or data-set names for images kept in a sprite
    activations: np.ndarray  # (k,) max over patches (channel) or over channels (token), highest first
    peaks: np.ndarray  # (k, 2) (row, col) of the peak patch for a channel; (k,) the peak channel for a token unit
    reference: str  # which set they come from and how many images it holds


def unit_examples(loaded: LoadedModel, block: int, kind: Kind, index: int, images_or_index: ReferenceLike = None,
                  top_k: int | None = None) -> Examples:
    """The images of a reference set on which a unit is highest (see `reference_index` for what the set can be)."""
    unit = check_unit(loaded.model, block, kind, index)
    ref = reference_index(loaded, images_or_index)
    tops = ref.tops[kind]
    if top_k and top_k > ref.top_k:
        log.warning("the index keeps %d images per unit; showing those (not %d)", ref.top_k, top_k)
    k = min(top_k or ref.top_k, ref.top_k)
    ids, values, peaks = (a[block, index, :k] for a in (tops.ids, tops.values, tops.peaks))
    if kind == "channel":
        peaks = np.stack(np.divmod(peaks, ref.grid[1]), axis=1)  # flat patch -> (row, col)
    return Examples(unit, ids, tuple(ref.path(int(i)) for i in ids), values.astype(np.float32), peaks,
                    Words("units.examples_summary", count=f"{ref.count:,}",
                          description=Words("units.shipped_description") if ref.description == SHIPPED_DESCRIPTION
                          else ref.description))


def example_pictures(loaded: LoadedModel, examples: Examples, images_or_index: ReferenceLike = None) -> np.ndarray:
    """(k, H, W, 3) uint8: each example exactly as the model saw it (resized, cropped), on which the peak patch
    lies at (row, col) of the patch grid."""
    ref = reference_index(loaded, images_or_index)
    pictures = [display_image(preprocess(loaded, ref.source(int(i))), loaded.data_config) for i in examples.ids]
    return (np.stack(pictures) * 255).round().astype(np.uint8)
