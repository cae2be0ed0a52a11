"""The Gradio app, in the order a request meets it (this file imports nothing, so `presenters` and `links` load
without Gradio):

- `server`: every server setting (limits, queue, MCP, ZeroGPU, malloc) and `launch`.
- `wiring`: `build_app`: the page's components wired to their handlers; the public endpoints.
- `layout`: the components, made and found by name; one layout function per tab (`TABS`).
- `handlers`: `App`, the event handlers: the endpoints (also the MCP tools), the deep link, the steps, the units.
- `views`: one renderer per tab (`RENDERERS`), drawing from the session's analysis.
- `presenters`: what each view shows, as plain values (no Gradio); `lessons`: the same for Teach it and Patch drop.
- `links`: the deep link's parameters, read and clamped (no Gradio).
- `inputs`: the image and model inputs, `user_errors`; `outputs`: the pictures, each file written once.
- `page`: page.css and page.js, with the selector lists they share.

A new view is a `TABS` entry (layout), a renderer in `RENDERERS` with its outputs in `VIEW_OUTPUTS` (views), what
it shows in presenters, and its id in `links.VIEWS`.
"""
