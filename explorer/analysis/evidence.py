"""The evidence view: which patches argue for a class, two ways.

- Per-patch logits: a Mixer's head is norm -> mean over patches -> linear, so a class logit is exactly the mean
  over patches of per-patch logits (the head applied to each final token alone). Read off the one capture.
- Input x gradient: one backward pass of the class logit, summed over colours (the first time only; an export's
  analysis recorded its forward for autograd, so that backward needs no second forward).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from timm.models.mlp_mixer import MlpMixer

from explorer.analysis.capture import Capture, input_times_gradient

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis


@dataclass(frozen=True)
class EvidenceView:
    """Per-patch logits of one class (their mean is the class logit) and an input x gradient map."""

    picture: np.ndarray  # (H, W, 3)
    patch_logits: np.ndarray  # (grid_h, grid_w)
    class_index: int
    label: str
    logit: float  # the model's own logit for the class (= patch_logits.mean())
    saliency: np.ndarray  # (H, W) input x gradient, summed over colours

    @property
    def relative(self) -> np.ndarray:
        """(grid_h, grid_w): each patch's logit minus the mean patch's, so the colours say which patches argue for
        the class more than the average patch does (on a confident image every patch logit may be positive)."""
        return self.patch_logits - self.logit


@torch.inference_mode()
def head_per_patch(model: MlpMixer, cap: Capture) -> torch.Tensor:
    """(S, num_classes): the head applied to each final token alone, the bias shared equally among patches.

    Because the head is linear after the mean over patches, their mean over patches is exactly the model's logits.
    """
    return model.head(cap.features)  # mean_s(W f_s + b) = W mean_s(f_s) + b


def patch_logits(analysis: Analysis) -> np.ndarray:
    """(S, num_classes): every class's per-patch logits (the mean over patches is the logits)."""
    return analysis.kept("patch_logits",
                         lambda: head_per_patch(analysis.loaded.model, analysis.capture).float().cpu().numpy())


def saliency(analysis: Analysis, class_index: int | None = None) -> np.ndarray:
    """(H, W) input x gradient of one class (default: the top-1): one forward with gradients and one backward."""
    c = analysis.class_index(class_index)

    def make() -> np.ndarray:
        graph = analysis.take_graph()
        found = (graph.input_times_gradient(c) if graph is not None
                 else input_times_gradient(analysis.loaded.model, analysis.input, c))
        return found.float().cpu().numpy()

    return analysis.kept(("saliency", c), make)


def view(analysis: Analysis, class_index: int | None = None) -> EvidenceView:
    """The evidence for one class (default: the top-1)."""
    c = analysis.class_index(class_index)

    def make() -> EvidenceView:
        logits = patch_logits(analysis)[:, c].reshape(analysis.capture.grid)
        return EvidenceView(analysis.picture, logits, c, analysis.class_names[c],
                            float(analysis.capture.logits[c]), saliency(analysis, c))

    return analysis.kept(("evidence", c), make)


def summary(analysis: Analysis, class_index: int) -> dict[str, Any]:
    c = class_index
    return {"evidence": {"index": c, "label": analysis.class_names[c],
                         "model_logit": float(analysis.capture.logits[c]),
                         "mean_patch_logit": float(patch_logits(analysis)[:, c].mean())}}


def arrays(analysis: Analysis, class_index: int) -> dict[str, np.ndarray]:
    shown = view(analysis, class_index)
    return {"patch_evidence": shown.patch_logits,  # (grid_h, grid_w)
            "saliency": shown.saliency}  # (H, W)
