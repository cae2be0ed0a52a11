"""What an image is to the explorer (its digest: one analysis per image bytes, model and weights), the pixels the
model saw, and the plain prediction /predict needs, which records nothing else."""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

import numpy as np
import torch

from explorer.images import ImageSource, load_image
from explorer.model.batching import Batcher
from explorer.model.inference import preprocess, probabilities
from explorer.model.loading import LoadedModel

MAX_BATCH = 8  # images of one model in one forward pass (a new image is queued at most this deep)
PREDICTIONS = Batcher(MAX_BATCH)  # plain predictions asked for at the same moment on one model share a forward pass


def image_digest(source: ImageSource) -> str:
    """A digest of what the image is (its file's bytes, or its pixels), never of what it is called. A file's is
    read and hashed once while it stays as it was (its size and modification time), however often it is asked."""
    if isinstance(source, (str, Path)):
        try:
            stat = os.stat(source)
        except OSError:
            stat = None
        if stat is not None:
            return _file_digest(str(source), stat.st_size, stat.st_mtime_ns)
    return _digest(source)


@functools.lru_cache(maxsize=1024)
def _file_digest(path: str, size: int, modified_ns: int) -> str:
    return _digest(path)


def _digest(source: ImageSource) -> str:
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, np.ndarray):
        data = repr((source.shape, source.dtype)).encode() + np.ascontiguousarray(source).tobytes()
    elif hasattr(source, "tobytes"):  # a PIL image
        data = repr((source.mode, source.size)).encode() + source.tobytes()
    else:
        try:
            with open(source, "rb") as f:
                data = f.read()
        except OSError:  # load_image explains a missing or unreadable file in the words every path uses
            load_image(source)
            raise
    return hashlib.sha256(data).hexdigest()


def classify(loaded: LoadedModel, image: ImageSource) -> torch.Tensor:
    """(num_classes,) probabilities of one image, from a plain forward pass (no activations recorded: what
    /predict needs), batched with the predictions asked for at the same moment on the same model."""
    x = preprocess(loaded, image).to(loaded.device)  # (3, H, W)
    return PREDICTIONS.run(loaded.model, x, lambda inputs: list(probabilities(loaded, torch.stack(inputs))))


def display_image(image: torch.Tensor, data_config: dict) -> np.ndarray:
    """(3, H, W) normalised input -> (H, W, 3) float in [0, 1]: exactly the pixels the model saw."""
    mean = torch.tensor(data_config["mean"]).view(3, 1, 1)
    std = torch.tensor(data_config["std"]).view(3, 1, 1)
    return (image.detach().float().cpu() * std + mean).clamp(0, 1).permute(1, 2, 0).numpy()
