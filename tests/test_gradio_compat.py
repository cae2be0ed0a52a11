"""The parts of Gradio the app uses beyond its public API (explorer.app.gradio_compat), each checked against the
installed Gradio: a release that changes one fails here, by name."""
import inspect

import gradio as gr
import numpy as np
import pytest
from gradio_client import Client
from PIL import Image

from conftest import EXAMPLES, free_port
from explorer.app import gradio_compat as compat


def test_the_probe_flag_is_set_while_the_queue_probes_kept_answers():
    from gradio.caching import ProbeCache

    assert compat.probing() is False
    with ProbeCache():
        assert compat.probing() is True
        with pytest.raises(compat.CacheMissError):
            gr.cache(lambda x: x)(1)  # a miss while probing raises, as the queue expects
    assert compat.probing() is False


def test_bad_input_met_while_decoding_reaches_the_handler_and_the_caller():
    seen: list[str] = []
    with gr.Blocks() as demo:
        choice, out = gr.Radio(["a", "b"], value="a"), gr.Textbox()
        gr.Button().click(lambda c: c, choice, out, api_name="echo")
    compat.on_bad_input(demo, lambda error: seen.append(str(error)))
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        assert client.predict("b", api_name="/echo") == "b"
        with pytest.raises(Exception, match="bogus"):
            client.predict("bogus", api_name="/echo")
        assert len(seen) == 1 and "bogus" in seen[0]
    finally:
        demo.close()


def test_a_picture_lands_in_the_folder_gradio_names_for_its_bytes(tmp_path):
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 256, (20, 30, 3), dtype=np.uint8))
    shown = gr.Image(format="png").postprocess(picture)  # Gradio writes it into its own cache
    path = shown.path if hasattr(shown, "path") else shown["path"]
    data = compat.encoded_picture(picture, "png")
    assert Image.open(path).tobytes() == picture.tobytes()
    assert path.split("/")[-2] == compat.content_folder(data)


def test_the_examples_load_their_inputs_by_an_unqueued_event():
    with gr.Blocks() as demo:
        image = gr.Image(type="filepath")
        examples = gr.Examples([str(EXAMPLES / "chelsea-cat.jpg")], inputs=[image])
    event = compat.example_loaded(examples)
    assert event["queue"] is False and [t[1] for t in event["targets"]] == ["click"] and callable(event.then)
    assert [demo.blocks[i] for i in event["outputs"]] == [image]  # the example goes into the image


def test_an_image_given_as_a_url_is_fetched_by_the_method_the_app_overrides():
    hook = getattr(gr.Image, compat.FETCH_HOOK)
    assert inspect.iscoroutinefunction(hook) and list(inspect.signature(hook).parameters)[:2] == ["self",
                                                                                                  "url_or_file_path"]


def test_a_template_subclass_is_drawn_as_its_parent_component():
    # (the app's own subclasses: a class defined here would make Gradio write a .pyi beside this file)
    from explorer.app.inputs import ImageInput, ModelInput
    from explorer.app.outputs import Picture, Pictures

    for own, parent in ((ImageInput, "image"), (ModelInput, "dropdown"), (Picture, "image"), (Pictures, "gallery")):
        assert getattr(own, compat.TEMPLATE) is True and own().get_block_name() == parent


def test_gr_cache_calls_a_handler_by_name_on_a_miss_so_star_args_need_by_name():
    from explorer.app.answers import by_name

    def handler(view, *values):
        return (view, values)

    with pytest.raises(TypeError):  # gr.cache binds the arguments and calls handler(view=..., values=(...))
        gr.cache(handler)("predict", 1, 2)
    assert gr.cache(by_name(handler))("predict", 1, 2) == ("predict", (1, 2))
