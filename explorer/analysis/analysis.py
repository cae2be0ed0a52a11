"""One image on one model: the explorer's unit of work.

    from explorer import load_model
    from explorer.analysis.analysis import Analysis
    analysis = Analysis(load_model("embedded"), "cat.jpg")   # decode, preprocess, one hooked forward pass
    analysis.top_k(3)                  # read off that pass
    analysis.activations().maps        # (depth, grid_h, grid_w), computed now and kept
    analysis.evidence().saliency       # the one backward pass, the first time only
    analysis.shuffle()                 # the demo's two forwards, the first time only

Creating an analysis decodes the image and runs the model once (every block's output and each block's
token-mixing update are recorded); every view is a method that computes its arrays on first use and keeps
them, so the predictions, each tab of the app, the guided tour, the export, the CLI's `explain` and the
`/explain` endpoint all read one object. Views return small frozen dataclasses of arrays and labels: the
Plotly renderers (explorer.render.plotly) and matplotlib renderers (explorer.render.mpl) only draw them.

The app keeps recent analyses in explorer.memo, keyed by `Analysis.key_for` (the image bytes, not the
file name: the same photo uploaded twice, or an example clicked twice, is one analysis).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

import numpy as np
import torch

from explorer import memo
from explorer.analysis.activations import (
    Graph,
    activation_norms,
    capture_batch,
    capture_with_graph,
    channel_maps,
    input_times_gradient,
    logit_lens_probabilities,
    patch_logits,
    top_channels,
    update_norms,
)
from explorer.model.batching import Batcher
from explorer.errors import ModelError
from explorer.images import ImageSource
from explorer.model.inference import Prediction, preprocess, top_predictions
from explorer.model.loading import LoadedModel
from explorer.analysis.image import MAX_BATCH, image_digest
from explorer.analysis.model_views import architecture_card, token_mixing
from explorer.analysis.patch_drop import PatchDropView, patch_drop_view
from explorer.analysis.shuffle import ShuffleResult, patch_shuffle
from explorer.analysis.tour import tour_steps
from explorer.model.families import family
from explorer.model.weights import stem_filters
from explorer.text.i18n import t

T = TypeVar("T")

FORWARDS = Batcher(MAX_BATCH)  # analyses of new images made at the same moment on one model share a forward pass


# ---------------------------------------------------------------------------------------------- the views' data


@dataclass(frozen=True)
class ActivationView:
    """Per-layer activation maps over the image."""

    picture: np.ndarray  # (H, W, 3) float in [0, 1]: the input as the model saw it
    maps: np.ndarray  # (depth, grid_h, grid_w)
    channel: int | None  # None: the norm over all channels
    channels: int  # how many channels a block's output has

    # Words, read when a chart is drawn: in the language of whoever it is drawn for (the view itself is kept).
    @property
    def title(self) -> str:
        """What the maps are."""
        if self.channel is None:
            return t("analysis.activations.norm_title")
        return t("analysis.activations.channel_title", channel=self.channel, channels=self.channels)

    @property
    def quantity(self) -> str:
        """What one value is, for colour bars and hover text."""
        if self.channel is None:
            return t("analysis.activations.norm_quantity")
        return t("analysis.activations.channel_quantity", channel=self.channel)


@dataclass(frozen=True)
class UpdatesView:
    """Relative size of each block's residual updates: ||update|| / ||stream||."""

    token_mixing: np.ndarray  # (depth,), all NaN for gMLP (its one update mixes both)
    channel_mixing: np.ndarray  # (depth,), for gMLP the whole block's update
    family: str

    @property
    def separate(self) -> bool:
        return not bool(np.all(np.isnan(self.token_mixing)))


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


@dataclass(frozen=True)
class ShuffleView:
    """The patch-shuffle demo on this image."""

    picture: np.ndarray  # (H, W, 3)
    shuffled_picture: np.ndarray  # (H, W, 3)
    result: ShuffleResult
    # top-1 of: the original, the shuffled image, the shuffled image with permuted token mixing
    labels: tuple[str, str, str]


