"""MLP-Mixer Explorer: load MLP-Mixer models through timm, classify images and look inside them.

    from explorer import load_model, predict
    model = load_model("embedded")          # or "mixer_b16_224.goog_in21k_ft_in1k", weights="random", ...
    predict("cat.jpg", model, top_k=3)       # [Prediction(label='cat', index=3, probability=0.91), ...]

Nothing here imports Gradio: the app (`explorer.app`) is built on top of this API, not the other way round.
"""
from explorer.model.catalogue import ModelEntry, catalogue, describe
from explorer.errors import CheckpointError, ExplorerError, ImageError, ModelError, WeightsUnavailable
from explorer.images import load_image
from explorer.model.inference import Prediction, predict, predict_many
from explorer.model.loading import LoadedModel, load_model

__all__ = [
    "CheckpointError",
    "ExplorerError",
    "ImageError",
    "LoadedModel",
    "ModelEntry",
    "ModelError",
    "Prediction",
    "WeightsUnavailable",
    "catalogue",
    "describe",
    "load_image",
    "load_model",
    "predict",
    "predict_many",
]
