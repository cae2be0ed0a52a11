"""Every setting of the server in one place: upload and session limits, the queue, the MCP switch, ZeroGPU, the
malloc tuning, and `launch`."""
from __future__ import annotations

import ctypes
import functools
import os
from typing import Any, Callable

import gradio as gr

from explorer.app import page
from explorer.text.i18n import gradio_translations
from explorer.model.embedded import EXAMPLES_DIR

try:  # On a ZeroGPU Space, GPU work must run inside functions decorated with spaces.GPU; elsewhere nothing changes.
    import spaces

    on_gpu = spaces.GPU
except ImportError:

    def on_gpu(fn: Callable) -> Callable:
        return fn

MAX_FILE_SIZE = "10mb"
# Gradio keeps a copy of every component's config per session (~0.3 MB here, ~150 MB for all); the oldest go (their
# open tab forgotten): 512 keep a hall of 500 whole.
MAX_SESSIONS = 512
FILE_LIFETIME_S = 3600  # Gradio deletes its copies of served files after an hour (explorer.memo does the same)
# Events waiting at most: a lecture hall of 500 people, each with an event waiting and one more behind it. Answers
# given before never wait (explorer.app.answers), so what waits is new images (about 30 a second on two cores,
# sharing batches) and the page's redraws. Beyond it a request is refused at once ("This application is currently
# busy. Please try again." in the page, gradio_client's QueueError) rather than left to time out; README "Spaces"
# says how a Space serves more.
QUEUE_SIZE = 1024
CONCURRENCY = 2  # events of the page run two at a time (forward passes have their own, larger limit: MAX_BATCH)
# glibc maps tensors over this size and unmaps them when freed. 4 MB holds a B/16 or L/16 forward's per-image
# tensors (≤ 3.2 MB) in the heap: with 256 KB each forward mapped them afresh (~41,000 page faults, ~35% of a
# B/16 forward in the server), and /predict took 1.20x a minimal gr.Interface; with 4 MB, 1.01x, for a peak of
# 1.53 GB instead of 1.45 GB over 20 /explain (docs/performance.md "Memory").
MMAP_THRESHOLD = 4 << 20
# Gradio's status tracker announces each finished event to screen readers through keys its English locale lacks
# ("common.complete" was read out as such), and writes a waiting event's place in the queue in English only: the
# app's catalogues carry them.
GRADIO_OWN_KEYS = ("common.complete", "common.error", "status.queue_position")


def queued(demo: gr.Blocks) -> gr.Blocks:
    """The app's queue: bounded, with its default concurrency."""
    return demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)


def keep_memory_flat() -> None:
    """glibc gives each worker thread its own heap and, after large frees, raises the size above which it maps
    memory directly, so a server whose threads allocate tensors of megabytes grows and stays grown (glibc's
    defaults: 1.72 GB after 20 B/16 /explain). Two heaps and a fixed threshold keep it near what it uses: a
    tensor over MMAP_THRESHOLD is mapped, and unmapped when freed; smaller ones are reused from the heap, whose
    free pages `give_memory_back` returns after a large answer. Only on glibc; a setting of the server process,
    made before it starts serving."""
    libc = glibc()
    if libc is not None:
        m_mmap_threshold, m_arena_max = -3, -8
        libc.mallopt(m_arena_max, 2)
        libc.mallopt(m_mmap_threshold, MMAP_THRESHOLD)


def give_memory_back() -> None:
    """Return the heaps' free pages to the system (glibc's malloc_trim), after an answer that allocated hundreds
    of megabytes (an export: figures, files): without it, a server whose heaps served /explain would keep them."""
    libc = glibc()
    if libc is not None:
        libc.malloc_trim(0)


@functools.cache
def glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc has them, musl and macOS do not
    except (OSError, AttributeError):
        return None
    return libc


def launch(demo: gr.Blocks, host: str | None = None, port: int | None = None, mcp: bool | None = None,
           **kwargs: Any) -> None:
    """Serve on 127.0.0.1:7860 unless GRADIO_SERVER_NAME / GRADIO_SERVER_PORT (or host/port) say otherwise, with
    the MCP server at /gradio_api/mcp/ unless EXPLORER_MCP=0 (or mcp=False)."""
    keep_memory_flat()
    demo.launch(
        server_name=host or os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=port or int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        mcp_server=os.environ.get("EXPLORER_MCP", "1") != "0" if mcp is None else mcp,
        max_file_size=MAX_FILE_SIZE,
        state_session_capacity=MAX_SESSIONS,
        allowed_paths=[str(EXAMPLES_DIR)],
        theme=page.theme(),
        css=page.css(),
        js=page.script(),
        i18n=gradio_translations(),  # every label's words in every language: the page picks its own
        **kwargs,
    )
