"""The model map: its data for every family (tiny real models and the embedded one), and the map itself in Chromium."""
import base64
import io
import json

import pytest
import torch
from PIL import Image

from conftest import EMBEDDED_BLOCKS, EXAMPLES, FAMILY_MODELS, ROOT, free_port, tiny_model
from explorer.analysis.analysis import Analysis
from explorer.app.model_map import PARTS, SubPlace, model_map
from explorer.app.model_map_view import model_map_value
from explorer.app.views import VIEWS, View
from explorer.model.catalogue import architecture_dims
from explorer.model.loading import _prepare, load_model
from explorer.model.families import family
from explorer.text.i18n import speaking

CAT = EXAMPLES / "chelsea-cat.jpg"
OUTPUT = ROOT / "test-output"
KINDS = {"MLP-Mixer": "mlp", "gMixer": "mlp", "ResMLP": "linear", "gMLP": "spatial-gating"}
# what each family's blocks mix with, by their catalogue keys: gMixer's MLPs are gated (GluMlp), gMLP's channel MLP
# is gated by its spatial gating unit
MIXING_NAMES = {"MLP-Mixer": ("map.mixing.token_mlp", "map.mixing.channel_mlp"),
                "gMixer": ("map.mixing.gated_token_mlp", "map.mixing.gated_channel_mlp"),
                "ResMLP": ("map.mixing.linear", "map.mixing.channel_mlp"),
                "gMLP": ("map.mixing.spatial_gating", "map.mixing.gated_channel_mlp")}
LOCALES = ROOT / "explorer" / "text" / "locales"
# a view the app does not have, with a smaller place of its own under the stem (a stage with none in the app)
STEM_LENS = View("stem-lens", "stem.image", "", lambda ui: None, None, (), place="stem-lens", opened_from_map=True,
                 sub_place=SubPlace(under="stem", label="stem.image", tip="stem.title"))


def catalogue(tag: str) -> dict[str, str]:
    """One language's words, read from its file (not through the code that looks them up)."""
    return json.loads((LOCALES / f"{tag}.json").read_text(encoding="utf-8"))


def tiny(name: str):
    model = tiny_model(name)
    # what timm preprocesses to
    model.pretrained_cfg = {**model.pretrained_cfg, "input_size": (3, 64, 64), "crop_pct": 1.0}
    return _prepare(model, f"tiny {name}", "random", "test", torch.device("cpu"))


def timm_top1_and_norms(loaded, image: Image.Image) -> tuple[str, float, torch.Tensor]:
    """The top-1 class and probability of timm's own forward on the preprocessed image, and each block's output
    norm over channels, averaged over the patches ((depth,)), block by block through the model's own modules."""
    with torch.inference_mode():
        x = loaded.transform(image.convert("RGB"))[None].to(loaded.device)
        probabilities = loaded.model(x).softmax(-1)[0]
        tokens, norms = loaded.model.stem(x), []
        for block in loaded.model.blocks:
            tokens = block(tokens)  # (1, S, C)
            norms.append(tokens[0].norm(dim=-1).mean())
    best = int(probabilities.argmax())
    return loaded.class_names[best], float(probabilities[best]), torch.stack(norms)


def decoded(uri: str) -> Image.Image:
    assert uri.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


