"""Everything the explorer shows about one image and one model, as arrays, a JSON summary and figures.

    from explorer import load_model
    from explorer.explain import explain, save_explanation
    result = explain(load_model("embedded"), "cat.jpg")
    result.summary["logit_lens"], result.arrays["patch_evidence"], result.figures["evidence"]
    save_explanation(result, "out/")   # PNGs (+ SVG for charts), arrays.npz, summary.json

This is what `python -m explorer explain` and the app's `/explain` endpoint return.
"""
from __future__ import annotations

import json
import threading
import weakref
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure

from explorer import embedded, figures
from explorer.activations import Capture, activation_norms, capture, logit_lens, logit_lens_probabilities, patch_evidence, update_norms
from explorer.architecture import architecture_card
from explorer.images import ImageSource, load_image
from explorer.inference import top_predictions
from explorer.loading import LoadedModel
from explorer.shuffle import patch_shuffle
from explorer.weights import TokenMixingView, family, frequency_order, smoothness, square_maps, stem_filters, stem_order, token_mixing_view

VECTOR_FIGURES = ("updates", "logit_lens")  # line and bar charts: also written as SVG


# ---------------------------------------------------------------------------------------------- weight views, cached

_weight_cache: "weakref.WeakKeyDictionary[torch.nn.Module, dict]" = weakref.WeakKeyDictionary()
_weight_lock = threading.RLock()  # re-entrant: a gallery is made from the cached view


def _cached(model: torch.nn.Module, key: Any, make) -> Any:
    """Per-model memo for things that depend only on the weights (not the image); freed with the model."""
    with _weight_lock:
        per_model = _weight_cache.setdefault(model, {})
        if key not in per_model:
            per_model[key] = make()
        return per_model[key]


def token_mixing(loaded: LoadedModel, block: int) -> TokenMixingView:
    """The token-mixing view of one block, computed once per model."""
    return _cached(loaded.model, ("view", block), lambda: token_mixing_view(loaded.model, block))


def token_mixing_gallery(loaded: LoadedModel, block: int, cmap: str = figures.DIVERGING) -> tuple[np.ndarray, figures.GalleryLayout]:
    """The paper's Figure 5 for one block: an (H, W, 3) mosaic and its layout (for clicks), cached."""

    def make():
        view = token_mixing(loaded, block)
        layout = figures.gallery_layout(len(view.maps), view.maps.shape[1:], view.order)
        return figures.gallery_image(view.maps, layout, cmap), layout

    return _cached(loaded.model, ("gallery", block, cmap), make)


def encoded_gallery(loaded: LoadedModel, name: str, make) -> bytes:
    """A weights-only picture as PNG bytes, encoded once per model: exports copy it instead of re-encoding."""
    return _cached(loaded.model, ("png", name), lambda: figures.png_bytes(make()))


def stem_gallery(loaded: LoadedModel) -> tuple[np.ndarray, figures.GalleryLayout]:
    """The paper's Figure 7: the stem's per-patch RGB filters, ordered like the token-mixing units, cached."""

    def make():
        filters = stem_filters(loaded.model)
        layout = figures.gallery_layout(len(filters), filters.shape[1:3], stem_order(filters))
        return figures.rgb_gallery_image(filters, layout), layout

    return _cached(loaded.model, "stem", make)


@lru_cache(maxsize=256)
def timeline_gallery(block: int, epoch: int) -> tuple[np.ndarray, float]:
    """The embedded model's token-mixing units of one block at one saved epoch of its training, each snapshot
    ordered on its own; returns the mosaic and the snapshot's smoothness."""
    maps = square_maps(embedded.read_timeline()[epoch]["token_mixing"][block])  # (D_S, side, side)
    layout = figures.gallery_layout(len(maps), maps.shape[1:], frequency_order(maps), width_px=520)
    return figures.gallery_image(maps, layout), smoothness(maps)


def architecture_card_cached(loaded: LoadedModel):
    """The architecture card (a FLOP count and timed forwards: seven passes) once per model."""
    return _cached(loaded.model, "architecture", lambda: architecture_card(loaded))


# ---------------------------------------------------------------------------------------------- one image


def display_image(image: torch.Tensor, data_config: dict) -> np.ndarray:
    """(3, H, W) normalised input -> (H, W, 3) float in [0, 1]: exactly the pixels the model saw."""
    mean = torch.tensor(data_config["mean"]).view(3, 1, 1)
    std = torch.tensor(data_config["std"]).view(3, 1, 1)
    return (image.detach().float().cpu() * std + mean).clamp(0, 1).permute(1, 2, 0).numpy()


@dataclass
class Explanation:
    summary: dict[str, Any]  # what summary.json holds
    arrays: dict[str, np.ndarray]  # what arrays.npz holds
    capture: Capture  # the forward pass itself, for views with more choices (a channel, a patch)
    image: np.ndarray  # (H, W, 3) in [0, 1]: the input as the model saw it
    shuffled_image: np.ndarray  # (H, W, 3) in [0, 1]: the same with its patches shuffled
    figures: dict[str, Figure | np.ndarray] = field(default_factory=dict)
    encoded: dict[str, bytes] = field(default_factory=dict)  # PNGs of the weights-only figures, cached per model


