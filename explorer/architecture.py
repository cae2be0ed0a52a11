"""The architecture card: sizes in the paper's notation, counted FLOPs, measured latency, and the paper's row."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import torch
from torch.utils.flop_counter import FlopCounterMode

from explorer.catalogue import architecture_dims
from explorer.loading import LoadedModel
from explorer.weights import family

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


@dataclass(frozen=True)
class ArchitectureCard:
    name: str
    family: str
    patch_size: int
    img_size: int
    tokens: int  # S
    channels: int  # C
    tokens_mlp_dim: int  # D_S (S for ResMLP and gMLP, whose token mixing is one S x S map)
    channels_mlp_dim: int  # D_C
    depth: int
    params: int
    gflops: float  # per image, forward, multiply-adds counted as two FLOPs
    latency_ms: float  # median of a few single-image forwards on `device`
    device: str
    paper_row: dict | None  # the matching Table 1 row, if the paper has one

    def as_dict(self) -> dict:
        return asdict(self)


def paper_row(family_name: str, d: dict[str, int]) -> dict | None:
    if family_name != "MLP-Mixer" or d["img_size"] != 224:
        return None
    for key, (layers, patch, hidden, ds, dc, params) in PAPER_TABLE_1.items():
        if (layers, patch, hidden, ds, dc) == (d["depth"], d["patch_size"], d["channels"], d["tokens_mlp_dim"], d["channels_mlp_dim"]):
            return dict(model=f"Mixer-{key}", layers=layers, patch=patch, hidden=hidden, tokens_mlp_dim=ds, channels_mlp_dim=dc, params_m=params, sequence_length=(224 // patch) ** 2)
    return None


@torch.inference_mode()
def architecture_card(loaded: LoadedModel, repeats: int = 5) -> ArchitectureCard:
    model = loaded.model
    x = torch.zeros(1, *loaded.data_config["input_size"], device=loaded.device)
    with FlopCounterMode(display=False) as counter:
        model(x)
    times = []
    for _ in range(repeats + 1):  # the first run warms up and is not counted
        start = time.perf_counter()
        model(x)
        if loaded.device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    d = architecture_dims(model)
    fam = family(model)
    return ArchitectureCard(
        name=loaded.name,
        family=fam,
        params=sum(p.numel() for p in model.parameters()),
        gflops=counter.get_total_flops() / 1e9,
        latency_ms=sorted(times[1:])[len(times[1:]) // 2] * 1e3,
        device=str(loaded.device),
        paper_row=paper_row(fam, d),
        **d,
    )
