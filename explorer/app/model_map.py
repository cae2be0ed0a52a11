"""The model map's data: the loaded model's real configuration as the places of one diagram, with the user's
image flowing through it when an analysis is given. Plain data (no Gradio): explorer.app.model_map_view draws it.

    input (H×W×3) → patches (grid_h×grid_w = S) → stem (S×C) → blocks × depth, each token mixing then channel
    mixing (S×C) → global average pooling (C) → head (classes)

Every word on it is in the visitor's language (t(): the map is built while answering an event): the places'
titles and details, and `words`, the template's own words (explorer/app/model_map.html reads `value.words.*`).

Every place has its `part` (the map's DOM contract: input, patches, stem, token-mixing, channel-mixing, pool,
head); a block's two places also have its index. A stage may carry smaller places under it, one button each for a
view about that part, declared by the view itself (its `SubPlace`, explorer.app.views.base.View.sub_place). The
map is read off the one analysis already made (its picture, each block's activation norm over the patch grid, its
top-1): drawing it runs nothing.
"""
from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Iterable

import matplotlib
import numpy as np

from explorer.analysis import activations
from explorer.model.catalogue import architecture_dims
from explorer.model.families import family
from explorer.model.weights import patch_grid
from explorer.render.mpl.panels import smaller
from explorer.render.pictures import png_bytes
from explorer.render.style import SEQUENTIAL
from explorer.text.i18n import t

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis
    from explorer.app.views.base import View
    from explorer.model.loading import LoadedModel

PARTS = ("input", "patches", "stem", "token-mixing", "channel-mixing", "pool", "head")
STAGES = ("input", "patches", "stem", "pool", "head")  # the places outside the blocks: a Stage each
THUMBNAIL_PX = 112  # the input picture's longer side: sharp at the map's 56 CSS px on a 2x screen


@dataclass(frozen=True)
class SubPlace:
    """Where a view sits on the map when it is a smaller place under a stage (a view about that part: the input's
    corruption lab, the head's "teach it"), as the view declares it. On the map it is a small button under the
    stage carrying `data-view` (the view's id), not `data-part` (whose seven values are a contract); a click on it
    reads as a place's, the view's id as the part."""

    under: str  # the stage it sits under, one of STAGES
    label: str  # the catalogue key of the button's words ("corrupt it")
    tip: str  # the catalogue key of its tooltip


@dataclass(frozen=True)
class SubButton:
    """A smaller place as drawn: the view it opens and its words in the visitor's language."""

    view: str  # the view's id: the button's data-view, and the part a click on it reports
    label: str
    tip: str

@dataclass(frozen=True)
class Stage:
    """One place outside the blocks."""

    part: str  # one of PARTS
    title: str  # its name on the map
    shape: str  # what leaves it, e.g. "196×768" (S×C)
    detail: str  # one sentence, for its tooltip
    picture: str = ""  # a PNG data URI, "" when there is none
    subs: tuple[SubButton, ...] = ()  # the smaller places under it, in the order of the views


@dataclass(frozen=True)
class Mixing:
    """How every block mixes along one axis (timm's blocks are all alike)."""

    kind: str  # token mixing: "mlp", "linear" or "spatial-gating"; channel mixing: "mlp"
    name: str  # e.g. "token MLP"
    shape: str  # its widths, e.g. "196→384→196"
    detail: str


@dataclass(frozen=True)
class BlockPlace:
    """One block: its token-mixing and channel-mixing places share its index."""

    index: int  # 0-based, as the app's block numbers
    picture: str  # its output's activation norm over the patch grid (grid_h×grid_w pixels), "" without analysis
    mean_norm: float | None  # that norm's mean over the patches, None without analysis
    token_name: str = ""  # its places' names, read out by a screen reader: "token mixing, block 3"
    channel_name: str = ""
    token_tip: str = ""  # their tooltips
    channel_tip: str = ""


