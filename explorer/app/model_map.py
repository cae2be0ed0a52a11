"""The model map's data: the loaded model's real configuration as the places of one diagram, with the user's
image flowing through it when an analysis is given. Plain data (no Gradio): explorer.app.model_map_view draws it.

    input (H×W×3) → patches (grid_h×grid_w = S) → stem (S×C) → blocks × depth, each token mixing then channel
    mixing (S×C) → global average pooling (C) → head (classes)

Every place has its `part` (the map's DOM contract: input, patches, stem, token-mixing, channel-mixing, pool,
head); a block's two places also have its index. The map is read off the one analysis already made (its
picture, each block's activation norm over the patch grid, its top-1): drawing it runs nothing.
"""
from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np

from explorer.model.catalogue import architecture_dims
from explorer.model.families import family
from explorer.model.weights import patch_grid
from explorer.render.mpl.panels import smaller
from explorer.render.pictures import png_bytes
from explorer.render.style import SEQUENTIAL

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis
    from explorer.model.loading import LoadedModel

PARTS = ("input", "patches", "stem", "token-mixing", "channel-mixing", "pool", "head")
# Smaller places under a stage, for views about that part: the input's corruption lab, the patches' patch drop, the
# head's "teach it" (a probe on the pooled features the head reads). On the map they carry `data-view`, not
# `data-part` (whose seven values are a contract: one element each, but for the blocks'), and a click on one reads
# as a place's.
SUB_PLACES = {"shift": "input", "drop": "patches", "teach": "head"}
THUMBNAIL_PX = 112  # the input picture's longer side: sharp at the map's 56 CSS px on a 2x screen

@dataclass(frozen=True)
class Stage:
    """One place outside the blocks."""

    part: str  # one of PARTS
    title: str  # its name on the map
    shape: str  # what leaves it, e.g. "196×768" (S×C)
    detail: str  # one sentence, for its tooltip
    picture: str = ""  # a PNG data URI, "" when there is none


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
    kind, name = fam.token_mixing
    block = model.blocks[0]
    if kind == "mlp":
        _, _, gated = mlp_widths(fam.token_mlp(block))
        shape = f"{s}→{d_s}→{s}"
        detail = f"A {name} shared by all C channels: each channel's S={s} values over the patches → D_S={d_s}"
        detail += f" (fc1 {2 * d_s} wide, halves multiplied) → S." if gated else " → S."
    elif kind == "linear":
        shape = f"{s}×{s}"
        detail = f"One linear map of the S={s} patches, shared by all channels (no hidden layer)."
    else:
        shape = f"{s}×{s}"
        detail = (f"Inside the channel MLP: half of its hidden units are mixed across the S={s} patches by one "
                  "S×S map, and gate the other half.")
    c, hidden, gated = mlp_widths(fam.channel_mlp(block))
    channel = Mixing("mlp", "gated channel MLP" if gated else "channel MLP", f"{c}→{hidden}→{c}",
                     f"An MLP on each patch's C={c} channels, shared by all patches: C → D_C={hidden}"
                     + (f" (fc1 {2 * hidden} wide, halves multiplied)" if gated else "") + " → C.")
    return Mixing(kind, name, shape, detail), channel


def model_map(loaded: LoadedModel, analysis: Analysis | None = None) -> ModelMap:
    """The map of `loaded`, carrying `analysis`'s image, per-block activation norms and top-1 when given."""
    model = loaded.model
    if analysis is not None and analysis.loaded.model is not model:
        raise ValueError("the analysis was made on another model than the one mapped")
    dims = architecture_dims(model)
    grid = patch_grid(model)
    s, c, p, depth = dims["tokens"], dims["channels"], dims["patch_size"], dims["depth"]
    height, width = model.stem.img_size
    classes = int(model.num_classes)
    token, channel = mixings(loaded)

    picture, blocks = "", tuple(BlockPlace(i, "", None) for i in range(depth))
    top1_label, top1_probability, top1_text = "", None, ""
    if analysis is not None:
        thumbnail = smaller(analysis.picture, THUMBNAIL_PX)  # (h, w, 3) in [0, 1]
        picture = png_uri((np.clip(thumbnail, 0, 1) * 255).round().astype(np.uint8))
        norms = analysis.activations().maps  # (depth, grid_h, grid_w)
        blocks = tuple(BlockPlace(i, norm_picture(norms[i]), round(float(norms[i].mean()), 4)) for i in range(depth))
        best = analysis.top_k(1)[0]
        top1_label, top1_probability, top1_text = best.label, best.probability, f"{best.probability:.1%}"

    return ModelMap(
        name=loaded.name,
        family=family(model).name,
        depth=depth,
        tokens=s,
        channels=c,
        grid=grid,
        patch_size=p,
        classes=classes,
        input=Stage("input", "Input", f"{height}×{width}×3", "The image as the model sees it (resized and cropped).",
                    picture),
        patches=Stage("patches", "Patches", f"{s}×{p * p * 3}",
                      f"The image cut into {grid[0]}×{grid[1]}: S={s} patches of {p}×{p} pixels each."),
        stem=Stage("stem", "Stem", f"{s}×{c}",
                   f"One linear map per patch, shared by all: {p}×{p}×3={p * p * 3} pixel values → C={c} channels."),
        token_mixing=token,
        channel_mixing=channel,
        blocks=blocks,
        block_shape=f"{s}×{c}",
        pool=Stage("pool", "Pool", f"{c}",
                   f"Global average pooling: the final norm, then the mean of the S={s} tokens: C={c} values."),
        head=Stage("head", "Head", f"{classes}", f"A linear map of the C={c} pooled values to {classes} class logits."),
        top1_label=top1_label,
        top1_probability=top1_probability,
        top1_text=top1_text,
    )