def lens_view(probs: np.ndarray, class_names: tuple[str, ...], final: int) -> LensView:
    """The logit lens read off its (depth, num_classes) probabilities; `final`: the model's own top-1."""
    top = probs.argmax(axis=1)
    return LensView(top, tuple(class_names[i] for i in top), probs[np.arange(len(top)), top], final,
                    class_names[final], probs[:, final])


def display_image(image: torch.Tensor, data_config: dict) -> np.ndarray:
    """(3, H, W) normalised input -> (H, W, 3) float in [0, 1]: exactly the pixels the model saw."""
    mean = torch.tensor(data_config["mean"]).view(3, 1, 1)
    std = torch.tensor(data_config["std"]).view(3, 1, 1)
    return (image.detach().float().cpu() * std + mean).clamp(0, 1).permute(1, 2, 0).numpy()


# ---------------------------------------------------------------------------------------------- the analysis


class Analysis:
    """One image on one model. Made once: the preprocessed tensor and one hooked forward pass (the upload itself
    is not kept: a photo is megabytes). Each view below is computed the first time it is asked for and kept."""

    def __init__(self, loaded: LoadedModel, image: ImageSource, digest: str | None = None,
                 with_gradients: bool = False):
        """with_gradients: record the forward pass for autograd, when the saliency will be asked for at once
        (an export): its backward then reuses this pass instead of running another."""
        self.loaded = loaded
        self.digest = digest or image_digest(image)
        self.input = preprocess(loaded, image).to(loaded.device)  # (3, H, W)
        # float32 always: the views' demos check equalities to 1e-5
        self._graph: Graph | None = None
        if with_gradients:
            self.capture, self._graph = capture_with_graph(loaded.model, self.input)
        else:
            model = loaded.model
            self.capture = FORWARDS.run(model, self.input, lambda inputs: capture_batch(model, torch.stack(inputs)))
        self.probabilities = self.capture.logits.float().softmax(-1).cpu()  # (num_classes,)
        self._kept: dict[Any, Any] = {}
        self._lock = threading.RLock()  # one view computed once even when two tabs ask at the same moment

    @classmethod
    def key_for(cls, loaded: LoadedModel, digest: str) -> tuple:
        """What makes two analyses the same: the image bytes and the model that ran (not the file name), and
        what was asked for (a fallback's summary says why the model asked for did not run)."""
        return (digest, id(loaded.model), loaded.name, loaded.weights, loaded.source, loaded.requested)

    @classmethod
    def of(cls, loaded: LoadedModel, image: ImageSource, session: str | None = None,
           with_gradients: bool = False) -> Analysis:
        """The kept analysis of this image on this model, or a new one (kept in explorer.memo)."""
        digest = image_digest(image)
        return memo.analysis(cls.key_for(loaded, digest), lambda: cls(loaded, image, digest, with_gradients), session)

    @property
    def key(self) -> tuple:
        return self.key_for(self.loaded, self.digest)

    def kept(self, key: Any, make: Callable[[], T]) -> T:
        """`make()`, made once per analysis and kept with it under `key` (views of other modules keep theirs here
        too, e.g. a block's token units on the unit pages)."""
        with self._lock:
            if key not in self._kept:
                self._kept[key] = make()
            return self._kept[key]

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.loaded.class_names

    @property
    def top1(self) -> int:
        return int(self.probabilities.argmax())

    def class_index(self, chosen: int | None) -> int:
        """A class asked for by index (None: the predicted one), checked against this model's head."""
        if chosen is None:
            return self.top1
        if not 0 <= chosen < len(self.class_names):
            raise ModelError(t("errors.analysis.class_index", index=chosen, count=len(self.class_names),
                               last=len(self.class_names) - 1))
        return int(chosen)

    # --- read off the forward pass

    def top_k(self, k: int = 5) -> list[Prediction]:
        return top_predictions(self.probabilities, self.class_names, k)

    @property
    def picture(self) -> np.ndarray:
        """(H, W, 3) float in [0, 1]: the input exactly as the model saw it (resized, cropped)."""
        return self.kept("picture", lambda: display_image(self.input, self.loaded.data_config))

    def activations(self, channel: int | None = None) -> ActivationView:
        """Every block's output on the patch grid: its norm over channels, or one channel."""
        channels = self.capture.blocks.shape[-1]
        if channel is None:
            return self.kept("activations",
                             lambda: ActivationView(self.picture, activation_norms(self.capture), None, channels))
        channel = min(max(int(channel), 0), channels - 1)
        return self.kept(("activations", channel),
                         lambda: ActivationView(self.picture, channel_maps(self.capture, channel), channel, channels))

    def top_channels(self, block: int, patch: int, k: int = 10) -> list[tuple[int, float]]:
        """The k channels with the largest |activation| at one patch of one block's output."""
        return top_channels(self.capture, block, patch, k)

    def updates(self) -> UpdatesView:
        def make() -> UpdatesView:
            norms = update_norms(self.capture)
            return UpdatesView(norms["token_mixing"], norms["channel_mixing"], family(self.loaded.model).name)

        return self.kept("updates", make)

    def patch_logits(self) -> np.ndarray:
        """(S, num_classes): the head applied to each final token alone (the mean over patches is the logits)."""
        return self.kept("patch_logits", lambda: patch_logits(self.loaded.model, self.capture).float().cpu().numpy())

    def lens_probabilities(self) -> np.ndarray:
        """(depth, num_classes): the softmax of the final norm and head applied to each block's output."""
        return self.kept("lens", lambda: logit_lens_probabilities(self.loaded.model, self.capture).cpu().numpy())

    def logit_lens(self) -> LensView:
        return self.kept("logit_lens", lambda: lens_view(self.lens_probabilities(), self.class_names, self.top1))

    # --- views that run the model again, the first time only

    def saliency(self, class_index: int | None = None) -> np.ndarray:
        """(H, W) input x gradient of one class (default: the top-1): one forward with gradients and one backward."""
        c = self.class_index(class_index)

        def make() -> np.ndarray:
            graph, self._graph = self._graph, None  # the recorded pass serves one backward, then is freed
            saliency = (graph.input_times_gradient(c) if graph is not None
                        else input_times_gradient(self.loaded.model, self.input, c))
            return saliency.float().cpu().numpy()

        return self.kept(("saliency", c), make)

    def evidence(self, class_index: int | None = None) -> EvidenceView:
        c = self.class_index(class_index)
        grid = self.capture.grid

        def make() -> EvidenceView:
            logits = self.patch_logits()[:, c].reshape(grid)
            return EvidenceView(self.picture, logits, c, self.class_names[c], float(self.capture.logits[c]),
                                self.saliency(c))

        return self.kept(("evidence", c), make)

    def shuffle(self) -> ShuffleView:
        def make() -> ShuffleView:
            # the captured output: two forwards, not three
            result = patch_shuffle(self.loaded.model, self.input, logits=self.capture.logits)
            names = self.class_names
            labels = tuple(names[int(np.argmax(logits))]
                           for logits in (result.logits, result.shuffled_logits, result.restored_logits))
            return ShuffleView(self.picture, display_image(result.shuffled_image, self.loaded.data_config), result,
                               labels)

        return self.kept("shuffle", make)

    def pre_logits(self) -> np.ndarray:
        """(C,) float64: the pooled features the head sees (timm's `forward_head(pre_logits=True)`), read off the
        one pass: what "Teach it"'s probe answers from."""
        def make() -> np.ndarray:
            with torch.no_grad():
                pooled = self.loaded.model.forward_head(self.capture.features[None].float(), pre_logits=True)
            return pooled[0].double().cpu().numpy()

        return self.kept("pre_logits", make)

    def patch_drop(self) -> PatchDropView:
        """A growing share of patches dropped (their tokens set to the mean token), under these weights and random
        ones: 40 images in one batched forward per set of weights, the first time only."""
        return self.kept("patch_drop", lambda: patch_drop_view(self.loaded, self.input, self.capture.logits))

    def tour(self) -> list:
        """The guided tour's seven steps (explorer.analysis.tour.TourStep) on this image."""
        return self.kept("tour", lambda: tour_steps(self))

    # --- what /explain and `python -m explorer explain` return

    def summary(self, top_k: int = 5, class_index: int | None = None) -> dict[str, Any]:
        """summary.json: the model, the predictions, the logit lens, the evidence, the shuffle, the architecture."""
        loaded, names = self.loaded, self.class_names
        c = self.class_index(class_index)
        lens, shuffle = self.logit_lens(), self.shuffle().result

        def top1(logits: np.ndarray) -> dict:
            i = int(np.argmax(logits))
            return {"index": i, "label": names[i]}

        summary = {
            "model": loaded.name,
            "weights": loaded.weights,
            "weights_source": str(loaded.source),  # words (explorer.text.words) said in the reader's language
            "device": str(loaded.device),
            "family": family(loaded.model).name,
            "label_set": str(loaded.label_set),
            "status": loaded.status(),
            "top_k": [p.as_dict() for p in self.top_k(top_k)],
            "logit_lens": [{"block": b, "label": lens.top_label[b], "index": int(lens.top_index[b]),
                            "probability": float(lens.top_probability[b])} for b in range(len(lens.top_index))],
            "evidence": {"index": c, "label": names[c], "model_logit": float(self.capture.logits[c]),
                         "mean_patch_logit": float(self.patch_logits()[:, c].mean())},
            "shuffle": {
                "top1": top1(shuffle.logits),
                "shuffled_top1": top1(shuffle.shuffled_logits),
                "restored_top1": top1(shuffle.restored_logits),
                "max_abs_logit_diff": shuffle.max_abs_logit_diff,
            },
            "token_mixing_smoothness": [token_mixing(loaded, b).smoothness for b in range(len(loaded.model.blocks))],
            "architecture": architecture_card(loaded).as_dict(),
        }
        if loaded.fallback_reason:
            summary["fallback_reason"] = loaded.fallback_reason
        return summary

    def arrays(self, class_index: int | None = None) -> dict[str, np.ndarray]:
        """arrays.npz: every view's numbers, with the weight views of the model."""
        model = self.loaded.model
        views = [token_mixing(self.loaded, b) for b in range(len(model.blocks))]
        evidence, updates, shuffle = self.evidence(class_index), self.updates(), self.shuffle().result
        return {
            "logits": self.capture.logits.float().cpu().numpy(),
            "token_mixing": np.stack([v.maps.reshape(len(v.maps), -1) for v in views]),  # (depth, units, S)
            "token_mixing_order": np.stack([v.order for v in views]),  # (depth, units)
            "activation_norms": self.activations().maps,  # (depth, grid_h, grid_w)
            "patch_evidence": evidence.patch_logits,  # (grid_h, grid_w)
            "saliency": evidence.saliency,  # (H, W)
            "logit_lens_probabilities": self.lens_probabilities(),  # (depth, num_classes)
            "token_update_norms": updates.token_mixing,  # (depth,)
            "channel_update_norms": updates.channel_mixing,  # (depth,)
            "shuffle_permutation": shuffle.permutation,  # (S,)
            "shuffled_logits": shuffle.shuffled_logits,
            "restored_logits": shuffle.restored_logits,
            "stem_filters": stem_filters(model),  # (C, p, p, 3)
        }