def explain(loaded: LoadedModel, image: ImageSource, class_index: int | None = None, top_k: int = 5, with_figures: bool = True) -> Explanation:
    """Every view for one image. class_index picks the class for evidence and saliency (default: the top-1)."""
    model, names = loaded.model, loaded.class_names
    x = loaded.transform(load_image(image)).to(loaded.device)  # (3, H, W)
    cap = capture(model, x, saliency_class="top1" if class_index is None else class_index)
    probs = cap.logits.float().softmax(-1).cpu()
    top = top_predictions(probs, names, top_k)
    target = cap.saliency_class
    evidence = patch_evidence(model, cap, target)
    lens = logit_lens(model, cap, names)
    lens_probs = logit_lens_probabilities(model, cap).cpu().numpy()  # (depth, num_classes)
    updates = update_norms(cap)
    shuffle = patch_shuffle(model, x, logits=cap.logits)  # the original output is the captured one
    views = [token_mixing(loaded, b) for b in range(len(model.blocks))]

    def top1(logits: np.ndarray) -> dict:
        i = int(np.argmax(logits))
        return {"index": i, "label": names[i]}

    summary = {
        "model": loaded.name,
        "weights": loaded.weights,
        "weights_source": loaded.source,
        "device": str(loaded.device),
        "family": family(model),
        "label_set": loaded.label_set,
        "status": loaded.status(),
        "top_k": [p.as_dict() for p in top],
        "logit_lens": [{"block": s.block, "label": s.label, "index": s.index, "probability": s.probability} for s in lens],
        "evidence": {"index": target, "label": names[target], "model_logit": float(cap.logits[target]), "mean_patch_logit": float(evidence.mean())},
        "shuffle": {
            "top1": top1(shuffle.logits),
            "shuffled_top1": top1(shuffle.shuffled_logits),
            "restored_top1": top1(shuffle.restored_logits),
            "max_abs_logit_diff": shuffle.max_abs_logit_diff,
        },
        "token_mixing_smoothness": [v.smoothness for v in views],
        "architecture": architecture_card_cached(loaded).as_dict(),
    }
    if loaded.fallback_reason:
        summary["fallback_reason"] = loaded.fallback_reason
    arrays = {
        "logits": cap.logits.float().cpu().numpy(),
        "token_mixing": np.stack([v.maps.reshape(len(v.maps), -1) for v in views]),  # (depth, units, S)
        "token_mixing_order": np.stack([v.order for v in views]),  # (depth, units)
        "activation_norms": activation_norms(cap),  # (depth, grid_h, grid_w)
        "patch_evidence": evidence,  # (grid_h, grid_w)
        "saliency": cap.saliency.float().cpu().numpy(),  # (H, W)
        "logit_lens_probabilities": lens_probs,  # (depth, num_classes)
        "token_update_norms": updates["token_mixing"],  # (depth,)
        "channel_update_norms": updates["channel_mixing"],  # (depth,)
        "shuffle_permutation": shuffle.permutation,  # (S,)
        "shuffled_logits": shuffle.shuffled_logits,
        "restored_logits": shuffle.restored_logits,
        "stem_filters": stem_filters(model),  # (C, p, p, 3)
    }
    result = Explanation(summary, arrays, cap, display_image(x, loaded.data_config), display_image(shuffle.shuffled_image, loaded.data_config))
    return with_figures_drawn(loaded, result) if with_figures else result


def with_figures_drawn(loaded: LoadedModel, result: Explanation) -> Explanation:
    """The explanation with its own set of figures: a Figure is drawing state, so each caller that renders
    gets its own and may `figures.release` them when done, while the numbers stay shared."""
    weight_figures = {f"token_mixing_block{b:02d}": token_mixing_gallery(loaded, b)[0] for b in range(len(loaded.model.blocks))}
    weight_figures["stem_filters"] = stem_gallery(loaded)[0]
    encoded = {name: encoded_gallery(loaded, name, lambda: picture) for name, picture in weight_figures.items()}
    return replace(result, figures={**weight_figures, **image_figures(result)}, encoded=encoded)


def image_figures(result: Explanation) -> dict[str, Figure]:
    """The figures that depend on the image: activations, updates, evidence, logit lens, patch shuffle."""
    s, a, image, shuffled = result.summary, result.arrays, result.image, result.shuffled_image
    final = s["top_k"][0]
    sh = s["shuffle"]
    out: dict[str, Figure] = {}
    out["activations"] = figures.activations_figure(image, a["activation_norms"])
    out["updates"] = figures.updates_figure({"token_mixing": a["token_update_norms"], "channel_mixing": a["channel_update_norms"]})
    out["evidence"] = figures.evidence_figure(image, a["patch_evidence"], a["saliency"], s["evidence"]["label"])
    out["logit_lens"] = figures.lens_figure(s["logit_lens"], a["logit_lens_probabilities"][:, final["index"]], final["label"])
    out["shuffle"] = figures.shuffle_figure(image, shuffled, (sh["top1"]["label"], sh["shuffled_top1"]["label"], f"{sh['restored_top1']['label']} (max |Δlogit| {sh['max_abs_logit_diff']:.1e})"))
    return out


def save_explanation(result: Explanation, out_dir: str | Path) -> list[Path]:
    """Write every figure as PNG (charts also as SVG), the arrays as arrays.npz and the summary as summary.json."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in result.figures.items():
        path = out / f"{name}.png"
        if name in result.encoded:
            path.write_bytes(result.encoded[name])
        elif isinstance(fig, np.ndarray):
            path.write_bytes(figures.png_bytes(fig))
        else:
            path.write_bytes(figures.figure_bytes(fig, "png"))
            if name in VECTOR_FIGURES:
                (out / f"{name}.svg").write_bytes(figures.figure_bytes(fig, "svg"))
                written.append(out / f"{name}.svg")
        written.append(path)
    np.savez(out / "arrays.npz", **result.arrays)  # float arrays barely compress; zlib would cost more than it saves
    (out / "summary.json").write_text(json.dumps(result.summary, indent=2) + "\n")
    return written + [out / "arrays.npz", out / "summary.json"]
