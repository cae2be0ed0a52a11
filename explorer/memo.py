"""Every cache the explorer keeps, named and bounded here, in one place. (Two live elsewhere: explorer.model.loading's
cache of loaded models, at most `loading.LOADED_MODELS` of them, and the answers already given, which Gradio's
gr.cache keeps so that its queue can serve a repeat without queueing it: bounded here by ANSWER_ENTRIES and
ANSWER_BYTES, registered in ANSWERS by explorer.app.answers, and cleared with the rest by `clear`.)

| cache                | key                                         | bound                               |
|----------------------|---------------------------------------------|-------------------------------------|
| RECENT_ANALYSES      | (image digest, model, weights)              | the 2 most recent analyses          |
| SESSION_ANALYSES     | a browser tab's or client's session          | its current analysis, 64 sessions   |
| EXAMPLE_ANALYSES     | (example image digest, model, weights)      | 16 analyses of the shipped examples |
| MODEL_VIEWS          | the model object (freed with it)            | one dict of weight-only views each  |
| model_file           | the model object (deleted with it)          | one model.npz each, for exports     |
| EXPORTS              | an analysis                                 | 32 folders, deleted after an hour   |
| TIMELINE_GALLERIES   | (block, epoch) of the embedded timeline     | 256 mosaics                         |
| CATALOGUE, LABELS    | a model name, a label set                   | 128 entries, 8 label lists          |
| TIMELINE             | the shipped training timeline               | read once                           |
| UNIT_INDEXES         | an index file, folder or set of images      | 8 (the shipped ones, a few others)  |
| FEATURES             | (weights digest, model, unit, steps, seed)  | 256 feature visualisations          |
| TAUGHT_FEATURES      | (model, weights, image digest)              | 4,096 pre-logits of taught images   |
| ANSWERS (gr.cache)   | (image digest, model, weights, top-k, ...)  | 512 answers and 4 MB, each endpoint |

A person looks at one image from many sides (tabs, a channel, a block, an export) while other people upload
theirs, so an analysis is kept twice over: in the small LRU of recent ones, and as the current analysis of
the session that made it, which other sessions' uploads cannot evict (only 64 newer sessions can). The
example images everybody clicks are kept apart (`pin_images`), so the second click on one answers at once.
"""
from __future__ import annotations

import functools
import shutil
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Hashable, Iterable, TypeVar

T = TypeVar("T")

RECENT = 2
SESSIONS = 64
EXAMPLES = 16  # 8 shipped examples on two models (a B/16 analysis holds ~10 MB)
EXPORT_FOLDERS = 32
# An answer (top-k labels and the status line, the model map) is a few KB: 512 hold a hall's own uploads beside the
# examples everybody clicks, and the bytes bound holds if an answer grows (a top-50, a bigger map).
ANSWER_ENTRIES = 512
ANSWER_BYTES = 4 << 20
EXPORT_LIFETIME_S = 3600


class Bounded:
    """A named, thread-safe LRU: `get(key, make)` returns the kept value or makes, keeps and returns it.

    One value is made once: a second thread asking for a key that is being made waits for it (two browser
    events for the same new image, say) instead of making it again; other keys go on meanwhile."""

    def __init__(self, name: str, size: int, on_evict: Callable[[Any], None] | None = None):
        self.name, self.size, self.on_evict = name, size, on_evict
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.making: dict[Hashable, threading.Lock] = {}  # one lock per key being made

    def peek(self, key: Hashable) -> Any | None:
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        return None

    def put(self, key: Hashable, value: T, replace: bool = False) -> T:
        """Keep `value` under `key` (if another thread kept one first, that one stays, unless `replace`)."""
        with self.lock:
            if replace:
                self.entries[key] = value
            value = self.entries.setdefault(key, value)
            self.entries.move_to_end(key)
            evicted = [self.entries.popitem(last=False)[1] for _ in range(max(0, len(self.entries) - self.size))]
        for old in evicted:
            if self.on_evict:
                self.on_evict(old)
        return value

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        found = self.peek(key)
        if found is not None:
            return found
        with self.lock:
            making = self.making.setdefault(key, threading.Lock())
        try:
            with making:  # whoever comes second finds the value made by the first
                found = self.peek(key)
                return found if found is not None else self.put(key, make())
        finally:
            with self.lock:
                self.making.pop(key, None)

    def __call__(self, fn: Callable[..., T]) -> Callable[..., T]:
        """Use as a decorator: the function's results kept here, keyed by its (hashable) arguments."""

        @functools.wraps(fn)
        def kept(*args: Hashable) -> T:
            return self.get((fn.__qualname__, *args), lambda: fn(*args))

        return kept

    def discard(self, keys: Iterable[Hashable]) -> None:
        """Forget these keys (those not kept are ignored)."""
        with self.lock:
            for key in keys:
                self.entries.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def __len__(self) -> int:
        return len(self.entries)


# ---------------------------------------------------------------------------------------------- per image

RECENT_ANALYSES = Bounded("recent analyses", RECENT)
SESSION_ANALYSES = Bounded("each session's current analysis", SESSIONS)
EXAMPLE_ANALYSES = Bounded("analyses of the example images", EXAMPLES)
PINNED_IMAGES: set[str] = set()  # digests of the example images


def pin_images(digests: Iterable[str]) -> None:
    """Keep the analyses of these images (by digest) in EXAMPLE_ANALYSES, whoever asks for them."""
    PINNED_IMAGES.update(digests)


