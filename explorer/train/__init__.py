"""Train the embedded default Mixer on CIFAR-10.

    python -m explorer.train                       # train (or resume) and write assets/embedded.*
    python -m explorer.train --epochs 2 --limit 2000 --out /tmp/x   # a quick smoke run

The training split is decoded once into one uint8 tensor (cached under `.cache/`), augmented on the device
(random crop with reflect padding, horizontal flip, AutoAugment's CIFAR-10 policy drawn per image, CutMix) and
fed to a timm `MlpMixer` with AdamW, warm-up and cosine decay, label smoothing and bf16 autocast where the
hardware has it.
A stratified 10% of the split is held out for validation and never trained on.

The run checkpoints atomically every epoch and on SIGTERM/SIGINT (mid-epoch, with the step it stopped at), and
picks up where it left off when started again with the same arguments. Started again with more `--epochs`, a
finished (or unfinished) run is extended: the cosine schedule is stretched to the new length, so the learning
rate rises once to where the longer schedule would be and decays from there (a warm restart). An extension
may also change `--augment`; the model card records both.

A checkpoint lives under `.cache/`, which a fresh clone or another machine does not have. `--continue-from assets`
rebuilds the finished run from what it shipped (weights, model card with its history, timeline) and extends it
as above, with a fresh optimizer: e.g. `python -m explorer.train --continue-from assets --epochs 400`.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import math
import os
import platform
import signal
import sys
import tarfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from safetensors.torch import load_file, save_file
from timm.models.mlp_mixer import MlpMixer
from torchvision.transforms import v2
from tqdm import tqdm

from explorer.model import embedded
from explorer.model.families import family
from explorer.model.loading import native_bf16
from explorer.model.weights import smoothness, square_maps

log = logging.getLogger("explorer.train")

ROOT = Path(__file__).resolve().parents[2]  # the repository
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "cifar10-train-jpeg.tar.gz"
DEFAULT_CACHE = ROOT / ".cache"

# The model card's words for each --augment choice.
AUGMENTATIONS = {
    "crop-flip": "random crop (pad 4, reflect), horizontal flip, CutMix",
    "autoaugment": "random crop (pad 4, reflect), horizontal flip, AutoAugment (CIFAR-10 policy, drawn per image), CutMix",
}
CIFAR10_POLICY = v2.AutoAugment(v2.AutoAugmentPolicy.CIFAR10)


@dataclass
class TrainConfig:
    epochs: int = 60
    batch_size: int = 256
    lr: float = 1.5e-3
    min_lr: float = 1e-5
    weight_decay: float = 0.05
    warmup_epochs: int = 3
    label_smoothing: float = 0.1
    cutmix_prob: float = 0.5
    drop_path_rate: float = 0.1
    grad_clip: float = 1.0
    augment: str = "autoaugment"
    val_per_class: int = 500
    seed: int = 0
    # Epochs after which the token-mixing and stem weights are kept for the training timeline (0 = init).
    timeline_epochs: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 5, 8, 12, 18, 26, 36, 48, 60, 80, 110, 150, 200, 300])


# ---------------------------------------------------------------------------------------------- data


def load_cifar_tar(tar_path: Path, cache_dir: Path, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor, list[str], list[str]]:
    """Decode `train/<class>/NNNN.jpg` from the tarball once and cache it.

    Returns images (N, 3, 32, 32) uint8, labels (N,) int64, the class names (sorted folder names) and each
    image's path inside the tarball.
    """
    cache = cache_dir / "cifar10-train-uint8.npz"
    if cache.exists():
        data = np.load(cache)
        images, labels = data["images"], data["labels"]
        classes, names = [str(c) for c in data["classes"]], [str(n) for n in data["names"]]
    else:
        log.info("decoding %s (once; cached in %s)", tar_path, cache)
        items = []
        with tarfile.open(tar_path, "r:gz") as tar:
            for member in tar:
                parts = Path(member.name).parts
                if not member.isfile() or len(parts) < 3 or not member.name.lower().endswith((".jpg", ".jpeg", ".png")):
                    continue
                raw = tar.extractfile(member).read()
                rgb = np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"))
                items.append((parts[-2], member.name, rgb))
        items.sort(key=lambda item: item[1])
        classes = sorted({cls for cls, _, _ in items})
        images = np.stack([rgb for _, _, rgb in items]).transpose(0, 3, 1, 2).copy()  # (N, 3, 32, 32)
        labels = np.array([classes.index(cls) for cls, _, _ in items], dtype=np.int64)
        names = [name for _, name, _ in items]
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, images=images, labels=labels, classes=np.array(classes), names=np.array(names))
        os.replace(tmp, cache)
    images, labels = torch.from_numpy(images), torch.from_numpy(labels)
    if limit:
        keep = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))[:limit].sort().values
        images, labels, names = images[keep], labels[keep], [names[i] for i in keep.tolist()]
    return images, labels, classes, names


def split_train_val(labels: torch.Tensor, per_class: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A stratified hold-out: `per_class` random images of each class for validation, the rest for training."""
    g = torch.Generator().manual_seed(seed)
    val = []
    for c in labels.unique():
        idx = (labels == c).nonzero().flatten()
        val.append(idx[torch.randperm(len(idx), generator=g)[: min(per_class, len(idx) // 10 or 1)]])
    val_idx = torch.cat(val).sort().values
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[val_idx] = False
    return mask.nonzero().flatten(), val_idx


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 (B, 3, H, W) -> float, normalised as timm's transform does for the embedded model."""
    mean = torch.tensor(embedded.MEAN, device=images.device).view(1, 3, 1, 1)
    std = torch.tensor(embedded.STD, device=images.device).view(1, 3, 1, 1)
    return (images.float() / 255 - mean) / std


def random_crop_flip(x: torch.Tensor, g: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Random crop with reflect padding and random horizontal flip, per sample, on whatever device x is on."""
    B, _, H, W = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    dy = torch.randint(0, 2 * pad + 1, (B,), generator=g).to(x.device)
    dx = torch.randint(0, 2 * pad + 1, (B,), generator=g).to(x.device)
    rows = (dy[:, None] + torch.arange(H, device=x.device))[:, :, None]  # (B, H, 1)
    cols = (dx[:, None] + torch.arange(W, device=x.device))[:, None, :]  # (B, 1, W)
    batch = torch.arange(B, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)  # (B, 3, H, W)
    flip = (torch.rand(B, generator=g) < 0.5).to(x.device).view(B, 1, 1, 1)
    return torch.where(flip, out.flip(3), out)


def auto_augment(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """AutoAugment's CIFAR-10 policy (Cubuk et al. 2019) on uint8 images (B, 3, H, W), drawn per image from `g`:
    each image its sub-policy, whether each of its two ops applies, and each op's sign."""
    B = len(x)
    sub_policy = torch.randint(len(CIFAR10_POLICY._policies), (B,), generator=g)
    applies = torch.rand(B, 2, generator=g)
    negative = torch.rand(B, 2, generator=g) <= 0.5
    return apply_auto_augment(x, sub_policy, applies, negative)


def apply_auto_augment(x: torch.Tensor, sub_policy: torch.Tensor, applies: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """Apply drawn AutoAugment sub-policies: x (B, 3, H, W) uint8; sub_policy (B,) index into the CIFAR-10
    policy; applies (B, 2) uniform draws (op k applies where the draw <= its probability); negative (B, 2) the
    sign of signed ops' magnitudes.

    torchvision's AutoAugment draws once per call, and a call per image costs thousands of small calls an epoch
    (on a GPU, longer than the training itself). Its ops act on each image of a batch alone, so images that
    drew the same (sub-policy, op, sign) go through the op together: at most 25 × 2 × 2 calls, however many
    images. The ops and magnitudes are torchvision's own (its private helpers, so they match it exactly).
    """
    H, W = x.shape[-2:]
    out = x.clone()
    for p, ops in enumerate(CIFAR10_POLICY._policies):
        for k, (op, probability, magnitude_bin) in enumerate(ops):  # in order: op 1 acts on op 0's result
            magnitudes, signed = CIFAR10_POLICY._AUGMENTATION_SPACE[op]
            bins = magnitudes(10, H, W)
            magnitude = 0.0 if bins is None else float(bins[magnitude_bin])
            chosen = (sub_policy == p) & (applies[:, k] <= probability)
            flipped = negative[:, k] if signed else torch.zeros_like(chosen)
            for sign, side in ((1, ~flipped), (-1, flipped)):
                picked = (chosen & side).nonzero().flatten().to(x.device)
                if len(picked):
                    out[picked] = CIFAR10_POLICY._apply_image_or_video_transform(
                        out[picked], op, sign * magnitude, interpolation=CIFAR10_POLICY.interpolation, fill=CIFAR10_POLICY._fill
                    )
    return out


def epoch_views(images: torch.Tensor, augment: str, g: torch.Generator) -> torch.Tensor:
    """One epoch's augmented views of the training images (N, 3, H, W) uint8, all at once: about a hundred large
    calls an epoch instead of thousands of small ones, so augmentation costs little on any device."""
    views = random_crop_flip(images, g)
    return auto_augment(views, g) if augment == "autoaugment" else views


def cutmix(x: torch.Tensor, y: torch.Tensor, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, float]:
    """CutMix (Yun et al. 2019): paste a random box from a shuffled batch; returns mixed x, partner labels, lam."""
    B, _, H, W = x.shape
    lam = float(torch.rand(1, generator=g))  # Beta(1, 1), as in the paper, is uniform
    cut_h, cut_w = int(H * math.sqrt(1 - lam)), int(W * math.sqrt(1 - lam))
    cy, cx = int(torch.randint(0, H, (1,), generator=g)), int(torch.randint(0, W, (1,), generator=g))
    y0, y1 = max(cy - cut_h // 2, 0), min(cy + cut_h // 2, H)
    x0, x1 = max(cx - cut_w // 2, 0), min(cx + cut_w // 2, W)
    perm = torch.randperm(B, generator=g).to(x.device, non_blocking=True)  # no wait for the GPU's queue
    x = x.clone()
    x[:, :, y0:y1, x0:x1] = x[perm, :, y0:y1, x0:x1]
    lam = 1 - (y1 - y0) * (x1 - x0) / (H * W)  # the area actually kept
    return x, y[perm], lam


# ---------------------------------------------------------------------------------------------- model


def build_model(drop_path_rate: float = 0.0) -> MlpMixer:
    return MlpMixer(**embedded.ARCHITECTURE, drop_path_rate=drop_path_rate)


def timeline_snapshot(model: MlpMixer) -> dict[str, torch.Tensor]:
    """What the training timeline keeps: the stem and every block's token-mixing weights (the embedded Mixer's fc1)."""
    snap = {"stem": model.stem.proj.weight.detach().cpu().clone()}  # (C, 3, p, p)
    layers = [family(b).token_layer(b) for b in model.blocks]
    snap["token_mixing"] = torch.stack([layer.weight.detach().cpu() for layer in layers])  # (depth, D_S, S)
    return snap


def timeline_smoothness(snapshot: dict[str, torch.Tensor]) -> list[float]:
    """Each block's token-mixing smoothness in one timeline snapshot (explorer.model.weights.smoothness: about 0 for
    noise, towards 1 for smooth, local maps): the structure number the model card reports."""
    weights = snapshot["token_mixing"].float().numpy()  # (depth, D_S, S)
    return [round(smoothness(square_maps(block)), 4) for block in weights]


def lr_at(step: int, total: int, warmup: int, cfg: TrainConfig) -> float:
    if step < warmup:
        return cfg.lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * progress))


@torch.inference_mode()
def evaluate(model: MlpMixer, images: torch.Tensor, labels: torch.Tensor, device: torch.device, amp: bool, batch_size: int = 1000) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(labels), batch_size):
        x = normalize(images[i : i + batch_size].to(device))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            logits = model(x)
        correct += (logits.argmax(1).cpu() == labels[i : i + batch_size]).sum().item()
    return correct / len(labels)


# ---------------------------------------------------------------------------------------------- checkpoints


def save_atomic(obj: dict, path: Path) -> None:
    """torch.save to a temp file, then rename: an interruption never leaves a half-written checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a corrupt checkpoint must be reported, never silently replaced by a fresh run
        raise SystemExit(f"checkpoint {path} is corrupt or unreadable ({exc}); move it away to start over") from exc


def saved_augment(config: dict) -> str:
    """The --augment a checkpoint was written with: runs from before the flag existed used crop + flip."""
    return config.get("augment", "crop-flip")


def card_architecture() -> dict:
    """The model card's "architecture", as JSON holds it (tuples become lists), so a read card compares equal."""
    return json.loads(json.dumps({"class": "timm.models.mlp_mixer.MlpMixer", **embedded.ARCHITECTURE}))


def checkpoint_from_assets(assets: Path) -> dict:
    """A finished run rebuilt from what it shipped (weights, model card, timeline), for a machine that lacks its
    checkpoint. Everything but the optimizer's moments and the random generators' states, which start afresh."""
    card_path = assets / "embedded.json"
    if not card_path.exists():
        raise SystemExit(f"--continue-from {assets}: no model card (embedded.json) there")
    card = json.loads(card_path.read_text())
    if card["architecture"] != card_architecture():
        raise SystemExit(f"--continue-from {assets}: that model has another architecture ({card['architecture']})")
    config = {k: v for k, v in card["recipe"].items() if k in TrainConfig.__dataclass_fields__}
    timeline = embedded.read_timeline(assets / card["timeline_file"])
    state = {
        "epoch": card["epochs"],
        "step_in_epoch": 0,
        "wall_time_s": card["wall_time_s"],
        "history": card["history"],
        "timeline": [{"epoch": e, **{k: torch.from_numpy(v) for k, v in snap.items()}} for e, snap in timeline.items()],
        "schedule_before": card["recipe"]["schedule"],  # its extensions are told there, in words
    }
    return {"config": config, "model": load_file(assets / "embedded.safetensors"), "state": state, "fresh_optimizer": True}


def can_resume(saved: dict, wanted: dict) -> bool:
    """A checkpoint resumes a run with the same recipe; only a longer schedule (and its timeline) may differ,
    and a run that is being extended may change its augmentation."""
    extending = wanted["epochs"] > saved["epochs"]
    may_change = ("epochs", "timeline_epochs") + (("augment",) if extending else ())
    saved = {**saved, "augment": saved_augment(saved)}
    recipe = lambda cfg: {k: v for k, v in cfg.items() if k not in may_change}  # noqa: E731
    return recipe(saved) == recipe(wanted) and wanted["epochs"] >= saved["epochs"]


# ---------------------------------------------------------------------------------------------- training


def train(cfg: TrainConfig, data: Path, cache_dir: Path, out_dir: Path, device: torch.device, limit: int | None = None, continue_from: Path | None = None) -> dict:
    run_dir = cache_dir / "train"
    ckpt_path = run_dir / ("last.pt" if limit is None else f"last-limit{limit}.pt")
    images, labels, classes, names = load_cifar_tar(data, cache_dir, limit)
    train_idx, val_idx = split_train_val(labels, cfg.val_per_class)
    log.info("data: %d train, %d held-out validation images, classes %s", len(train_idx), len(val_idx), classes)
    train_x, train_y = images[train_idx].to(device), labels[train_idx].to(device)
    val_x, val_y = images[val_idx], labels[val_idx]

    torch.manual_seed(cfg.seed)
    model = build_model(cfg.drop_path_rate).to(device)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr, fused=device.type == "cuda")
    aug_gen = torch.Generator().manual_seed(cfg.seed + 1)
    steps_per_epoch = len(train_idx) // cfg.batch_size  # drop the ragged last batch
    total_steps, warmup_steps = cfg.epochs * steps_per_epoch, cfg.warmup_epochs * steps_per_epoch
    amp = native_bf16(device)

    state = {"epoch": 0, "step_in_epoch": 0, "wall_time_s": 0.0, "history": [], "timeline": []}
    # The run's own checkpoint wins, so the same --continue-from command also resumes an interrupted extension.
    source = ckpt_path if ckpt_path.exists() else continue_from
    if source is not None:
        ckpt = load_checkpoint(ckpt_path) if source == ckpt_path else checkpoint_from_assets(continue_from)
        if not can_resume(ckpt["config"], asdict(cfg)):
            raise SystemExit(f"{source} was written with another configuration; move it away to start over")
        model.load_state_dict(ckpt["model"])
        if not ckpt.get("fresh_optimizer"):
            opt.load_state_dict(ckpt["optimizer"])
            aug_gen.set_state(ckpt["aug_rng"])
        if "torch_rng" in ckpt:  # drop path draws from the global generator
            torch.set_rng_state(ckpt["torch_rng"])
        state = ckpt["state"]
        if ckpt["config"]["epochs"] != cfg.epochs:  # recorded, so the model card tells the schedule as it was run
            log.info("extending the run from %d to %d epochs (the cosine schedule is stretched)", ckpt["config"]["epochs"], cfg.epochs)
            extension = {"at_epoch": state["epoch"], "from_epochs": ckpt["config"]["epochs"], "to_epochs": cfg.epochs}
            if ckpt.get("fresh_optimizer"):
                extension["from_assets"] = str(continue_from)
            augment_before = saved_augment(ckpt["config"])
            if augment_before != cfg.augment:
                log.info("augmentation from epoch %d on: %s (was %s)", state["epoch"] + 1, cfg.augment, augment_before)
                extension["augment"] = {"from": augment_before, "to": cfg.augment}
            state.setdefault("extensions", []).append(extension)
        log.info("resuming from %s at epoch %d step %d", source, state["epoch"], state["step_in_epoch"])
    if not state["timeline"]:
        state["timeline"].append({"epoch": 0, **timeline_snapshot(model)})

    def checkpoint() -> None:
        save_atomic({"config": asdict(cfg), "model": model.state_dict(), "optimizer": opt.state_dict(), "aug_rng": aug_gen.get_state(), "torch_rng": torch.get_rng_state(), "state": state}, ckpt_path)

    stop = {"signal": None}
    handler = lambda signum, frame: stop.update(signal=signum)  # noqa: E731 - finish the step, then save and exit
    old_handlers = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    log.info("model: %d parameters; device %s; bf16 autocast %s; %d steps/epoch", sum(p.numel() for p in model.parameters()), device, amp, steps_per_epoch)
    try:
        while state["epoch"] < cfg.epochs:
            epoch, t0 = state["epoch"], time.perf_counter()
            model.train()
            # The order and the augmented views of an epoch depend only on (seed, epoch): a resumed epoch continues alike.
            epoch_gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
            order = torch.randperm(len(train_idx), generator=epoch_gen).to(device)
            views = epoch_views(train_x, cfg.augment, epoch_gen)
            loss_sum, seen = torch.zeros((), device=device), 0  # summed on the device: no sync with the host per step
            steps = range(state["step_in_epoch"], steps_per_epoch)
            if sys.stderr.isatty():  # a progress bar at a terminal; the per-epoch log line either way
                steps = tqdm(steps, desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="step", leave=False, file=sys.stderr)
            for step in steps:
                batch = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
                x, y = normalize(views[batch]), train_y[batch]
                use_cutmix = float(torch.rand(1, generator=aug_gen)) < cfg.cutmix_prob
                if use_cutmix:
                    x, y2, lam = cutmix(x, y, aug_gen)
                for group in opt.param_groups:
                    group["lr"] = lr_at(epoch * steps_per_epoch + step, total_steps, warmup_steps, cfg)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                    logits = model(x)
                loss = F.cross_entropy(logits.float(), y, label_smoothing=cfg.label_smoothing)
                if use_cutmix:
                    loss = lam * loss + (1 - lam) * F.cross_entropy(logits.float(), y2, label_smoothing=cfg.label_smoothing)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                opt.step()
                loss_sum, seen = loss_sum + loss.detach(), seen + 1
                if stop["signal"] is not None:
                    state["step_in_epoch"] = step + 1
                    state["wall_time_s"] += time.perf_counter() - t0
                    checkpoint()
                    log.info("signal %d: saved %s at epoch %d step %d; run again to resume", stop["signal"], ckpt_path, epoch, step + 1)
                    raise SystemExit(128 + stop["signal"])
            val_acc, train_loss = evaluate(model, val_x, val_y, device, amp), loss_sum.item() / max(seen, 1)
            state["wall_time_s"] += time.perf_counter() - t0
            state["epoch"], state["step_in_epoch"] = epoch + 1, 0
            state["history"].append({"epoch": epoch + 1, "train_loss": train_loss, "val_acc": val_acc, "wall_time_s": state["wall_time_s"]})
            if epoch + 1 in cfg.timeline_epochs or epoch + 1 == cfg.epochs:
                state["timeline"].append({"epoch": epoch + 1, **timeline_snapshot(model)})
            checkpoint()
            log.info("epoch %d/%d  loss %.4f  val acc %.4f  (%.0fs this epoch, %.0fs total)", epoch + 1, cfg.epochs, train_loss, val_acc, time.perf_counter() - t0, state["wall_time_s"])
    finally:
        for s, h in old_handlers.items():
            signal.signal(s, h)

    model.eval()
    final_acc = evaluate(model, val_x, val_y, device, amp=False)  # the number the card reports: fp32, as served
    card = write_assets(model, cfg, state, final_acc, classes, [names[i] for i in val_idx.tolist()], device, amp, out_dir)
    log.info("done: held-out validation accuracy %.4f (fp32); wrote %s", final_acc, out_dir)
    return card


def schedule_description(state: dict) -> str:
    text = state.get("schedule_before", "linear warm-up, cosine decay")
    for ext in state.get("extensions", []):
        text += f"; at epoch {ext['at_epoch']} extended from {ext['from_epochs']} to {ext['to_epochs']} epochs (the cosine stretched: the learning rate rose once, then decayed)"
        if "from_assets" in ext:
            text += f" from the weights shipped in {ext['from_assets']}, with a fresh optimizer"
        if "augment" in ext:
            text += f" and the augmentation changed from {ext['augment']['from']} to {ext['augment']['to']}"
    return text


def write_assets(model: MlpMixer, cfg: TrainConfig, state: dict, val_acc: float, classes: list[str], val_names: list[str], device: torch.device, amp: bool, out_dir: Path) -> dict:
    """Weights (safetensors), training timeline (safetensors) and the JSON model card, each written atomically."""
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

    hardware = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"
    card = {
        "name": embedded.EMBEDDED_NAME,
        "architecture": card_architecture(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "pretrained_cfg": embedded.pretrained_cfg(classes),
        "class_names": classes,
        "dataset": "CIFAR-10 training split (JPEG), stratified hold-out of %d images per class for validation" % cfg.val_per_class,
        "recipe": {**asdict(cfg), "optimizer": "AdamW", "schedule": schedule_description(state), "augmentation": AUGMENTATIONS[cfg.augment], "precision": "bf16 autocast" if amp else "fp32"},
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
    tmp = out_dir / "embedded.json.tmp"
    tmp.write_text(json.dumps(card, indent=2) + "\n")
    os.replace(tmp, out_dir / "embedded.json")
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="CIFAR-10 training tarball")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the decoded data and checkpoints live")
    parser.add_argument("--out", type=Path, default=embedded.ASSETS, help="where the weights and model card go")
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--lr", type=float, default=TrainConfig.lr, help="peak learning rate, after the warm-up")
    parser.add_argument("--limit", type=int, default=None, help="use only this many images (smoke runs)")
    parser.add_argument("--augment", choices=sorted(AUGMENTATIONS), default=TrainConfig.augment, help="augmentation before CutMix")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--continue-from", type=Path, default=None, help="extend the finished run whose weights, card and timeline are in this folder (e.g. assets), where its checkpoint is gone")
    parser.add_argument("--export-val", type=Path, default=None, help="also write the held-out validation JPEGs to this folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, augment=args.augment)
    cfg.timeline_epochs = sorted({e for e in cfg.timeline_epochs if e <= cfg.epochs} | {cfg.epochs})
    if args.export_val:
        export_validation(args.data, args.cache, args.export_val, cfg)
        return
    train(cfg, args.data, args.cache, args.out, torch.device(args.device), args.limit, args.continue_from)


def export_validation(data: Path, cache_dir: Path, out: Path, cfg: TrainConfig) -> None:
    """Copy the held-out JPEGs, byte for byte, to out/<class>/: what `explorer predict` is measured on."""
    _, labels, _, names = load_cifar_tar(data, cache_dir)
    _, val_idx = split_train_val(labels, cfg.val_per_class)
    wanted = {names[i] for i in val_idx.tolist()}
    with tarfile.open(data, "r:gz") as tar:
        for member in tar:
            if member.name in wanted:
                target = out / Path(member.name).parts[-2] / Path(member.name).name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())
    log.info("wrote %d held-out images to %s", len(wanted), out)

