"""The logit lens view: the final norm, the pooling and the head applied to every block's output, so each block
says what the model would answer if it stopped there. The last block's answer is the model's own.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from timm.models.mlp_mixer import MlpMixer

from explorer.analysis.capture import Capture

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis


@dataclass(frozen=True)
class LensView:
    """The logit lens: the final norm and head applied to every block's output."""

    top_index: np.ndarray  # (depth,) the lens's top-1 class after each block
    top_label: tuple[str, ...]  # (depth,)
    top_probability: np.ndarray  # (depth,)
    final_index: int  # the model's own top-1
    final_label: str
    final_probability: np.ndarray  # (depth,) the final class's probability after each block

    @property
    def changes(self) -> np.ndarray:
        """Indices of the blocks where the lens's top-1 differs from the block before (block 0 included)."""
        return np.flatnonzero(np.r_[True, self.top_index[1:] != self.top_index[:-1]])


@torch.inference_mode()
def lens_probabilities(model: MlpMixer, cap: Capture) -> torch.Tensor:
    """(depth, num_classes): softmax of the final norm + pooling + head applied to each block's output."""
    pooled = model.norm(cap.blocks).mean(dim=1)  # (depth, C)
    return model.head(pooled).float().softmax(dim=-1)


def lens_view(probs: np.ndarray, class_names: tuple[str, ...], final: int) -> LensView:
    """The logit lens read off its (depth, num_classes) probabilities; `final`: the model's own top-1."""
    top = probs.argmax(axis=1)
    return LensView(top, tuple(class_names[i] for i in top), probs[np.arange(len(top)), top], final,
                    class_names[final], probs[:, final])


def probabilities(analysis: Analysis) -> np.ndarray:
    """(depth, num_classes): the lens's probabilities after every block."""
    return analysis.kept("lens", lambda: lens_probabilities(analysis.loaded.model, analysis.capture).cpu().numpy())


def view(analysis: Analysis) -> LensView:
    return analysis.kept("logit_lens", lambda: lens_view(probabilities(analysis), analysis.class_names,
                                                         analysis.top1))


def summary(analysis: Analysis, class_index: int) -> dict[str, Any]:
    lens = view(analysis)
    return {"logit_lens": [{"block": b, "label": lens.top_label[b], "index": int(lens.top_index[b]),
                            "probability": float(lens.top_probability[b])} for b in range(len(lens.top_index))]}


def arrays(analysis: Analysis, class_index: int) -> dict[str, np.ndarray]:
    return {"logit_lens_probabilities": probabilities(analysis)}  # (depth, num_classes)