@pytest.mark.parametrize("name", FAMILY_MODELS)
def test_every_family_is_mapped_from_its_real_configuration(name, photo):
    loaded = tiny(name)
    model = loaded.model
    dims = architecture_dims(model)
    s, c = dims["tokens"], dims["channels"]
    bare = model_map(loaded)
    assert ((bare.depth, len(bare.blocks), bare.tokens, bare.channels, bare.grid)
            == (len(model.blocks), len(model.blocks), 16, c, (4, 4)))
    assert [b.index for b in bare.blocks] == list(range(len(model.blocks)))
    assert ((bare.input.shape, bare.patches.shape, bare.stem.shape, bare.block_shape)
            == ("64×64×3", f"16×{16 * 16 * 3}", f"16×{c}", f"16×{c}"))
    assert (bare.pool.shape, bare.head.shape, bare.classes) == (str(c), "7", 7)
    assert ([getattr(bare, p.replace("-", "_")).part for p in ("input", "patches", "stem", "pool", "head")]
            == ["input", "patches", "stem", "pool", "head"])
    assert bare.family == family(model).name
    assert bare.token_mixing.kind == KINDS[bare.family]
    english = catalogue("en")
    assert (bare.token_mixing.name, bare.channel_mixing.name) == tuple(english[k] for k in MIXING_NAMES[bare.family])
    expected = f"{s}→{dims['tokens_mlp_dim']}→{s}" if bare.token_mixing.kind == "mlp" else f"{s}×{s}"
    assert bare.token_mixing.shape == expected
    assert bare.channel_mixing.shape == f"{c}→{dims['channels_mlp_dim']}→{c}"
    assert bare.input.picture == "" and all(b.picture == "" for b in bare.blocks) and bare.top1_label == ""

    analysis = Analysis(loaded, photo)
    seen = model_map(loaded, analysis)
    label, probability, norms = timm_top1_and_norms(loaded, photo)
    assert seen.top1_label == label and seen.top1_probability == pytest.approx(probability, abs=1e-5)
    assert decoded(seen.blocks[-1].picture).size == (4, 4)  # one pixel per patch
    assert [b.mean_norm for b in seen.blocks] == pytest.approx(norms.tolist(), rel=1e-4)
    assert max(decoded(seen.input.picture).size) <= 112


def test_the_embedded_model_on_the_cat():
    loaded = load_model("embedded")
    analysis = Analysis(loaded, CAT)
    seen = model_map(loaded, analysis)
    assert ((seen.name, seen.family, seen.depth, seen.tokens, seen.channels, seen.grid, seen.classes)
            == ("embedded", "MLP-Mixer", EMBEDDED_BLOCKS, 64, 128, (8, 8), 10))
    assert seen.token_mixing.kind == "mlp"
    assert seen.input.shape == "32×32×3" and seen.stem.shape == "64×128"
    label, probability, _ = timm_top1_and_norms(loaded, Image.open(CAT))
    assert seen.top1_label == label and seen.top1_probability == pytest.approx(probability, abs=1e-5)
    assert decoded(seen.blocks[0].picture).size == (8, 8)
    assert set(PARTS) == {"input", "patches", "stem", "token-mixing", "channel-mixing", "pool", "head"}


