"""What the app tells a person about the model that is running, so that no view promises what it does not show.

- `fallback_banner`: the embedded CIFAR-10 model runs because ImageNet weights could not be had, said plainly.
- `label_note`: what the model knows (the embedded one: 10 classes, 32×32 pixels), and a gentle word when an
  image is unlike anything it was trained on or its answer is unsure.
- `view_note`: one or two sentences per view that are true of *this* model's family and weights.

Every text is said in the language of whoever is answered (explorer.text.i18n.t; keys `guidance.*`).
"""
from __future__ import annotations

import numpy as np

from explorer.model import embedded
from explorer.model.catalogue import catalogue
from explorer.model.loading import LoadedModel, availability, hub_unreachable_reason
from explorer.model.families import family
from explorer.model.labels import shown_name
from explorer.text.i18n import t

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
    return any(availability(entry.name).key == "status.available.cache" for entry in catalogue())


def input_size(loaded: LoadedModel) -> str:
    """"32×32": the size the model sees every image at."""
    _, h, w = loaded.data_config["input_size"]
    return f"{h}×{w}"


def class_list(loaded: LoadedModel) -> str:
    """"airplane, automobile, …": the model's classes as the page names them, in the current language."""
    return t("guidance.list_separator").join(shown_name(name, loaded.class_names) for name in loaded.class_names)


def fallback_banner(loaded: LoadedModel) -> str:
    """A banner for every view while the embedded model stands in for an ImageNet one; "" otherwise."""
    if not is_fallback(loaded):
        return ""
    why = loaded.fallback_reason or t("status.reason", why=hub_unreachable_reason())
    return t("guidance.banner", labels=loaded.label_set, count=len(loaded.class_names), classes=class_list(loaded),
             size=input_size(loaded), why=why)


def unlike_training_images(picture: np.ndarray) -> str | None:
    """Why an (H, W, 3) picture in [0, 1], as the model sees it, is unlike a photo of an object, or None.

    Photos have many colours; text, drawings, screenshots and blank images are mostly one flat colour."""
    if picture.std() < 0.03:
        return t("guidance.unlike.flat")
    # 8 levels per colour: one "flat colour" survives noise and JPEG
    levels = np.round(picture.reshape(-1, 3) * 7).astype(np.int64)
    counts = np.bincount(levels @ np.array([64, 8, 1]), minlength=512)  # one of 512 colours per pixel
    if counts.max() / counts.sum() > 0.6:
        return t("guidance.unlike.mostly_flat")
    return None


def label_note(loaded: LoadedModel, picture: np.ndarray, top1_probability: float) -> str:
    """Under the predictions: what this model knows, and a gentle warning when its answer cannot mean much."""
    small, count, size = loaded.name == embedded.EMBEDDED_NAME, len(loaded.class_names), input_size(loaded)
    knows = (t("guidance.knows.small", count=count, classes=class_list(loaded), size=size) if small
             else t("guidance.knows.large", count=count, labels=loaded.label_set, size=size))
    unlike = unlike_training_images(picture)
    if unlike:
        return t("guidance.note.unlike", knows=knows, why=unlike)
    if loaded.weights == "random":
        rounded = t("guidance.note.rounded") if top1_probability < 0.005 else ""
        return t("guidance.note.random", knows=knows, count=count, chance=percent(1 / count),
                 top=percent(top1_probability), rounded=rounded)
    if top1_probability < UNSURE:
        return t("guidance.note.unsure", knows=knows, top=percent(top1_probability))
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
            return t("guidance.stem.random")
        return t("guidance.stem.small") if small else t("guidance.stem.large")
    if view == "token-mixing":
        how = t(family(loaded.model).gallery_note)
        return how + (t("guidance.token_mixing.random") if random else "")
    return ""