@dataclass(frozen=True)
class ModelMap:
    name: str
    family: str
    depth: int
    tokens: int  # S
    channels: int  # C
    grid: tuple[int, int]  # (grid_h, grid_w)
    patch_size: int
    classes: int
    input: Stage
    patches: Stage
    stem: Stage
    token_mixing: Mixing
    channel_mixing: Mixing
    blocks: tuple[BlockPlace, ...]
    block_shape: str  # the stream through every block, "S×C"
    pool: Stage
    head: Stage
    top1_label: str  # "" without analysis
    top1_probability: float | None
    top1_text: str  # e.g. "87.3%", "" without analysis
    words: dict[str, str]  # the template's words, in the visitor's language (see map_words)

    def as_dict(self) -> dict[str, Any]:
        """The map as JSON data (tuples as lists), as the component's value comes back from the browser."""
        return json.loads(json.dumps(asdict(self)))


def png_uri(pixels: np.ndarray) -> str:
    """(H, W, 3) uint8 -> a PNG data URI."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(np.ascontiguousarray(pixels))).decode("ascii")


def norm_picture(norms: np.ndarray) -> str:
    """(grid_h, grid_w) activation norms -> a PNG data URI of one pixel per patch, scaled to its own range (at
    this size the picture says where in the image a block is loud, not how loud: the tooltip says that)."""
    lo, hi = float(norms.min()), float(norms.max())
    scaled = (norms - lo) / ((hi - lo) or 1.0)
    return png_uri((matplotlib.colormaps[SEQUENTIAL](scaled)[..., :3] * 255).round().astype(np.uint8))


def mlp_widths(mlp: Any) -> tuple[int, int, bool]:
    """(in, hidden after any gating, gated) of a timm Mlp / GluMlp / GatedMlp: a gated MLP's fc1 is twice as
    wide as what reaches fc2 (its two halves are multiplied)."""
    hidden = mlp.fc2.in_features
    return mlp.fc1.in_features, hidden, mlp.fc1.out_features == 2 * hidden


def mixings(loaded: LoadedModel) -> tuple[Mixing, Mixing]:
    """(token mixing, channel mixing) of the model's blocks, with their real widths."""
    model = loaded.model
    fam = family(model)
    dims = architecture_dims(model)
    s, d_s = dims["tokens"], dims["tokens_mlp_dim"]
    kind = fam.token_mixing[0]
    block = model.blocks[0]
    if kind == "mlp":
        _, _, gated = mlp_widths(fam.token_mlp(block))
        name = t("map.mixing.gated_token_mlp") if gated else t("map.mixing.token_mlp")
        shape = f"{s}→{d_s}→{s}"
        detail = (t("map.token.gated_mlp_detail", name=name, s=s, d_s=d_s, fc1=2 * d_s) if gated
                  else t("map.token.mlp_detail", name=name, s=s, d_s=d_s))
    elif kind == "linear":
        name, shape, detail = t("map.mixing.linear"), f"{s}×{s}", t("map.token.linear_detail", s=s)
    else:
        name, shape, detail = t("map.mixing.spatial_gating"), f"{s}×{s}", t("map.token.spatial_gating_detail", s=s)
    c, hidden, gated = mlp_widths(fam.channel_mlp(block))
    channel = Mixing("mlp", t("map.mixing.gated_channel_mlp") if gated else t("map.mixing.channel_mlp"),
                     f"{c}→{hidden}→{c}",
                     t("map.channel.gated_detail", c=c, d_c=hidden, fc1=2 * hidden) if gated
                     else t("map.channel.detail", c=c, d_c=hidden))
    return Mixing(kind, name, shape, detail), channel


def block_place(index: int, token: Mixing, picture: str = "", mean_norm: float | None = None) -> BlockPlace:
    """Block `index`'s two places, named and explained in the visitor's language."""
    channel_tip = (t("map.block.channel_tip_norm", block=index, norm=mean_norm) if mean_norm is not None
                   else t("map.block.channel_tip", block=index))
    return BlockPlace(index, picture, mean_norm, token_name=t("map.block.token", block=index),
                      channel_name=t("map.block.channel", block=index),
                      token_tip=t("map.block.token_tip", block=index, name=token.name), channel_tip=channel_tip)