def analysis(key: tuple, make: Callable[[], T], session: str | None = None) -> T:
    """The analysis under `key` (the image digest first): from the kept ones (examples or recent), from a session
    that still holds it, or made now (once, however many requests ask for it at the same moment).

    With a `session`, the analysis becomes that session's current one, kept until the session moves on to
    another image (or 64 newer sessions came), however many analyses other people ask for meanwhile."""

    def held_or_made() -> T:
        with SESSION_ANALYSES.lock:
            held = next((a for k, a in SESSION_ANALYSES.entries.values() if k == key), None)
        return held if held is not None else make()

    # examples: kept apart, for every later click
    kept = EXAMPLE_ANALYSES if key[0] in PINNED_IMAGES else RECENT_ANALYSES
    result = kept.get(key, held_or_made)
    if session is not None:
        SESSION_ANALYSES.put(session, (key, result), replace=True)
    return result


# ---------------------------------------------------------------------------------------------- per model

MODEL_VIEWS: "weakref.WeakKeyDictionary[Any, dict]" = weakref.WeakKeyDictionary()
_model_lock = threading.RLock()  # re-entrant: a gallery is made from the kept token-mixing view


def per_model(model: Any, key: Hashable, make: Callable[[], T]) -> T:
    """A view that depends on the weights only (token-mixing units, galleries, stem, architecture card),
    made once per loaded model and freed with it."""
    with _model_lock:
        views = MODEL_VIEWS.setdefault(model, {})
        if key not in views:
            views[key] = make()
        return views[key]


@functools.cache
def model_file_root() -> Path:
    """One temporary folder per process for the files made once per model (created on first use)."""
    return Path(tempfile.mkdtemp(prefix="mixer-explorer-models-"))


def model_file(model: Any, name: str, write: Callable[[Path], None]) -> Path:
    """A file that depends on the weights only (an export's model.npz): written once per loaded model by
    `write(path)`, again only if it went, and deleted when the model is freed (or the process ends)."""
    with _model_lock:
        views = MODEL_VIEWS.setdefault(model, {})
        path = views.get(("file", name))
        if path is None or not path.exists():
            folder = Path(tempfile.mkdtemp(prefix="model-", dir=model_file_root()))
            weakref.finalize(model, shutil.rmtree, folder, True)
            path = folder / name
            write(path)
            views[("file", name)] = path
        return path


# ---------------------------------------------------------------------------------------------- exports

@functools.cache
def export_root() -> Path:
    """One temporary folder per process for export files (created on first use)."""
    return Path(tempfile.mkdtemp(prefix="mixer-explorer-exports-"))


def prune_exports(max_age_s: float = EXPORT_LIFETIME_S) -> None:
    """Exports are a few MB each and the server hands out copies of them: remove ours after an hour."""
    now = time.time()
    for folder in export_root().iterdir():
        if now - folder.stat().st_mtime > max_age_s:
            shutil.rmtree(folder, ignore_errors=True)


EXPORTS = Bounded("export folders", EXPORT_FOLDERS, on_evict=lambda folder: shutil.rmtree(folder, ignore_errors=True))


def export(key: Hashable, write: Callable[[Path], None]) -> Path:
    """The export folder of one analysis: written once by `write(folder)`, again only if its files went."""
    folder = EXPORTS.peek(key)
    if folder is not None and (folder / "explanation.zip").exists():
        return folder
    prune_exports()
    folder = Path(tempfile.mkdtemp(prefix="explain-", dir=export_root()))
    write(folder)
    return EXPORTS.put(key, folder, replace=True)  # a rewritten export replaces the one whose files went


# ---------------------------------------------------------------------------------------------- shipped data

TIMELINE = Bounded("the embedded model's training timeline", 1)
TIMELINE_GALLERIES = Bounded("training-timeline mosaics", 256)
CATALOGUE = Bounded("catalogue entries", 128)
LABELS = Bounded("label sets", 8)

# Unit pages (explorer.units): indexes of reference sets (each up to a few MB, the shipped sprite included)
# and feature visualisations (a B/16 one takes minutes on a CPU: 150 KB kept beats recomputing).
UNIT_INDEXES = Bounded("unit indexes and shipped unit pictures", 8)
FEATURES = Bounded("feature visualisations", 256)

# "Teach it" (explorer.analysis.teach): the pre-logits of the images people taught, so that pressing Learn again
# (another image added, a class removed) computes only the new ones. 6 KB each for B/16 (768 float64), 25 MB in
# all at most; a lesson's entries are forgotten when its visitor's page closes or after an hour (the lesson's
# gr.State's delete_callback), and the classes themselves live only in that state, never here.
TAUGHT_FEATURES = Bounded("pre-logits of the images people taught", 4096)

# The stores of Gradio's gr.cache that hold the answers already given (explorer.app.answers adds them; each is
# bounded by ANSWER_ENTRIES and ANSWER_BYTES when it is made, and goes with the app that made it).
ANSWERS: "weakref.WeakSet[Any]" = weakref.WeakSet()

ALL = (RECENT_ANALYSES, SESSION_ANALYSES, EXAMPLE_ANALYSES, EXPORTS, TIMELINE, TIMELINE_GALLERIES, CATALOGUE, LABELS,
       UNIT_INDEXES, FEATURES, TAUGHT_FEATURES)


def clear() -> None:
    """Forget everything (tests, and a server that wants its memory back)."""
    for cache in (*ALL, *ANSWERS):
        cache.clear()
    with _model_lock:
        MODEL_VIEWS.clear()
