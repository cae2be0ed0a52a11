"""Answers already given, served again without queueing: /predict (the MCP tool `classify`) and the predictions a
new image shows in the page (an example clicked, an upload, a deep link).

A lecture hall clicks the example on the screen: after the first, every ask is for an answer the server has.
Gradio's queue probes an event's function before it queues the event when that function comes from `gr.cache`
(gradio.queueing.Queue.push, under gradio.caching.ProbeCache): a hit is answered in the request that asked, a
miss raises CacheMissError before the handler runs and the event joins the queue as before (where concurrent new
images share a batch, explorer.model.batching). Nothing else lets an answer skip the queue, so these answers are
kept by gr.cache rather than by an explorer.memo.Bounded; they are bounded the same way all the same: at most
`memo.ANSWER_ENTRIES` answers and `memo.ANSWER_BYTES` per endpoint, the least recently used going first, and
listed in `memo.ANSWERS`, so that `memo.clear()` empties them.

A key is what the answer depends on: the image's bytes (its digest, never its path: every upload gets a new
one), the model and weights as asked (the status line says which ran), top-k as the handler clamps it, and for
the page the block it sets the slider to. A call whose key cannot be read (a file gone) is queued and its handler
says what is wrong, as without the cache. Errors are never kept (gr.cache keeps returned answers only), and bad
input met while probing is a miss (`misses_on_bad_input`), so its message reaches the caller as before.
"""
from __future__ import annotations

import copy
import functools
import inspect
import itertools
from typing import Any, Callable

import gradio as gr
from gradio.blocks import Block

from explorer import memo
from explorer.app.gradio_compat import CacheMissError, on_bad_input, probing
from explorer.analysis.analysis import image_digest
from explorer.app.presenters import MAX_TOP_K
from explorer.app.views.base import CONTROLS, Controls
from explorer.text.i18n import asked_language, current_language

Key = Callable[[dict[str, Any]], tuple]
_unkept = itertools.count()  # numbers the keys of calls that cannot be answered from the kept ones


def kept(handler: Callable, key: Key) -> Callable:
    """`handler` with its answers kept under key(its arguments by name): a repeat is answered without queueing
    (for an event wired to the returned function) or without running the handler (called directly).

    Each caller gets its own copy of a kept answer: Gradio's postprocessing pops values off update dicts."""
    cached = gr.cache(by_name(handler), key=_readable(key), max_size=memo.ANSWER_ENTRIES,
                      max_memory=memo.ANSWER_BYTES)
    memo.ANSWERS.add(cached.cache)

    @functools.wraps(handler)  # Gradio reads the handler's signature (gr.Request) and docstring (MCP) through it
    def served(*args: Any, **kwargs: Any) -> Any:
        return own_copy(cached(*args, **kwargs))

    served.cache = cached.cache  # what Gradio's queue looks for before it probes
    return served


def by_name(handler: Callable) -> Callable:
    """`handler` callable with its arguments by name, as gr.cache calls it on a miss (`func(**arguments)`), which
    a handler taking the page's controls as `*values` could not be: those arrive as one tuple, and go back in
    their places here."""
    signature = inspect.signature(handler)

    @functools.wraps(handler)
    def call(**arguments: Any) -> Any:
        bound = signature.bind_partial()
        bound.arguments.update(arguments)
        return handler(*bound.args, **bound.kwargs)

    return call


def misses_on_bad_input(demo: gr.Blocks) -> gr.Blocks:
    """Gradio probes the kept answers after it has decoded the event's inputs, in the request that asked, and
    lets an error met there escape as an HTTP 500 without its message (Queue.push re-raises it). Bad input (an
    image address it will not fetch, a weights value not among the choices) is made a miss instead: the event
    joins the queue and fails there with its message, as it did before answers were kept. (Gradio's own flag for
    the probe: explorer.app.gradio_compat; tests/test_answers.py also sends bad input through the real server.)"""
    def missed(error: Exception) -> None:
        if probing():
            raise CacheMissError() from None

    return on_bad_input(demo, missed)


def own_copy(answer: Any) -> Any:
    """A copy of an answer that postprocessing may change (a component given as an update is read, not changed)."""
    if isinstance(answer, dict):
        return {target: value if isinstance(value, Block) else copy.deepcopy(value) for target, value in answer.items()}
    return copy.deepcopy(answer)


def _readable(key: Key) -> Key:
    def read(arguments: dict[str, Any]) -> tuple:
        try:
            return key(arguments)
        except Exception:  # noqa: BLE001 - a key no answer is kept under: the queued handler explains
            return ("not kept", next(_unkept))

    return read


def _clamped(top_k: Any) -> int:
    """top-k as explorer.app.presenters.top_labels reads it."""
    return max(1, min(int(top_k or 5), MAX_TOP_K))


def _asked(arguments: dict[str, Any]) -> tuple:
    image = arguments["image"]
    return (None if image is None else image_digest(image), arguments["model"] or "",
            arguments["weights"] or "pretrained", _clamped(arguments["top_k"]), current_language())


def predict_key(arguments: dict[str, Any]) -> tuple:
    """/predict's answer: the labels and the status line."""
    if arguments["image"] is None:
        raise ValueError("no image: the handler says so")
    return ("predict", *_asked(arguments))


def screen_key(arguments: dict[str, Any]) -> tuple:
    """A new image's screen in the page (explorer.app.handlers.App.image_changed): the predictions, the banner,
    the block slider, the map and the open view, which depend on the image, the model and every control but the
    visitor's lesson; a screen that carries anything of a lesson (its classes on Teach it, a learned probe's answer)
    is the visitor's own, and not kept."""
    c = Controls(*arguments["values"])
    if c.lesson is not None and (c.lesson.names or c.lesson.learned is not None):
        raise ValueError("this visitor's lesson: their own answer")
    image = None if c.image is None else image_digest(c.image)
    asked = ("image", "model", "weights", "top_k", "lesson")
    others = tuple(getattr(c, name) for name in CONTROLS if name not in asked)
    return ("screen", image, c.model or "", c.weights or "pretrained", _clamped(c.top_k), arguments["view"],
            current_language(), asked_language(), *others)  # its words, and its address (which may name its language)
