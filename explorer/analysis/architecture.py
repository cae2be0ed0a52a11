"""The architecture card: sizes in the paper's notation, parameters and counted FLOPs per part, the paper's row;
and the latency, measured when someone asks."""
from __future__ import annotations

import copy
import itertools
import statistics
import time
from dataclasses import asdict, dataclass

import torch
from torch.utils.flop_counter import FlopCounterMode

from explorer.model.catalogue import architecture_dims
from explorer.model.loading import LoadedModel
from explorer.model.families import Family, Mixer, family

# Table 1 of Tolstikhin et al. (2021), at 224x224: (layers, patch, hidden C, D_S, D_C, params in millions).
PAPER_TABLE_1 = {
    "S/32": (8, 32, 512, 256, 2048, 19),
    "S/16": (8, 16, 512, 256, 2048, 18),
    "B/32": (12, 32, 768, 384, 3072, 60),
    "B/16": (12, 16, 768, 384, 3072, 59),
    "L/32": (24, 32, 1024, 512, 4096, 206),
    "L/16": (24, 16, 1024, 512, 4096, 207),
    "H/14": (32, 14, 1280, 640, 5120, 431),
}


PARTS = ("stem", "token mixing", "channel mixing", "norms and scales", "head")


def part_of(name: str, fam: Family) -> str:
    """Which part of a model of family `fam` a parameter or module name belongs to (a family may mix tokens
    inside its channel MLP: the token-mixing path is asked first)."""
    if name.startswith("stem"):
        return "stem"
    if f".{fam.token_path}" in name:
        return "token mixing"
    if f".{fam.channel_path}" in name and ".norm" not in name:
        return "channel mixing"
    if name.startswith("head"):
        return "head"
    return "norms and scales"


@dataclass(frozen=True)
class ArchitectureCard:
    name: str
    family: str
    patch_size: int
    img_size: int
    tokens: int  # S
    channels: int  # C
    tokens_mlp_dim: int  # D_S (S for the families whose token mixing is one S x S map)
    channels_mlp_dim: int  # D_C
    depth: int
    params: int
    gflops: float  # per image, forward, a multiply-add counted as two FLOPs (PyTorch's FlopCounterMode)
    part_params: dict[str, int]  # PARTS -> parameters
    part_gflops: dict[str, float]  # PARTS -> GFLOPs per image
    paper_row: dict | None  # the matching Table 1 row, if the paper has one

    def as_dict(self) -> dict:
        return asdict(self)


def paper_row(family_name: str, d: dict[str, int]) -> dict | None:
    if family_name != Mixer.name or d["img_size"] != 224:
        return None
    for key, (layers, patch, hidden, ds, dc, params) in PAPER_TABLE_1.items():
        if (layers, patch, hidden, ds, dc) == tuple(d[k] for k in ("depth", "patch_size", "channels", "tokens_mlp_dim",
                                                                    "channels_mlp_dim")):
            return dict(model=f"Mixer-{key}", layers=layers, patch=patch, hidden=hidden, tokens_mlp_dim=ds,
                        channels_mlp_dim=dc, params_m=params, sequence_length=(224 // patch) ** 2)
    return None


@torch.inference_mode()
def count_architecture(loaded: LoadedModel) -> ArchitectureCard:
    """The card of a loaded model: sizes, parameters and FLOPs (one counted forward pass on zeros), by part."""
    model = loaded.model
    x = torch.zeros(1, *loaded.data_config["input_size"], device=loaded.device)
    part_flops = flops_by_part(model, x)
    part_params = dict.fromkeys(PARTS, 0)
    fam = family(model)
    for name, p in model.named_parameters():
        part_params[part_of(name, fam)] += p.numel()
    d = architecture_dims(model)
    return ArchitectureCard(
        name=loaded.name,
        family=fam.name,
        params=sum(part_params.values()),
        gflops=sum(part_flops.values()) / 1e9,
        part_params=part_params,
        part_gflops={k: v / 1e9 for k, v in part_flops.items()},
        paper_row=paper_row(fam.name, d),
        **d,
    )


def flops_by_part(model: torch.nn.Module, x: torch.Tensor) -> dict[str, int]:
    """FLOPs of one forward pass of `x`, by part. The counter sees only this thread's operations, but the module
    names it attributes them to come from hooks on every module of the process, which requests running the
    same model at that moment would mix in; so each layer of a private twin (sharing the tensors) reads the
    counter before and after it runs."""
    shared = {id(t): t for t in itertools.chain(model.parameters(), model.buffers())}
    twin = copy.deepcopy(model, memo=shared)  # the module tree only: the memo hands back every tensor
    part_flops = dict.fromkeys(PARTS, 0)
    fam = family(model)
    with FlopCounterMode(display=False) as counter:
        started: dict[str, int] = {}
        handles = []
        for name, layer in twin.named_modules():
            if name and not list(layer.children()):
                def start(module, inputs, name=name) -> None:
                    started[name] = counter.get_total_flops()

                def finish(module, inputs, output, name=name) -> None:
                    part_flops[part_of(name, fam)] += counter.get_total_flops() - started[name]

                handles += [layer.register_forward_pre_hook(start), layer.register_forward_hook(finish)]
        try:
            twin(x)
        finally:
            for handle in handles:
                handle.remove()
    return part_flops


@torch.inference_mode()
def measure_latency(loaded: LoadedModel, repeats: int = 10) -> float:
    """Median milliseconds of a single-image forward pass here and now (after one warm-up pass). Measured on
    request, never kept: it depends on what else the machine is doing."""
    model = loaded.model
    x = torch.zeros(1, *loaded.data_config["input_size"], device=loaded.device)
    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        with loaded.autocast():
            model(x)
        if loaded.device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:]) * 1e3
