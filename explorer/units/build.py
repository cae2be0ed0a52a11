"""The embedded model's shipped unit assets, rebuilt by `python -m explorer.units`."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from explorer.errors import ExplorerError
from explorer.model import embedded
from explorer.model.loading import load_model
from explorer.progress import progress_bar
from explorer.units.address import KINDS
from explorer.units.features import SHIPPED_FEATURES, all_features, write_features
from explorer.units.index import (
    build_index,
    compact,
    read_index_uncached,
    referenced,
    save_index,
)
from explorer.units.reference import SHIPPED_DESCRIPTION, SHIPPED_INDEX
from explorer.units.sprites import INDEX_QUALITY, jpeg_rendition

log = logging.getLogger("explorer")


def build_shipped(data: Path | None = None, cache: Path | None = None, out: Path = embedded.ASSETS,
                  features: bool = True) -> list[Path]:
    """Build the embedded model's shipped unit assets from the CIFAR-10 tarball:

        OMP_NUM_THREADS=1 python -m explorer.units [--data ../shared/data/cifar10-train-jpeg.tar.gz] [--no-features]

    (one thread: the shipped pictures were made so, and float sums come out the same only with the same threads)

    - embedded-units.safetensors + embedded-units-sprite.jpg: the index of the 5,000 held-out validation images
      (explorer.train's split: 500 per class, seed 0, never trained on), with only the images it refers to in
      the sprite. Its names are the tarball's ("train/cat/0012.jpg"); its pixels are those files' re-encoded once
      more, by the sprite (JPEG 75, 4:4:4: 1.1 grey levels apart on average), and the index is computed on them,
      so every number it reports is reproducible from the sprite;
    - embedded-features.jpg + embedded-features.json: every channel's and token unit's feature visualisation
      (256 steps, seed 0) and their activations (about 15 minutes on one CPU core).
    """
    from explorer import train  # torchvision and the data set's reader, only here

    loaded = load_model(embedded.EMBEDDED_NAME, fallback=False)
    images, labels, _, names = train.load_cifar_tar(data or train.DEFAULT_DATA, cache or train.DEFAULT_CACHE)
    _, val_idx = train.split_train_val(labels, train.TrainConfig.val_per_class)
    pictures = images[val_idx].permute(0, 2, 3, 1).numpy()  # (5000, 32, 32, 3) uint8, decoded as load_image does
    # The reference set is the images as the sprite holds them, so every activation reported is reproducible from it.
    shipped = jpeg_rendition(pictures, INDEX_QUALITY)
    with progress_bar("indexing", "img", len(pictures)) as progress:
        index = build_index(loaded, list(shipped), [names[i] for i in val_idx.tolist()], batch_size=250,
                            progress=progress, description=SHIPPED_DESCRIPTION)
    written = save_index(compact(index, pictures), out / SHIPPED_INDEX.name)
    if not np.array_equal(read_index_uncached(written[0]).sprite, shipped[referenced(index)]):
        raise ExplorerError("the sprite does not read back as the images indexed: this JPEG encoder codes tiles "
                            "together")
    if features:
        with progress_bar("feature visualisations", "kind", len(KINDS)) as progress:
            feature_images = all_features(loaded, progress=progress)
        written += write_features(loaded, feature_images, out / SHIPPED_FEATURES.name)
    for path in written:
        log.info("wrote %s (%.0f KB)", path, path.stat().st_size / 1024)
    return written

