"""Every part of Gradio the app uses that is not its public API, in one place, with what it is for. Each has a
test in tests/test_gradio_compat.py against the installed Gradio, so an upgrade that changes one fails there, by
name, rather than somewhere in the page.

- `probing()`: whether Gradio's queue is probing kept answers (gr.cache) before it queues an event
  (gradio.caching's `_probe_mode_active`), and `CacheMissError`, which a probe raises on a miss.
- `on_bad_input(demo, handle)`: wraps `Blocks.preprocess_data`, where the queue decodes an event's inputs.
- `encoded_picture` / `content_folder`: how Gradio encodes a picture and names its cache folder
  (gradio.processing_utils), so that a figure shown to many is written once, where Gradio would write it.
- `example_loaded(examples)`: the event by which gr.Examples puts an example into its inputs (not queued).
- `FETCH_HOOK`: the gr.Image method that fetches an image given as a URL (explorer.app.inputs.ImageInput
  overrides it to say why a fetch was refused).
- `TEMPLATE`: the class attribute that makes a subclass of a component drawn by the browser as that component.
- `FIRST_TAB_SELECT_ON_LOAD`: Gradio fires the first tab's `select` as the page opens; the page reads its deep
  link there (explorer.app.wiring). tests/test_page_events.py sees it in Chromium.
- gr.cache calls a handler with its arguments by name on a miss: explorer.app.answers.by_name.
- `current_request()`: the request of the event this thread is answering (gradio.context.LocalContext, which
  Gradio sets around each call of a handler, the queue's probe of kept answers included), so that the app's
  words follow the visitor's language (explorer.text.i18n) without every handler passing its request on.
- `GRADIO_CORE_MODULE`: the page's script file whose `changeLocale(tag)` sets the language Gradio's page speaks
  (what its Settings panel calls); page.js calls it when the address says `?lang=`.
"""
from __future__ import annotations

import functools
from typing import Any, Awaitable, Callable

import gradio as gr
import PIL.Image
from gradio import processing_utils
from gradio.caching import CacheMissError, _probe_mode_active
from gradio.context import LocalContext

from explorer.text import i18n

FETCH_HOOK = "async_move_resource_to_block_cache"
TEMPLATE = "is_template"
FIRST_TAB_SELECT_ON_LOAD = True
GRADIO_CORE_MODULE = r"/\/assets\/core-[\w-]+\.js$/"  # a JavaScript regular expression

__all__ = ["CacheMissError", "probing", "on_bad_input", "encoded_picture", "content_folder", "example_loaded",
           "FETCH_HOOK", "TEMPLATE", "FIRST_TAB_SELECT_ON_LOAD", "current_request",
           "GRADIO_CORE_MODULE"]


def probing() -> bool:
    """Whether this call runs inside the queue's probe of kept answers (before the event is queued)."""
    return _probe_mode_active.get()


def on_bad_input(demo: gr.Blocks, handle: Callable[[Exception], Awaitable[Any] | None]) -> gr.Blocks:
    """`demo` with `handle(error)` called when decoding an event's inputs fails (then the error goes on)."""
    preprocess = demo.preprocess_data

    @functools.wraps(preprocess)
    async def preprocess_data(*args: Any, **kwargs: Any) -> Any:
        try:
            return await preprocess(*args, **kwargs)
        except Exception as error:
            handle(error)
            raise

    demo.preprocess_data = preprocess_data  # type: ignore[method-assign]
    return demo


def encoded_picture(image: PIL.Image.Image, format: str) -> bytes:
    """The picture's file as Gradio writes it for a gr.Image."""
    return processing_utils.encode_pil_to_bytes(image, format)


def content_folder(data: bytes) -> str:
    """The name of the folder Gradio keeps a file of these bytes in, within its cache."""
    return processing_utils.hash_bytes(data)


def example_loaded(examples: gr.Examples) -> Any:
    """The event that loads a clicked example into the Examples' inputs (chain the page's answer on it)."""
    return examples.load_input_event


def current_request() -> gr.Request | None:
    """The request whose event this thread is answering; None outside an event (the CLI, a test, a notebook)."""
    return LocalContext.request.get(None)


i18n.read_requests_with(current_request)  # the app's words follow the request being answered
