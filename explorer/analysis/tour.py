"""The guided tour: one Mixer layer walked on the current image, with the model's real shapes.

image -> patches -> the S x C token table -> token mixing (an MLP over each column) -> channel mixing (an MLP
over each row) -> global average pooling -> head. Each step is two sentences and the arrays of one picture,
all read off the analysis's one forward pass; explorer.render.mpl.tour_figure draws a step.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from explorer.model.catalogue import architecture_dims

if TYPE_CHECKING:
    from explorer.analysis.analysis import Analysis

STEP_TITLES = ("Image", "Patches", "Token table", "Token mixing", "Channel mixing", "Global average pooling", "Head")


@dataclass(frozen=True)
class TourStep:
    """One step: its title and text, and what its picture shows.

    kind: "picture" (data: picture (H, W, 3), caption), "patches" (picture, grid, patch_size, caption),
    "table" ((S, C) values, caption), "columns" (maps: three (grid_h, grid_w) arrays, titles, caption),
    "bars" ((C,) values, caption) or "top" (labels, probabilities, caption)."""

    title: str
    text: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


def tour_steps(analysis: Analysis) -> list[TourStep]:
    """The seven steps for this analysis's model and image."""
    loaded, cap = analysis.loaded, analysis.capture
    d = architecture_dims(loaded.model)
    picture = analysis.picture
    h, w = picture.shape[:2]
    gh, gw = cap.grid
    p, S, C, DS, DC = d["patch_size"], d["tokens"], d["channels"], d["tokens_mlp_dim"], d["channels_mlp_dim"]
    as_array = lambda t: t.float().cpu().numpy()  # noqa: E731
    steps = [
        TourStep(STEP_TITLES[0], f"The model sees a {w}×{h} RGB image, resized, centre-cropped and normalised as its "
                                 "pretrained configuration asks. Nothing about its layout is built into the network "
                                 "beyond what follows.",
                 "picture", dict(picture=picture, caption=f"{w}×{h} pixels, 3 colours")),
        TourStep(STEP_TITLES[1], f"The image is cut into S = {S} non-overlapping patches of {p}×{p} pixels "
                                 f"({p * p * 3} numbers each). From here on the model treats them as a set of tokens: "
                                 "nothing but the token-mixing weights will know where a patch came from.",
                 "patches", dict(picture=picture, grid=(gh, gw), patch_size=p,
                                 caption=f"{gh}×{gw} = {S} patches of {p}×{p}")),
        TourStep(STEP_TITLES[2], f"One shared linear map (the stem) turns every patch into C = {C} channels, giving "
                                 f"the S×C = {S}×{C} token table: one row per patch, one column per channel. Every "
                                 "Mixer layer keeps this shape.",
                 "table", dict(values=as_array(cap.stem), caption=f"token table after the stem ({S}×{C})")),
    ]
    if cap.token_updates is not None:
        column = int(cap.token_updates[0].norm(dim=0).argmax())  # the channel token mixing changes most
        before = as_array(cap.stem[:, column].reshape(gh, gw))
        update = as_array(cap.token_updates[0][:, column].reshape(gh, gw))
        steps.append(TourStep(STEP_TITLES[3], f"Token mixing applies one MLP ({S} → {DS} → {S}) to every column: each "
                                              f"channel's {S} values across the patches are mixed, the same weights "
                                              f"for all {C} channels. This is the only place where patches talk to "
                                              "each other.",
                              "columns", dict(maps=[before, update, before + update],
                                              titles=["column before", "token-mixing update", "column after"],
                                              caption=f"block 0, channel {column}, on the {gh}×{gw} patch grid")))
        middle = cap.stem + cap.token_updates[0]
    else:
        steps.append(TourStep(STEP_TITLES[3], f"This {loaded.name} mixes tokens inside its channel MLP with a spatial "
                                              f"gating unit (an {S}×{S} map over half of the channels), so there is no "
                                              "separate token-mixing step to show.",
                              "table", dict(values=as_array(cap.blocks[0]),
                                            caption="after block 0 (spatial gating inside the channel MLP)")))
        middle = cap.stem
    steps.append(TourStep(STEP_TITLES[4], f"Channel mixing applies another MLP ({C} → {DC} → {C}) to every row: each "
                                          f"patch's {C} features are mixed, the same weights for all {S} patches. Both "
                                          "steps add to the table through skip connections, after a LayerNorm; "
                                          f"{d['depth']} such layers follow one another.",
                          "table", dict(values=as_array(cap.blocks[0] - middle),
                                        caption=f"channel-mixing update of block 0 ({S}×{C})")))
    steps.append(TourStep(STEP_TITLES[5], f"After the last layer and a final LayerNorm, the {S} rows are averaged: one "
                                          f"{C}-number summary of the whole image. Averaging forgets the order of the "
                                          "patches, which is why the patch-shuffle demo works.",
                          "bars", dict(values=as_array(cap.features.mean(dim=0)),
                                       caption=f"mean over the {S} patches of the final, normalised token table")))
    top = analysis.top_k(5)
    steps.append(TourStep(STEP_TITLES[6], f"A single linear layer maps the {C}-number summary to "
                                          f"{len(analysis.class_names)} class scores, and a softmax turns them into "
                                          f"probabilities. Top-1 here: {top[0].label} ({top[0].probability:.0%}).",
                          "top", dict(labels=[t.label for t in top], probabilities=[t.probability for t in top],
                                      caption=f"linear head: {C} → {len(analysis.class_names)} classes "
                                              f"({loaded.label_set})")))
    return steps
