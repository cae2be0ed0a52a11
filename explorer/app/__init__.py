"""The Gradio app, in the order a request meets it (this file imports nothing, so `presenters` loads without
Gradio):

- `server`: every server setting (limits, queue, MCP, ZeroGPU, malloc) and `launch`.
- `wiring`: `build_app`: the page's components wired to their handlers; the public endpoints.
- `layout`: the page: the image and its answer, the model map, one tab per view.
- `views`: the views, one module each (`views/<id>.py` exports a `View`: its layout, its draw, its words, its place
  on the map), listed once in `views.VIEWS`; everything that lists views is built from that list.
- `handlers`: `App`, the event handlers: the endpoints (also the MCP tools), a new image's screen, the deep link.
- `presenters`: what the views show, as plain values (no Gradio); `lessons`: the same for Teach it and Patch drop.
- `links`: the deep link's parameters, read and clamped; `navigation`: the map's places and the address.
- `inputs`: the image and model inputs, `user_errors`; `outputs`: the pictures, each file written once.
- `answers`: answers given before, served again without queueing; `page`: page.css and page.js.

Adding a view: docs/architecture.md says how, in one place.
"""