@pytest.mark.parametrize("tag", ["en", "es", "zh-CN"])
def test_every_word_of_the_map_is_in_the_visitors_language(tag):
    """The map's value, built while answering a visitor who reads `tag`, carries that catalogue's words: the
    template's own (value.words), the places' titles and details, the mixings' names, each block's name."""
    words = catalogue(tag)
    loaded = load_model("embedded")
    label, _, _ = timm_top1_and_norms(loaded, Image.open(CAT))
    s, c, p, depth, classes = 64, 128, 4, EMBEDDED_BLOCKS, 10  # the embedded model: 32×32 in 4×4 patches
    with speaking(tag):
        value = model_map_value(model_map(loaded, Analysis(loaded, CAT), VIEWS), ("token-mixing", 3))
    assert value["words"] == {
        "map_name": words["map.name"].format(name="embedded"), "title_tip": words["map.title_tip"],
        "facts": words["map.facts"].format(family="MLP-Mixer", depth=depth, s=s, c=c),
        "input_alt": words["map.input_alt"],
        "stem_glyph": words["map.stem_glyph"].format(p=p, c=c),
        "token_row": words["map.token_row"], "channel_row": words["map.channel_row"],
        "top": words["map.row_top"], "bottom": words["map.row_bottom"],
        "blocks": words["map.blocks"].format(depth=depth),
        "pool_glyph": words["map.pool_glyph"].format(s=s),
        "classes": words["map.classes"].format(classes=classes),
        "top1": words["map.top1"].format(label=words.get(f"cifar10.{label}", label))}  # CIFAR-10 names said too
    # the smaller places under the stages: the corruption lab under the input, patch drop under the patches, teach
    # it under the head
    assert {part: value[part]["subs"] for part in ("input", "patches", "stem", "pool", "head")} == {
        "input": [{"view": "shift", "label": words["map.shift"], "tip": words["map.shift_tip"]}],
        "patches": [{"view": "drop", "label": words["map.drop"], "tip": words["map.drop_tip"]}],
        "stem": [], "pool": [],
        "head": [{"view": "teach", "label": words["map.teach"], "tip": words["map.teach_tip"]}]}
    titles = [value[part]["title"] for part in ("input", "patches", "stem", "pool", "head")]
    assert titles == [words[f"map.{part}.title"] for part in ("input", "patches", "stem", "pool", "head")]
    assert value["input"]["detail"] == words["map.input.detail"]
    assert value["patches"]["detail"] == words["map.patches.detail"].format(grid_h=8, grid_w=8, s=s, p=p)
    assert value["stem"]["detail"] == words["map.stem.detail"].format(p=p, values=48, c=c)
    assert value["pool"]["detail"] == words["map.pool.detail"].format(s=s, c=c)
    assert value["head"]["detail"] == words["map.head.detail"].format(c=c, classes=classes)
    token_name = words["map.mixing.token_mlp"]
    assert value["token_mixing"]["name"] == token_name
    assert value["channel_mixing"]["name"] == words["map.mixing.channel_mlp"]
    assert value["token_mixing"]["detail"] == words["map.token.mlp_detail"].format(name=token_name, s=s, d_s=64)
    assert value["channel_mixing"]["detail"] == words["map.channel.detail"].format(c=c, d_c=512)
    third = value["blocks"][3]
    assert (third["token_name"], third["channel_name"], third["token_tip"], third["channel_tip"]) == (
        words["map.block.token"].format(block=3), words["map.block.channel"].format(block=3),
        words["map.block.token_tip"].format(block=3, name=token_name),
        words["map.block.channel_tip_norm"].format(block=3, norm=third["mean_norm"]))
    if tag != "en":  # and none of them is English's
        assert value["words"]["token_row"] != catalogue("en")["map.token_row"]
        assert third["token_name"] != catalogue("en")["map.block.token"].format(block=3)


def test_without_an_image_a_blocks_tooltip_names_no_norm():
    bare = model_map(load_model("embedded"))
    assert bare.blocks[0].channel_tip == catalogue("en")["map.block.channel_tip"].format(block=0)
    assert bare.words["top1"] == ""


def test_an_analysis_of_another_model_is_refused():
    with pytest.raises(ValueError, match="the analysis was made on another model than the one mapped"):
        model_map(tiny("mixer_s16_224"), Analysis(load_model("embedded"), CAT))


def test_the_components_value_and_the_places_it_reports():
    from types import SimpleNamespace

    from explorer.app.model_map_view import model_map_component, opened_place

    drawn = model_map(load_model("embedded"))
    assert model_map_value(None) is None
    assert model_map_value(drawn)["open"] is None
    value = model_map_value(drawn, ("channel-mixing", 5))
    assert value["open"] == {"part": "channel-mixing", "block": 5} and value["depth"] == EMBEDDED_BLOCKS
    assert model_map_component(value).value == value
    assert opened_place(SimpleNamespace(part="token-mixing", block=3)) == ("token-mixing", 3)
    assert opened_place(SimpleNamespace(part="model", block=None)) == ("model", None)
    assert opened_place(SimpleNamespace(part="teach", block=None)) == ("teach", None)  # a view's smaller place
    with pytest.raises(ValueError, match="not a place on the model map: 'elsewhere'"):
        opened_place(SimpleNamespace(part="elsewhere", block=None))


def test_a_view_declaring_a_smaller_place_is_under_its_stage_and_nowhere_else():
    english = catalogue("en")
    drawn = model_map(load_model("embedded"), None, (*VIEWS, STEM_LENS))
    assert [(b.view, b.label, b.tip) for b in drawn.stem.subs] == [("stem-lens", english["stem.image"],
                                                                     english["stem.title"])]
    assert [b.view for b in drawn.input.subs + drawn.patches.subs + drawn.pool.subs + drawn.head.subs] == [
        "shift", "drop", "teach"]
    assert model_map(load_model("embedded")).stem.subs == ()  # no views given: no smaller places


