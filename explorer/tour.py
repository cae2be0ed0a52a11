"""The guided tour: one Mixer layer walked on the current image, with the model's real shapes.

image -> patches -> the S x C token table -> token mixing (an MLP over each column) -> channel mixing (an MLP
over each row) -> global average pooling -> head. Each step is a picture and two sentences, built from one
captured forward pass.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from matplotlib.figure import Figure

from explorer.activations import Capture, capture
from explorer.catalogue import architecture_dims
from explorer.explain import display_image
from explorer.figures import DIVERGING, new_figure
from explorer.images import ImageSource, load_image
from explorer.inference import top_predictions
from explorer.loading import LoadedModel

STEP_TITLES = ("Image", "Patches", "Token table", "Token mixing", "Channel mixing", "Global average pooling", "Head")


@dataclass(frozen=True)
class TourStep:
    title: str
    text: str
    figure: Figure


def token_table_figure(table: torch.Tensor, title: str) -> Figure:
    """(S, C) -> a heatmap with patches as rows and channels as columns."""
    fig = new_figure(7, 3.6)
    ax = fig.subplots()
    values = table.float().cpu().numpy()
    limit = float(np.abs(values).max()) or 1.0
    im = ax.imshow(values, aspect="auto", cmap=DIVERGING, vmin=-limit, vmax=limit, interpolation="nearest")
    ax.set_xlabel(f"channel (C = {values.shape[1]})")
    ax.set_ylabel(f"patch (S = {values.shape[0]})")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, shrink=0.8)
    return fig


def grid_maps_figure(maps: list[np.ndarray], titles: list[str], suptitle: str) -> Figure:
    fig = new_figure(3.2 * len(maps), 3.2)
    for ax, values, title in zip(fig.subplots(1, len(maps), squeeze=False)[0], maps, titles):
        limit = float(np.abs(values).max()) or 1.0
        ax.imshow(values, cmap=DIVERGING, vmin=-limit, vmax=limit, interpolation="nearest")
        ax.set_title(title, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(suptitle, fontsize=10)
    return fig


def tour(loaded: LoadedModel, image: ImageSource) -> list[TourStep]:
    """The seven steps for this model and image."""
    model = loaded.model
    d = architecture_dims(model)
    x = loaded.transform(load_image(image)).to(loaded.device)
    cap: Capture = capture(model, x)
    picture = display_image(x, loaded.data_config)
    gh, gw = cap.grid
    p, S, C, DS, DC = d["patch_size"], d["tokens"], d["channels"], d["tokens_mlp_dim"], d["channels_mlp_dim"]
    steps = []

    fig = new_figure(4, 4)
    ax = fig.subplots()
    ax.imshow(picture)
    ax.axis("off")
    ax.set_title(f"{picture.shape[1]}×{picture.shape[0]} pixels, 3 colours", fontsize=10)
    steps.append(TourStep(STEP_TITLES[0], f"The model sees a {picture.shape[1]}×{picture.shape[0]} RGB image, resized, centre-cropped and normalised as its pretrained configuration asks. Nothing about its layout is built into the network beyond what follows.", fig))

    fig = new_figure(4, 4)
    ax = fig.subplots()
    ax.imshow(picture)
    for k in range(1, gh):
        ax.axhline(k * p - 0.5, color="white", lw=1)
    for k in range(1, gw):
        ax.axvline(k * p - 0.5, color="white", lw=1)
    ax.axis("off")
    ax.set_title(f"{gh}×{gw} = {S} patches of {p}×{p}", fontsize=10)
    steps.append(TourStep(STEP_TITLES[1], f"The image is cut into S = {S} non-overlapping patches of {p}×{p} pixels ({p * p * 3} numbers each). From here on the model treats them as a set of tokens: nothing but the token-mixing weights will know where a patch came from.", fig))

    steps.append(TourStep(STEP_TITLES[2], f"One shared linear map (the stem) turns every patch into C = {C} channels, giving the S×C = {S}×{C} token table: one row per patch, one column per channel. Every Mixer layer keeps this shape.", token_table_figure(cap.stem, f"token table after the stem ({S}×{C})")))

    if cap.token_updates is not None:
        column = int(cap.token_updates[0].norm(dim=0).argmax())  # the channel token mixing changes most
        before = cap.stem[:, column].reshape(gh, gw).float().cpu().numpy()
        update = cap.token_updates[0][:, column].reshape(gh, gw).float().cpu().numpy()
        fig = grid_maps_figure([before, update, before + update], ["column before", "token-mixing update", "column after"], f"block 0, channel {column}, on the {gh}×{gw} patch grid")
        steps.append(TourStep(STEP_TITLES[3], f"Token mixing applies one MLP ({S} → {DS} → {S}) to every column: each channel's {S} values across the patches are mixed, the same weights for all {C} channels. This is the only place where patches talk to each other.", fig))
        middle = cap.stem + cap.token_updates[0]
    else:
        fig = token_table_figure(cap.blocks[0], "after block 0 (spatial gating inside the channel MLP)")
        steps.append(TourStep(STEP_TITLES[3], f"This {loaded.name} mixes tokens inside its channel MLP with a spatial gating unit (an {S}×{S} map over half of the channels), so there is no separate token-mixing step to show.", fig))
        middle = cap.stem
    steps.append(TourStep(STEP_TITLES[4], f"Channel mixing applies another MLP ({C} → {DC} → {C}) to every row: each patch's {C} features are mixed, the same weights for all {S} patches. Both steps add to the table through skip connections, after a LayerNorm; {d['depth']} such layers follow one another.", token_table_figure(cap.blocks[0] - middle, f"channel-mixing update of block 0 ({S}×{C})")))

    pooled = cap.features.mean(dim=0).float().cpu().numpy()  # (C,)
    fig = new_figure(7, 2.6)
    ax = fig.subplots()
    ax.bar(np.arange(C), pooled, color=np.where(pooled >= 0, "#b2182b", "#2166ac"), width=1.0)
    ax.set_xlabel(f"channel (C = {C})")
    ax.set_title(f"mean over the {S} patches of the final, normalised token table", fontsize=10)
    steps.append(TourStep(STEP_TITLES[5], f"After the last layer and a final LayerNorm, the {S} rows are averaged: one {C}-number summary of the whole image. Averaging forgets the order of the patches, which is why the patch-shuffle demo works.", fig))

    probs = cap.logits.float().softmax(-1).cpu()
    top = top_predictions(probs, loaded.class_names, 5)
    fig = new_figure(7, 2.6)
    ax = fig.subplots()
    ax.barh([t.label[:40] for t in reversed(top)], [t.probability for t in reversed(top)], color="#444444")
    ax.set_xlim(0, 1)
    ax.set_title(f"linear head: {C} → {len(loaded.class_names)} classes ({loaded.label_set})", fontsize=10)
    steps.append(TourStep(STEP_TITLES[6], f"A single linear layer maps the {C}-number summary to {len(loaded.class_names)} class scores, and a softmax turns them into probabilities. Top-1 here: {top[0].label} ({top[0].probability:.0%}).", fig))
    return steps