def map_words(name: str, family_name: str, depth: int, s: int, c: int, p: int, classes: int,
              top1_label: str) -> dict[str, str]:
    """The template's own words (explorer/app/model_map.html: `value.words.*`), in the visitor's language. A line
    break in a picture's words (stem, pool) is where the translation breaks it (the CSS keeps it)."""
    return {
        "map_name": t("map.name", name=name),
        "title_tip": t("map.title_tip"),
        "facts": t("map.facts", family=family_name, depth=depth, s=s, c=c),
        "input_alt": t("map.input_alt"),
        "stem_glyph": t("map.stem_glyph", p=p, c=c),
        "token_row": t("map.token_row"), "channel_row": t("map.channel_row"),
        "top": t("map.row_top"), "bottom": t("map.row_bottom"),
        "blocks": t("map.blocks", depth=depth),
        "pool_glyph": t("map.pool_glyph", s=s),
        "classes": t("map.classes", classes=classes),
        "top1": t("map.top1", label=top1_label) if top1_label else "",
    }


def sub_places(views: Iterable[View]) -> dict[str, tuple[SubButton, ...]]:
    """Each stage's smaller places (its part -> its buttons), from the views that declare one, in their order."""
    found: dict[str, tuple[SubButton, ...]] = {stage: () for stage in STAGES}
    for view in views:
        if view.sub_place is not None:
            place = view.sub_place
            found[place.under] += (SubButton(view.id, t(place.label), t(place.tip)),)
    return found


def model_map(loaded: LoadedModel, analysis: Analysis | None = None, views: Iterable[View] = ()) -> ModelMap:
    """The map of `loaded`, carrying `analysis`'s image, per-block activation norms and top-1 when given, and the
    smaller places the `views` declare (the app passes its VIEWS; none without)."""
    model = loaded.model
    if analysis is not None and analysis.loaded.model is not model:
        raise ValueError("the analysis was made on another model than the one mapped")
    dims = architecture_dims(model)
    grid = patch_grid(model)
    s, c, p, depth = dims["tokens"], dims["channels"], dims["patch_size"], dims["depth"]
    height, width = model.stem.img_size
    classes = int(model.num_classes)
    token, channel = mixings(loaded)
    subs = sub_places(views)

    picture, blocks = "", tuple(block_place(i, token) for i in range(depth))
    top1_label, top1_probability, top1_text = "", None, ""
    if analysis is not None:
        thumbnail = smaller(analysis.picture, THUMBNAIL_PX)  # (h, w, 3) in [0, 1]
        picture = png_uri((np.clip(thumbnail, 0, 1) * 255).round().astype(np.uint8))
        norms = activations.view(analysis).maps  # (depth, grid_h, grid_w)
        blocks = tuple(block_place(i, token, norm_picture(norms[i]), round(float(norms[i].mean()), 4))
                       for i in range(depth))
        best = analysis.top_k(1)[0]
        top1_label, top1_probability, top1_text = str(best.label), best.probability, f"{best.probability:.1%}"

    return ModelMap(
        name=loaded.name,
        family=family(model).name,
        depth=depth,
        tokens=s,
        channels=c,
        grid=grid,
        patch_size=p,
        classes=classes,
        input=Stage("input", t("map.input.title"), f"{height}×{width}×3", t("map.input.detail"), picture,
                    subs=subs["input"]),
        patches=Stage("patches", t("map.patches.title"), f"{s}×{p * p * 3}",
                      t("map.patches.detail", grid_h=grid[0], grid_w=grid[1], s=s, p=p), subs=subs["patches"]),
        stem=Stage("stem", t("map.stem.title"), f"{s}×{c}", t("map.stem.detail", p=p, values=p * p * 3, c=c),
                   subs=subs["stem"]),
        token_mixing=token,
        channel_mixing=channel,
        blocks=blocks,
        block_shape=f"{s}×{c}",
        pool=Stage("pool", t("map.pool.title"), f"{c}", t("map.pool.detail", s=s, c=c), subs=subs["pool"]),
        head=Stage("head", t("map.head.title"), f"{classes}", t("map.head.detail", c=c, classes=classes),
                   subs=subs["head"]),
        top1_label=top1_label,
        top1_probability=top1_probability,
        top1_text=top1_text,
        words=map_words(loaded.name, family(model).name, depth, s, c, p, classes, top1_label),
    )