@pytest.mark.parametrize("spec, problem", [
    (dict(place="stem"), "its place at its own button under a stage: place='odd', opened_from_map=True"),
    (dict(opened_from_map=False), "its place at its own button under a stage: place='odd', opened_from_map=True"),
    (dict(sub_place=SubPlace("token-mixing", "stem.image", "stem.title")),
     "a smaller place under a stage, one of ('input', 'patches', 'stem', 'pool', 'head') (not 'token-mixing')"),
    (dict(sub_place=SubPlace("stem", "stem.image", "no.such.key")),
     "its smaller place's words as keys of the English catalogue (not ['no.such.key'])"),
])
def test_a_smaller_place_declared_wrongly_is_refused_when_the_view_is_made(spec, problem):
    fields = {"place": "odd", "opened_from_map": True, "sub_place": SubPlace("stem", "stem.image", "stem.title"),
              **spec}
    with pytest.raises(TypeError) as refused:
        View("odd", "stem.image", "", lambda ui: None, None, (), **fields)
    assert str(refused.value) == f"view 'odd' needs {problem}"


# ---------------------------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def map_page():
    """A minimal page holding only the map (the embedded model on the cat, the app's views' smaller places), a
    button that swaps in a 30-block tiny gMLP, one that swaps in the map of the app's views and STEM_LENS, and a box
    showing what the Python callback heard; served on a free port on 127.0.0.1."""
    import gradio as gr

    from explorer.app.model_map_view import model_map_component, model_map_value, opened_place

    embedded = load_model("embedded")
    gmlp = tiny("gmlp_ti16_224")
    maps = {"embedded": model_map(embedded, Analysis(embedded, CAT), VIEWS),
            "gmlp": model_map(gmlp, Analysis(gmlp, CAT), VIEWS),
            "stem-lens": model_map(embedded, Analysis(embedded, CAT), (*VIEWS, STEM_LENS))}
    heard = []

    with gr.Blocks() as demo:
        view = model_map_component(model_map_value(maps["embedded"]))
        said = gr.Textbox(elem_id="heard")
        swap = gr.Button("30-block gMLP", elem_id="swap")
        lens = gr.Button("with a view under the stem", elem_id="under-stem")

        def on_place(value, evt: gr.EventData):
            heard.append((opened_place(evt), value["open"]))
            return " ".join(map(str, opened_place(evt)))

        view.click(on_place, inputs=[view], outputs=[said])
        swap.click(lambda: model_map_value(maps["gmlp"], ("stem", None)), outputs=[view])
        lens.click(lambda: model_map_value(maps["stem-lens"]), outputs=[view])

    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/", heard
    finally:
        demo.close()


def test_the_map_in_chromium(map_page, browser):
    url, heard = map_page
    OUTPUT.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(url)
        page.locator("#model-map [data-part=head]").wait_for(timeout=30_000)
        the_map = page.locator("#model-map")
        assert the_map.count() == 1
        assert the_map.locator("[data-part=token-mixing]").count() == EMBEDDED_BLOCKS
        assert the_map.locator("[data-part=channel-mixing]").count() == EMBEDDED_BLOCKS
        for part in ("input", "patches", "stem", "pool", "head"):
            assert the_map.locator(f"[data-part={part}]").count() == 1
        assert 0 <= the_map.bounding_box()["y"] < 768
        assert "cat" in the_map.locator("[data-part=head]").inner_text()

        place = the_map.locator("[data-part=token-mixing][data-block='3']")
        place.click()
        page.wait_for_function("() => document.querySelector('#heard textarea')?.value === 'token-mixing 3'",
                               timeout=30_000)
        assert heard[-1] == (("token-mixing", 3), {"part": "token-mixing", "block": 3})
        assert place.get_attribute("aria-current") == "true"
        assert the_map.locator("[aria-current=true]").count() == 1
        page.screenshot(path=OUTPUT / "model-map-embedded.png")

        page.locator("#swap").click()  # another model: the map redraws, one place per block
        page.wait_for_function("() => document.querySelectorAll('#model-map [data-part=token-mixing]').length "
                               "=== 30", timeout=30_000)
        assert the_map.locator("[data-part=channel-mixing][data-block='29']").count() == 1
        assert the_map.locator("[data-part=stem]").get_attribute("aria-current") == "true"
        assert the_map.locator("[aria-current=true]").count() == 1
        tops = {round(the_map.locator(f"[data-part={part}]").bounding_box()["y"])
                for part in ("input", "stem", "pool", "head")}
        assert len(tops) == 1, "one line of stages at 1366 px"
        frame = the_map.locator(".mm-strip-frame")
        assert frame.evaluate("f => f.scrollWidth <= f.clientWidth + "
                              "1"), "30 blocks fit without scrolling at 1366 px"
        page.screenshot(path=OUTPUT / "model-map-gmlp30.png")
    finally:
        page.close()


