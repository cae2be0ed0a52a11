"""What a finished Mixer run ships: weights, the training timeline and the JSON model card (each atomically)."""
from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import save_file
from timm.models.mlp_mixer import MlpMixer

from explorer.model.families import family
from explorer.model import embedded
from explorer.model.weights import smoothness, square_maps
from explorer.train.config import ARCHITECTURES, AUGMENTATIONS, DISTILLATIONS, TrainConfig


def card_architecture(name: str = "embedded") -> dict:
    """The model card's "architecture", as JSON holds it (tuples become lists), so a read card compares equal."""
    return json.loads(json.dumps({"class": "timm.models.mlp_mixer.MlpMixer", **ARCHITECTURES[name]}))


def timeline_snapshot(model: MlpMixer) -> dict[str, torch.Tensor]:
    """What the training timeline keeps: the stem and every block's token-mixing weights (the embedded Mixer's fc1)."""
    snap = {"stem": model.stem.proj.weight.detach().cpu().clone()}  # (C, 3, p, p)
    layers = [family(b).token_layer(b) for b in model.blocks]
    snap["token_mixing"] = torch.stack([layer.weight.detach().cpu() for layer in layers])  # (depth, D_S, S)
    return snap


def timeline_smoothness(snapshot: dict[str, torch.Tensor]) -> list[float]:
    """Each block's token-mixing smoothness in one timeline snapshot (explorer.model.weights.smoothness: about 0
    for noise, towards 1 for smooth, local maps): the structure number the model card reports."""
    weights = snapshot["token_mixing"].float().numpy()  # (depth, D_S, S)
    return [round(smoothness(square_maps(block)), 4) for block in weights]


def schedule_description(state: dict, epochs: int) -> str:
    text = state.get("schedule_before", "linear warm-up, cosine decay")
    for ext in state.get("extensions", []):
        text += (f"; at epoch {ext['at_epoch']} extended from {ext['from_epochs']} to {ext['to_epochs']} epochs "
                 "(the cosine stretched: the learning rate rose once, then decayed)")
        if "from_assets" in ext:
            text += f" from the weights shipped in {ext['from_assets']}, with a fresh optimizer"
        if "augment" in ext:
            text += f" and the augmentation changed from {ext['augment']['from']} to {ext['augment']['to']}"
    for change in state.get("teacher_changes", []):
        steps = f" step {change['at_step']}" if change["at_step"] else ""
        accuracy = (change.get("to_card") or {}).get("val_accuracy_as_used")
        text += (f"; from epoch {change['at_epoch']}{steps} on distilled from another teacher, {change['to']}"
                 + (f" ({accuracy:.2%} held out)" if accuracy else "") + f", in place of {change['from'] or 'none'}")
    if state.get("snapshot"):
        steps = f" and {state['step_in_epoch']} steps" if state["step_in_epoch"] else ""
        text += f"; this is a snapshot of the run after epoch {state['epoch']}{steps} of its {epochs}"
    return text


def write_assets(model: MlpMixer, cfg: TrainConfig, state: dict, val_acc: float, classes: list[str],
                 val_names: list[str], device: torch.device, amp: bool, out_dir: Path,
                 teacher_card: dict | None = None) -> dict:
    """Weights (safetensors), training timeline (safetensors) and the JSON model card, each written atomically.
    `teacher_card` is what the card says of the distillation teacher (distill.teacher_summary), if there was one."""
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tmp = out_dir / "embedded.safetensors.tmp"
    save_file(weights, str(tmp), metadata={"format": "pt"})
    os.replace(tmp, out_dir / "embedded.safetensors")

    timeline = {}
    for snap in state["timeline"]:
        timeline[f"epoch{snap['epoch']:03d}.stem"] = snap["stem"].half().contiguous()
        timeline[f"epoch{snap['epoch']:03d}.token_mixing"] = snap["token_mixing"].half().contiguous()
    tmp = out_dir / "embedded-timeline.safetensors.tmp"
    save_file(timeline, str(tmp), metadata={"epochs": json.dumps([s["epoch"] for s in state["timeline"]])})
    os.replace(tmp, out_dir / "embedded-timeline.safetensors")

    if device.type == "cuda":
        hardware = torch.cuda.get_device_name(device)
    else:
        hardware = f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"
    precision = ("bf16 autocast" + (", the teacher's forward too" if cfg.teacher else "")) if amp else "fp32"
    recipe = {**asdict(cfg), "optimizer": "AdamW", "schedule": schedule_description(state, cfg.epochs),
              "augmentation": AUGMENTATIONS[cfg.augment], "precision": precision}
    if cfg.teacher:
        recipe["distillation"] = DISTILLATIONS[cfg.distill]
    card = {
        "name": embedded.EMBEDDED_NAME,
        "architecture": card_architecture(cfg.architecture),
        "parameters": sum(p.numel() for p in model.parameters()),
        "pretrained_cfg": embedded.pretrained_cfg(classes),
        "class_names": classes,
        "dataset": "CIFAR-10 training split (JPEG), stratified hold-out of %d images per class for validation"
        % cfg.val_per_class,
        "recipe": recipe,
        "epochs": state["epoch"],
        "seed": cfg.seed,
        "wall_time_s": round(state["wall_time_s"], 1),
        "hardware": hardware,
        "torch": torch.__version__,
        "val_accuracy": round(val_acc, 4),
        "val_images": len(val_names),
        "history": state["history"],
        "timeline_file": "embedded-timeline.safetensors",
        "token_mixing_smoothness": {  # per block, at initialisation and at the end
            "init": timeline_smoothness(state["timeline"][0]),
            "final": timeline_smoothness(state["timeline"][-1]),
        },
    }
    if teacher_card is not None:
        card["teacher"] = teacher_card
    tmp = out_dir / "embedded.json.tmp"
    tmp.write_text(json.dumps(card, indent=2) + "\n")
    os.replace(tmp, out_dir / "embedded.json")
    return card
