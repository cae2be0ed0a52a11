"""What the app tells a person about the model that is running, so that no view promises what it does not show.

- `fallback_banner`: the embedded CIFAR-10 model runs because ImageNet weights could not be had, said plainly.
- `label_note`: what the model knows (the embedded one: 10 classes, 32×32 pixels), and a gentle word when an
  image is unlike anything it was trained on or its answer is unsure.
- `view_note`: one or two sentences per view that are true of *this* model's family and weights.
"""
from __future__ import annotations

import numpy as np

from explorer.model import embedded
from explorer.model.catalogue import catalogue
from explorer.model.loading import LoadedModel, availability, hub_unreachable_reason
from explorer.model.families import family

UNSURE = 0.5  # a top-1 probability below this gets the "only knows these things" note


def is_fallback(loaded: LoadedModel) -> bool:
    """The embedded model runs because pretrained weights could not be had: it stood in for another model, or
    the Hub cannot be reached and no ImageNet model's weights are in the local cache (then choosing it was the
    only choice). With cached weights, the embedded model offline is a choice, and no banner says otherwise."""
    if loaded.name != embedded.EMBEDDED_NAME:
        return False
    return bool(loaded.fallback_reason) or bool(hub_unreachable_reason()) and not imagenet_weights_cached()


def imagenet_weights_cached() -> bool:
    """Some catalogued model's pretrained weights are in the local Hugging Face cache (they load offline)."""
    return any(availability(entry.name) == "ready (local Hugging Face cache)" for entry in catalogue())


def input_size(loaded: LoadedModel) -> str:
    """"32×32": the size the model sees every image at."""
    _, h, w = loaded.data_config["input_size"]
    return f"{h}×{w}"


def fallback_banner(loaded: LoadedModel) -> str:
    """A banner for every view while the embedded model stands in for an ImageNet one; "" otherwise."""
    if not is_fallback(loaded):
        return ""
    why = loaded.fallback_reason or f"{hub_unreachable_reason()}."
    classes = ", ".join(loaded.class_names)
    return ("⚠️ **ImageNet weights could not be loaded here**, so this is the small **embedded model trained on "
            f"{loaded.label_set}**. It knows only {len(loaded.class_names)} things ({classes}) and sees every image at "
            f"{input_size(loaded)} pixels. Why: {why}")


def unlike_training_images(picture: np.ndarray) -> str | None:
    """Why an (H, W, 3) picture in [0, 1], as the model sees it, is unlike a photo of an object, or None.

    Photos have many colours; text, drawings, screenshots and blank images are mostly one flat colour."""
    if picture.std() < 0.03:
        return "it is nearly one flat colour"
    # 8 levels per colour: one "flat colour" survives noise and JPEG
    levels = np.round(picture.reshape(-1, 3) * 7).astype(np.int64)
    counts = np.bincount(levels @ np.array([64, 8, 1]), minlength=512)  # one of 512 colours per pixel
    if counts.max() / counts.sum() > 0.6:
        return "most of it is one flat colour, as in text, a drawing or a screenshot"
    return None


def label_note(loaded: LoadedModel, picture: np.ndarray, top1_probability: float) -> str:
    """Under the predictions: what this model knows, and a gentle warning when its answer cannot mean much."""
    small = loaded.name == embedded.EMBEDDED_NAME
    knows = (f"This model knows {len(loaded.class_names)} classes: **{', '.join(loaded.class_names)}**, and sees the "
             f"image at {input_size(loaded)} pixels."
             if small else f"{len(loaded.class_names):,} {loaded.label_set} classes; the image is seen at "
                           f"{input_size(loaded)} pixels.")
    unlike = unlike_training_images(picture)
    if unlike:
        return (f"{knows}\n\nℹ️ This image is unlike the photos it learned from ({unlike}): whatever it answers, it "
                "can only pick among the classes it knows.")
    if loaded.weights == "random":
        rounded = " (the list above rounds it to 0%)" if top1_probability < 0.005 else ""
        return (f"{knows}\n\nℹ️ These are random weights: every class gets about 1 in {len(loaded.class_names):,} "
                f"({percent(1 / len(loaded.class_names))}), the top one here {percent(top1_probability)}{rounded}, so "
                "the answer means nothing yet: compare the pretrained weights.")
    if top1_probability < UNSURE:
        return (f"{knows}\n\nℹ️ The model is unsure (top class {percent(top1_probability)}): maybe the image shows "
                "none of the things it knows.")
    return knows


def percent(probability: float) -> str:
    """"31%", or "0.13%" where whole percents would say 0."""
    return f"{probability:.0%}" if probability >= 0.01 else f"{probability:.2%}"


def view_note(view: str, loaded: LoadedModel) -> str:
    """What to look for in `view` on this model (its family, its weights), or ""."""
    random = loaded.weights == "random"
    small = loaded.name == embedded.EMBEDDED_NAME
    if view == "stem":
        if random:
            return "These are random weights: the filters are noise, to compare with trained ones."
        if small:
            return ("This small CIFAR model's 4×4 stem filters are mostly colour detectors (a 4×4 patch has little "
                    "room for an edge); ImageNet Mixers' 16×16 and 32×32 filters learn oriented edges and "
                    "colour blobs.")
        return "Look for oriented edges at several angles and smooth colour blobs, as in a CNN's first layer."
    if view == "token-mixing":
        how = family(loaded.model).gallery_note
        return how + (" These are random weights: expect noise, with no spatial structure." if random else "")
    return ""
