"""Classify images: decode, preprocess with the model's own timm transform, one batched forward pass, top-k."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import torch
from PIL import Image

from explorer.images import ImageSource, load_image
from explorer.model.loading import LoadedModel, load_model


@dataclass(frozen=True)
class Prediction:
    label: str
    index: int
    probability: float

    def as_dict(self) -> dict:
        return asdict(self)


def preprocess(loaded: LoadedModel, source: ImageSource) -> torch.Tensor:
    """(3, H, W): the image decoded and preprocessed exactly as every path of the explorer feeds it to the model."""
    return loaded.transform(load_image(source))


def to_batch(loaded: LoadedModel, images: Sequence[Image.Image]) -> torch.Tensor:
    """RGB PIL images -> (B, 3, H, W) float tensor on the model's device, preprocessed as timm resolves it."""
    return torch.stack([loaded.transform(img) for img in images]).to(loaded.device)


@torch.inference_mode()
def probabilities(loaded: LoadedModel, batch: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) -> (B, num_classes) softmax probabilities, float32 on the CPU."""
    with loaded.autocast():
        logits = loaded.model(batch)
    return logits.float().softmax(dim=-1).cpu()


def top_predictions(probs: torch.Tensor, class_names: Sequence[str], k: int = 5) -> list[Prediction]:
    """(num_classes,) probabilities -> the k most likely classes, most likely first."""
    values, indices = probs.topk(max(1, min(k, probs.numel())))
    return [Prediction(class_names[i], i, round(float(p), 6)) for p, i in zip(values.tolist(), indices.tolist())]


def predict_many(images: Sequence[ImageSource], model: LoadedModel | str | None = None,
                 top_k: int = 5) -> list[list[Prediction]]:
    """Top-k predictions for each image (a path, bytes, PIL image or array), in one forward pass."""
    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    if not images:
        return []
    probs = probabilities(loaded, to_batch(loaded, [load_image(img) for img in images]))
    return [top_predictions(row, loaded.class_names, top_k) for row in probs]


def predict(image: ImageSource, model: LoadedModel | str | None = None, top_k: int = 5) -> list[Prediction]:
    """Top-k predictions for one image: `predict("cat.jpg")`, `predict(img, "embedded", top_k=3)`."""
    return predict_many([image], model, top_k)[0]