# The smaller places as the template wrote them by hand before the views declared them: every attribute of each
# button, its words, and the classes of the stage it sits in (English).
ENGLISH = catalogue("en")
SUB_BUTTONS = [
    {"stage": "mm-stage mm-with-sub", "text": ENGLISH["map.shift"],
     "attributes": {"type": "button", "class": "mm-sub", "data-view": "shift", "aria-current": "false",
                    "title": ENGLISH["map.shift_tip"]}},
    {"stage": "mm-stage mm-with-sub", "text": ENGLISH["map.drop"],
     "attributes": {"type": "button", "class": "mm-sub", "data-view": "drop", "aria-current": "false",
                    "title": ENGLISH["map.drop_tip"]}},
    {"stage": "mm-stage mm-end mm-with-sub", "text": ENGLISH["map.teach"],
     "attributes": {"type": "button", "class": "mm-sub", "data-view": "teach", "aria-current": "false",
                    "title": ENGLISH["map.teach_tip"]}},
]
READ_SUBS = """() => [...document.querySelectorAll('#model-map .mm-sub')].map(b => ({
    stage: b.parentElement.className, text: b.textContent,
    attributes: Object.fromEntries(b.getAttributeNames().map(n => [n, b.getAttribute(n)]))}))"""
READ_STAGES = """() => Object.fromEntries([...document.querySelectorAll('#model-map [data-part]')]
    .filter(p => p.parentElement.matches('.mm-stage')).map(p => [p.dataset.part, p.parentElement.className]))"""


def test_the_apps_smaller_places_are_drawn_as_the_hand_written_template_drew_them(map_page, browser):
    url, heard = map_page
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(url)
        page.locator("#model-map .mm-sub").first.wait_for(timeout=30_000)
        assert page.evaluate(READ_SUBS) == SUB_BUTTONS
        assert page.evaluate(READ_STAGES) == {
            "input": "mm-stage mm-with-sub", "patches": "mm-stage mm-with-sub", "stem": "mm-stage",
            "pool": "mm-stage", "head": "mm-stage mm-end mm-with-sub"}
        page.locator("#model-map [data-view=drop]").click()  # marked open, and heard as the view's place
        page.wait_for_function("() => document.querySelector('#heard textarea')?.value === 'drop None'",
                               timeout=30_000)
        assert heard[-1] == (("drop", None), {"part": "drop", "block": None})
        assert page.locator("#model-map [aria-current=true]").get_attribute("data-view") == "drop"
    finally:
        page.close()


def test_a_view_with_a_smaller_place_under_the_stem_is_a_button_under_the_stem(map_page, browser):
    url, _ = map_page
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(url)
        page.locator("#model-map [data-part=stem]").wait_for(timeout=30_000)
        page.locator("#under-stem").click()
        page.locator("#model-map [data-view=stem-lens]").wait_for(timeout=30_000)
        under_stem = page.locator("#model-map li:has(> [data-part=stem]) > .mm-sub")
        assert under_stem.count() == 1
        assert under_stem.get_attribute("data-view") == "stem-lens"
        assert under_stem.get_attribute("title") == ENGLISH["stem.title"]
        assert under_stem.inner_text() == ENGLISH["stem.image"]
        assert page.evaluate(READ_STAGES)["stem"] == "mm-stage mm-with-sub"
        assert [b["attributes"]["data-view"] for b in page.evaluate(READ_SUBS)] == [
            "shift", "drop", "stem-lens", "teach"]  # in the map's order: the stem between the patches and the head
    finally:
        page.close()
