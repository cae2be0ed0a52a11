"""What a model does with one image: everything the views read, captured in a single forward pass.

`capture` runs the model once (timm's `forward_intermediates` for every block's output, forward hooks for the
token-mixing updates, removed in `finally`; `recording` is the one hook mechanism, the unit pages' too);
`input_times_gradient` is the one view that needs a backward pass. The views' arithmetic on a capture lives in
their own modules (explorer.analysis.activations, .evidence, .logit_lens, ...).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Hashable, Iterator, Mapping, TypeVar

import torch
from timm.models.mlp_mixer import MlpMixer

from explorer.model.families import Site, family
from explorer.model.weights import patch_grid

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Capture:
    """One forward pass over one image (batch of 1). Shapes: S tokens on a (grid_h, grid_w) grid, C channels."""

    image: torch.Tensor  # (3, H, W) the preprocessed input
    stem: torch.Tensor  # (S, C) the stream entering block 0
    blocks: torch.Tensor  # (depth, S, C) each block's output
    # (depth, S, C) what token mixing added to the stream; None where it has no update of its own (gMLP's: see
    # `Family.token_update`)
    token_updates: torch.Tensor | None
    features: torch.Tensor  # (S, C) the final, normalised tokens the head pools
    logits: torch.Tensor  # (num_classes,)
    grid: tuple[int, int]


@contextmanager
def thread_hooks(hooks: list[tuple[torch.nn.Module, str, Callable]]) -> Iterator[None]:
    """Register each (module, "pre" or "forward", fn) while the context is open, as a forward pre-hook
    fn(module, inputs) or a forward hook fn(module, inputs, output). The model is shared by concurrent requests,
    so a hook only sees the forwards run by the thread that opened the context; hooks are always removed."""
    owner = threading.get_ident()

    def mine(fn: Callable) -> Callable:
        def hook(*args):
            if threading.get_ident() == owner:
                fn(*args)
        return hook

    handles = [module.register_forward_pre_hook(mine(fn)) if when == "pre" else module.register_forward_hook(mine(fn))
               for module, when, fn in hooks]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


@contextmanager
def recording(sites: Mapping[K, Site],
              keep: Callable[[torch.Tensor], object] = lambda t: t) -> Iterator[dict[K, object]]:
    """Record `keep(site.transform(tensor))` under each key while the context is open: the tensor a site reads in
    the latest forward run by this thread (see `thread_hooks`); hooks are always removed."""
    seen: dict[K, object] = {}

    def hook(key: K, site: Site) -> tuple[torch.nn.Module, str, Callable]:
        def store(tensor: torch.Tensor) -> None:
            seen[key] = keep(site.transform(tensor))

        if site.side == "in":
            return site.module, "pre", lambda module, inputs: store(inputs[0])
        return site.module, "forward", lambda module, inputs, output: store(output)

    with thread_hooks([hook(key, site) for key, site in sites.items()]):
        yield seen


def capture_sites(model: MlpMixer) -> dict[object, Site]:
    """What a capture records besides the blocks' outputs: the stem's output "stem" (B, S, C) and, where the
    family's token mixing has an update of its own, each block's ("token update", i) (B, S, C)."""
    sites: dict[object, Site] = {"stem": Site(model.stem, "out")}
    for i, block in enumerate(model.blocks):
        update = family(block).token_update(block)
        if update is not None:
            sites[("token update", i)] = update
    return sites


def record(model: MlpMixer, x: torch.Tensor) -> tuple[list[Capture], torch.Tensor]:
    """One hooked forward pass of a (B, 3, H, W) batch: a capture per image (detached) and the (B, num_classes)
    logits as computed."""
    sites = capture_sites(model)
    with recording(sites) as seen:
        features, blocks = model.forward_intermediates(x, output_fmt="NLC")  # (B, S, C), depth x (B, S, C)
        logits = model.forward_head(features)  # (B, num_classes)
    stacked = torch.stack(blocks, dim=1).detach()  # (B, depth, S, C)
    update_keys = [key for key in sites if key != "stem"]  # one a block, where the family's token mixing has them
    updates = torch.stack([seen[k] for k in update_keys], dim=1).detach() if update_keys else None  # (B, depth, S, C)
    # Each image's capture owns its tensors: a view into the batch would keep the whole batch alive in the memo.
    own = (lambda t: t.clone()) if len(x) > 1 else (lambda t: t)
    grid = patch_grid(model)
    captures = [
        Capture(image=own(x[i].detach()), stem=own(seen["stem"][i].detach()), blocks=own(stacked[i]),
                token_updates=None if updates is None else own(updates[i]), features=own(features[i].detach()),
                logits=own(logits[i].detach()), grid=grid)
        for i in range(len(x))
    ]
    return captures, logits


@torch.inference_mode()
def capture(model: MlpMixer, image: torch.Tensor) -> Capture:
    """Run one (3, H, W) preprocessed image through the model once and keep what the views need."""
    return record(model, image[None])[0][0]


@torch.inference_mode()
def capture_batch(model: MlpMixer, images: torch.Tensor) -> list[Capture]:
    """The captures of a (B, 3, H, W) batch of preprocessed images in one forward pass (batched requests)."""
    return record(model, images)[0]


@dataclass(frozen=True)
class Graph:
    """A forward pass recorded for autograd: the input that requires its gradient, and the logits."""

    input: torch.Tensor  # (1, 3, H, W)
    logits: torch.Tensor  # (1, num_classes), with its graph

    def input_times_gradient(self, class_index: int) -> torch.Tensor:
        """(H, W): input x gradient of one class logit, summed over colours (the graph is freed after)."""
        (grad,) = torch.autograd.grad(self.logits[0, class_index], self.input)
        return (self.input * grad)[0].sum(0).detach()


def capture_with_graph(model: MlpMixer, image: torch.Tensor) -> tuple[Capture, Graph]:
    """The capture of a forward pass recorded for autograd, for when a saliency map will be asked for at once
    (an export): its backward then needs no second forward. Costs the forward ~25% more and holds the graph."""
    x = image[None].detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (cap,), logits = record(model, x)
    return cap, Graph(x, logits)


def input_times_gradient(model: MlpMixer, image: torch.Tensor, class_index: int) -> torch.Tensor:
    """(H, W): input x gradient of one class logit, summed over colours: a forward pass with gradients and one
    backward pass. (The capture runs without gradients: recording them costs every forward ~25% on a CPU.)"""
    x = image[None].detach().clone().requires_grad_(True)
    with torch.enable_grad():
        logits = model(x)  # a plain forward: nothing of the capture is needed again
    return Graph(x, logits).input_times_gradient(class_index)
