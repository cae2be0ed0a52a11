"""The last few explained images and what was made from them, so the app does each piece of work once.

A person looks at one image at a time but from many sides: another channel, another patch, another tab, an
export. `RecentExplanations.get` answers all of them from one `explain` (forward, saliency backward, patch
shuffle); the figures are drawn to pixels once and the export files written once.
"""
from __future__ import annotations

import functools
import hashlib
import shutil
import tempfile
import threading
import time
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer import figures
from explorer.explain import Explanation, explain, image_figures, save_explanation, with_figures_drawn
from explorer.loading import LoadedModel

EXPORT_LIFETIME_S = 3600


@functools.cache
def export_root() -> Path:
    return Path(tempfile.mkdtemp(prefix="mixer-explorer-exports-"))


def prune_exports(max_age_s: float = EXPORT_LIFETIME_S) -> None:
    """Exports are a few MB each and the server hands out copies of them: remove ours after an hour."""
    now = time.time()
    for folder in export_root().iterdir():
        if now - folder.stat().st_mtime > max_age_s:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Recent:
    """One explained image: the numbers, and what has been made from them so far."""

    result: Explanation  # numbers only, no Figures
    drawn: dict[str, np.ndarray] = field(default_factory=dict)  # the image figures as pixels, for the tabs
    exported: Path | None = None  # the folder save_explanation wrote, with explanation.zip beside it

    def pictures(self) -> dict[str, np.ndarray]:
        """activations, updates, evidence, logit_lens and shuffle, drawn once."""
        if not self.drawn:  # two requests may both draw the first time: harmless, the pixels are the same
            self.drawn.update({name: figures.drawn_once(fig) for name, fig in image_figures(self.result).items()})
        return self.drawn

    def export_folder(self, loaded: LoadedModel) -> Path:
        """Every figure, the arrays and the summary written once, then served again while the files exist."""
        if self.exported is None or not (self.exported / "explanation.zip").exists():
            prune_exports()
            result = with_figures_drawn(loaded, self.result)
            out = Path(tempfile.mkdtemp(prefix="explain-", dir=export_root()))
            files = save_explanation(result, out / "explanation")
            figures.release(result.figures)
            with zipfile.ZipFile(out / "explanation.zip", "w", zipfile.ZIP_STORED) as zf:  # PNGs are compressed already
                for f in files:
                    zf.write(f, f.name)
            self.exported = out
        return self.exported


class RecentExplanations:
    """The last few explanations, per (image content, model, weights, class).

    Choosing another channel or patch, opening another tab or exporting what is on screen reuses the forward
    and backward passes, the drawings and the files instead of repeating them. Entries hold numbers, pixels
    and paths only: each caller that draws makes its own Figures and releases them.
    """

    def __init__(self, size: int = 2):
        self.size = size
        self.entries: OrderedDict[tuple, Recent] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, loaded: LoadedModel, image: str, class_index: int | None) -> Recent:
        try:  # the bytes, not the path: Gradio re-writes each upload, and a path may be reused for another image
            digest = hashlib.sha256(Path(image).read_bytes()).hexdigest()
        except OSError:  # not a readable file: explain says why, in the words every other path uses
            return Recent(explain(loaded, image, class_index=class_index, with_figures=False))
        key = (digest, id(loaded.model), loaded.name, loaded.weights, class_index)
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        recent = Recent(explain(loaded, image, class_index=class_index, with_figures=False))
        with self.lock:
            self.entries[key] = recent
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return recent
