"""One image on one model: the explorer's unit of work, and the cache of everything shown about it.

    from explorer import load_model
    from explorer.analysis import activations, evidence, shuffle
    from explorer.analysis.analysis import Analysis
    analysis = Analysis(load_model("embedded"), "cat.jpg")   # decode, preprocess, one hooked forward pass
    analysis.top_k(3)                       # read off that pass
    activations.view(analysis).maps         # (depth, grid_h, grid_w), computed now and kept with the analysis
    evidence.view(analysis).saliency        # the one backward pass, the first time only
    shuffle.view(analysis)                  # the demo's two forwards, the first time only

Creating an analysis decodes the image and runs the model once (every block's output and each block's
token-mixing update are recorded: explorer.analysis.capture). Each view's arrays and the step that computes them
live in that view's own module (explorer.analysis.activations, evidence, logit_lens, shuffle, patch_drop, tour,
shift, teach; model_views for what depends on the weights only): its `view(analysis)` asks `analysis.kept` for
them, so they are computed the first time anyone looks and kept with the analysis. The predictions, each tab of
the app, the guided tour, the export, the CLI's `explain` and the `/explain` endpoint all read one object. Views
are small frozen dataclasses of arrays and labels: the Plotly renderers (explorer.render.plotly) and matplotlib
renderers (explorer.render.mpl) only draw them.

What an export holds (summary.json, arrays.npz and model.npz: explorer.export) is asked of the modules in
EXPORTED, one list, in the order summary.json lists their fields.

The app keeps recent analyses in explorer.memo, keyed by `Analysis.key_for` (the image bytes, not the
file name: the same photo uploaded twice, or an example clicked twice, is one analysis).
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Protocol, TypeVar

import numpy as np
import torch

from explorer import memo
from explorer.analysis import activations, evidence, logit_lens, model_views, shuffle
from explorer.analysis.capture import Graph, capture_batch, capture_with_graph
from explorer.analysis.image import MAX_BATCH, display_image, image_digest
from explorer.errors import ModelError
from explorer.images import ImageSource
from explorer.model.batching import Batcher
from explorer.model.families import family
from explorer.model.inference import Prediction, preprocess, top_predictions
from explorer.model.loading import LoadedModel
from explorer.text.i18n import t

T = TypeVar("T")

FORWARDS = Batcher(MAX_BATCH)  # analyses of new images made at the same moment on one model share a forward pass


class Exported(Protocol):
    """A view module's part of an export: its fields of summary.json and its arrays (arrays.npz; the weights' own
    in model.npz). `class_index` is the class the export explains (the top-1 unless asked)."""

    def summary(self, analysis: Analysis, class_index: int) -> dict[str, Any]: ...

    def arrays(self, analysis: Analysis, class_index: int) -> dict[str, np.ndarray]: ...


# What an export holds besides the predictions, in the order of summary.json's fields.
EXPORTED: tuple[Exported, ...] = (activations, logit_lens, evidence, shuffle, model_views)


class Analysis:
    """One image on one model. Made once: the preprocessed tensor and one hooked forward pass (the upload itself
    is not kept: a photo is megabytes). Each view is computed the first time its module is asked for it
    (`evidence.view(analysis)`, ...) and kept here, with the analysis."""

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
        """`make()`, made once per analysis and kept with it under `key`: where every view module keeps its arrays
        (the evidence, the logit lens, the corruption grid, a block's token units on the unit pages, ...)."""
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

    def take_graph(self) -> Graph | None:
        """The pass recorded for autograd (`with_gradients`), once: it serves one backward, then is freed."""
        with self._lock:
            graph, self._graph = self._graph, None
            return graph

    # --- what /explain and `python -m explorer explain` return: asked of the modules in EXPORTED

    def summary(self, top_k: int = 5, class_index: int | None = None) -> dict[str, Any]:
        """summary.json: the model, the predictions, then each exported view's fields (the logit lens, the evidence,
        the shuffle, the token-mixing smoothness, the architecture)."""
        loaded, c = self.loaded, self.class_index(class_index)
        summary = {
            "model": loaded.name,
            "weights": loaded.weights,
            "weights_source": str(loaded.source),  # words (explorer.text.words) said in the reader's language
            "device": str(loaded.device),
            "family": family(loaded.model).name,
            "label_set": str(loaded.label_set),
            "status": loaded.status(),
            "top_k": [p.as_dict() for p in self.top_k(top_k)],
        }
        for part in EXPORTED:
            summary |= part.summary(self, c)
        if loaded.fallback_reason:
            summary["fallback_reason"] = loaded.fallback_reason
        return summary

    def arrays(self, class_index: int | None = None) -> dict[str, np.ndarray]:
        """arrays.npz and model.npz: the logits, then each exported view's arrays."""
        c = self.class_index(class_index)
        arrays = {"logits": self.capture.logits.float().cpu().numpy()}
        for part in EXPORTED:
            arrays |= part.arrays(self, c)
        return arrays
