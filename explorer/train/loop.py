"""The Mixer's training loop: AdamW with warm-up and cosine decay, CutMix, label smoothing, an optional teacher,
a checkpoint after every few epochs and on SIGTERM/SIGINT, and the held-out accuracy after every epoch."""
from __future__ import annotations

import logging
import math
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import torch
import torch.nn.functional as F
from timm.models.mlp_mixer import MlpMixer
from tqdm import tqdm

from explorer.model.loading import native_bf16
from explorer.train.augment import cutmix, epoch_views
from explorer.train.card import timeline_snapshot, write_assets
from explorer.train.checkpoint import can_resume, checkpoint_from_assets, load_checkpoint, save_atomic, saved_config
from explorer.train.config import ARCHITECTURES, TrainConfig
from explorer.train.data import load_cifar_tar, normalize, split_train_val
from explorer.train.distill import distillation_loss, load_teachers, teacher_summary

log = logging.getLogger("explorer.train")


def build_model(drop_path_rate: float = 0.0, architecture: str = "embedded") -> MlpMixer:
    return MlpMixer(**ARCHITECTURES[architecture], drop_path_rate=drop_path_rate)


def lr_at(step: int, total: int, warmup: int, cfg: TrainConfig) -> float:
    if step < warmup:
        return cfg.lr * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return cfg.min_lr + 0.5 * (cfg.lr - cfg.min_lr) * (1 + math.cos(math.pi * progress))


@torch.inference_mode()
def evaluate(model: MlpMixer, images: torch.Tensor, labels: torch.Tensor, device: torch.device, amp: bool,
             batch_size: int = 1000) -> float:
    """Accuracy on uint8 images (N, 3, 32, 32) with labels (N,)."""
    model.eval()
    correct = 0
    for i in range(0, len(labels), batch_size):
        x = normalize(images[i : i + batch_size].to(device))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            logits = model(x)
        correct += (logits.argmax(1).cpu() == labels[i : i + batch_size]).sum().item()
    return correct / len(labels)


def train(cfg: TrainConfig, data: Path, cache_dir: Path, out_dir: Path, device: torch.device,
          limit: int | None = None, continue_from: Path | None = None, resume_dir: Path | None = None,
          teachers: Sequence[Path] = (), save_every: int = 1, change_teacher: bool = False,
          teacher_mirror: bool = False) -> dict:
    """Train (or resume, or extend) a run and write its weights, timeline and card to out_dir. Its checkpoint is
    resume_dir/last.pt (default cache_dir/train/); `teachers` are teacher.safetensors files to distil from (the
    mean of their logits; with `teacher_mirror` each also sees the mirrored batch), whose digest cfg.teacher
    holds; with `change_teacher` a resumed run goes on with these teachers in place of its own."""
    run_dir = resume_dir or cache_dir / "train"
    ckpt_path = run_dir / ("last.pt" if limit is None else f"last-limit{limit}.pt")
    images, labels, classes, names = load_cifar_tar(data, cache_dir, limit)
    train_idx, val_idx = split_train_val(labels, cfg.val_per_class)
    log.info("data: %d train, %d held-out validation images, classes %s", len(train_idx), len(val_idx), classes)
    train_x, train_y = images[train_idx].to(device), labels[train_idx].to(device)
    val_x, val_y = images[val_idx], labels[val_idx]

    teacher, teacher_card = None, None
    if teachers:
        teacher = load_teachers(list(teachers), teacher_mirror).to(device, memory_format=torch.channels_last)
        teacher_card = {**teacher_summary(list(teachers), teacher_mirror),
                        "val_accuracy_as_used": evaluate(teacher, val_x, val_y, device, native_bf16(device))}
        log.info("distilling (%s, T %g, alpha %g) from %s%s (held-out accuracy %.4f)", cfg.distill,
                 cfg.kd_temperature, cfg.kd_alpha, ", ".join(map(str, teachers)), " and their mirror views"
                 if teacher_mirror else "", teacher_card["val_accuracy_as_used"])

    torch.manual_seed(cfg.seed)
    model = build_model(cfg.drop_path_rate, cfg.architecture).to(device)
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr, fused=device.type == "cuda")
    aug_gen = torch.Generator().manual_seed(cfg.seed + 1)
    steps_per_epoch = len(train_idx) // cfg.batch_size  # drop the ragged last batch
    total_steps, warmup_steps = cfg.epochs * steps_per_epoch, cfg.warmup_epochs * steps_per_epoch
    amp = native_bf16(device)

    state = {"epoch": 0, "step_in_epoch": 0, "wall_time_s": 0.0, "history": [], "timeline": []}
    # The run's own checkpoint wins, so the same --continue-from command also resumes an interrupted extension.
    source = ckpt_path if ckpt_path.exists() else continue_from
    if source is not None:
        ckpt = load_checkpoint(ckpt_path) if source == ckpt_path else checkpoint_from_assets(continue_from,
                                                                                              cfg.architecture)
        if not can_resume(ckpt["config"], asdict(cfg), change_teacher):
            raise SystemExit(f"{source} was written with another configuration; move it away to start over")
        model.load_state_dict(ckpt["model"])
        if not ckpt.get("fresh_optimizer"):
            opt.load_state_dict(ckpt["optimizer"])
            aug_gen.set_state(ckpt["aug_rng"])
        if "torch_rng" in ckpt:  # drop path draws from the global generator
            torch.set_rng_state(ckpt["torch_rng"])
        state = ckpt["state"]
        if ckpt["config"]["epochs"] != cfg.epochs:  # recorded, so the model card tells the schedule as it was run
            log.info("extending the run from %d to %d epochs (the cosine schedule is stretched)",
                     ckpt["config"]["epochs"], cfg.epochs)
            extension = {"at_epoch": state["epoch"], "from_epochs": ckpt["config"]["epochs"], "to_epochs": cfg.epochs}
            if ckpt.get("fresh_optimizer"):
                extension["from_assets"] = str(continue_from)
            augment_before = saved_config(ckpt["config"])["augment"]
            if augment_before != cfg.augment:
                log.info("augmentation from epoch %d on: %s (was %s)", state["epoch"] + 1, cfg.augment, augment_before)
                extension["augment"] = {"from": augment_before, "to": cfg.augment}
            state.setdefault("extensions", []).append(extension)
        teacher_before = saved_config(ckpt["config"])["teacher"]
        if teacher_before != cfg.teacher:  # only with change_teacher: recorded, so the card tells it
            log.info("the teacher changes at epoch %d step %d: %s (was %s)", state["epoch"], state["step_in_epoch"],
                     cfg.teacher, teacher_before or "none")
            state.setdefault("teacher_changes", []).append(
                {"at_epoch": state["epoch"], "at_step": state["step_in_epoch"], "from": teacher_before,
                 "to": cfg.teacher, "to_card": teacher_card})
        log.info("resuming from %s at epoch %d step %d", source, state["epoch"], state["step_in_epoch"])
    if not state["timeline"]:
        state["timeline"].append({"epoch": 0, **timeline_snapshot(model)})

    def checkpoint() -> None:
        save_atomic({"config": asdict(cfg), "model": model.state_dict(), "optimizer": opt.state_dict(),
                     "aug_rng": aug_gen.get_state(), "torch_rng": torch.get_rng_state(), "state": state}, ckpt_path)

    def loss_of(x: torch.Tensor, y: torch.Tensor, y2: torch.Tensor | None, lam: float) -> torch.Tensor:
        """x (B, 3, H, W) the augmented batch; y2, lam CutMix's partner labels and kept area (y2 None: no CutMix)."""
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            logits = model(x)
        loss = F.cross_entropy(logits.float(), y, label_smoothing=cfg.label_smoothing)
        if y2 is not None:
            loss = lam * loss + (1 - lam) * F.cross_entropy(logits.float(), y2, label_smoothing=cfg.label_smoothing)
        if teacher is None:
            return loss
        # the teacher sees the very batch the student sees, CutMix and all; in bf16 where the student is (on a CPU
        # with AMX a quarter of fp32's time, the logits within 0.01: a third of each epoch's time saved)
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            teacher_logits = teacher(x.contiguous(memory_format=torch.channels_last))
        return distillation_loss(loss, logits, teacher_logits, cfg.distill, cfg.kd_temperature, cfg.kd_alpha)

    stop = {"signal": None}
    handler = lambda signum, frame: stop.update(signal=signum)  # noqa: E731 - finish the step, then save and exit
    old_handlers = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    log.info("model: %d parameters; device %s; bf16 autocast %s; %d steps/epoch",
             sum(p.numel() for p in model.parameters()), device, amp, steps_per_epoch)
    try:
        while state["epoch"] < cfg.epochs:
            epoch, t0 = state["epoch"], time.perf_counter()
            model.train()
            # An epoch's order and augmented views depend only on (seed, epoch): a resumed epoch continues alike.
            epoch_gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
            order = torch.randperm(len(train_idx), generator=epoch_gen).to(device)
            views = epoch_views(train_x, cfg.augment, epoch_gen)
            loss_sum, seen = torch.zeros((), device=device), 0  # summed on the device: no sync with the host per step
            steps = range(state["step_in_epoch"], steps_per_epoch)
            if sys.stderr.isatty():  # a progress bar at a terminal; the per-epoch log line either way
                steps = tqdm(steps, desc=f"epoch {epoch + 1}/{cfg.epochs}", unit="step", leave=False, file=sys.stderr)
            for step in steps:
                batch = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
                x, y, y2, lam = normalize(views[batch]), train_y[batch], None, 1.0
                if float(torch.rand(1, generator=aug_gen)) < cfg.cutmix_prob:
                    x, y2, lam = cutmix(x, y, aug_gen)
                for group in opt.param_groups:
                    group["lr"] = lr_at(epoch * steps_per_epoch + step, total_steps, warmup_steps, cfg)
                loss = loss_of(x, y, y2, lam)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                opt.step()
                loss_sum, seen = loss_sum + loss.detach(), seen + 1
                if stop["signal"] is not None:
                    state["step_in_epoch"] = step + 1
                    state["wall_time_s"] += time.perf_counter() - t0
                    checkpoint()
                    log.info("signal %d: saved %s at epoch %d step %d; run again to resume", stop["signal"],
                             ckpt_path, epoch, step + 1)
                    raise SystemExit(128 + stop["signal"])
            val_acc, train_loss = evaluate(model, val_x, val_y, device, amp), loss_sum.item() / max(seen, 1)
            state["wall_time_s"] += time.perf_counter() - t0
            state["epoch"], state["step_in_epoch"] = epoch + 1, 0
            state["history"].append({"epoch": epoch + 1, "train_loss": train_loss, "val_acc": val_acc,
                                     "wall_time_s": state["wall_time_s"]})
            if epoch + 1 in cfg.timeline_epochs or epoch + 1 == cfg.epochs:
                state["timeline"].append({"epoch": epoch + 1, **timeline_snapshot(model)})
            if (epoch + 1) % save_every == 0 or epoch + 1 == cfg.epochs:
                checkpoint()
            log.info("epoch %d/%d  loss %.4f  val acc %.4f  (%.0fs this epoch, %.0fs total)", epoch + 1, cfg.epochs,
                     train_loss, val_acc, time.perf_counter() - t0, state["wall_time_s"])
    finally:
        for s, h in old_handlers.items():
            signal.signal(s, h)

    model.eval()
    final_acc = evaluate(model, val_x, val_y, device, amp=False)  # the number the card reports: fp32, as served
    card = write_assets(model, cfg, state, final_acc, classes, [names[i] for i in val_idx.tolist()], device, amp,
                        out_dir, teacher_card)
    log.info("done: held-out validation accuracy %.4f (fp32); wrote %s", final_acc, out_dir)
    return card


def snapshot(cfg: TrainConfig, data: Path, cache_dir: Path, out_dir: Path, resume_dir: Path | None = None,
             teachers: Sequence[Path] = (), teacher_mirror: bool = False) -> dict:
    """Write a run's model as it stands at its resume point (weights, timeline, card) without training, so that a
    run of many sessions can ship, or be looked at, before it ends; the card's schedule says it is a snapshot."""
    ckpt_path = (resume_dir or cache_dir / "train") / "last.pt"
    if not ckpt_path.exists():
        raise SystemExit(f"--snapshot: no resume point at {ckpt_path}")
    ckpt = load_checkpoint(ckpt_path)
    if not can_resume(ckpt["config"], asdict(cfg)) or ckpt["config"]["epochs"] != cfg.epochs:
        raise SystemExit(f"{ckpt_path} was written with another configuration: give the run's own arguments")
    model = build_model(cfg.drop_path_rate, cfg.architecture)
    model.load_state_dict(ckpt["model"])
    state = {**ckpt["state"], "snapshot": True}
    if state["timeline"][-1]["epoch"] != state["epoch"]:
        state["timeline"].append({"epoch": state["epoch"], **timeline_snapshot(model)})
    images, labels, classes, names = load_cifar_tar(data, cache_dir)
    _, val_idx = split_train_val(labels, cfg.val_per_class)
    device = torch.device("cpu")
    val_acc = evaluate(model, images[val_idx], labels[val_idx], device, amp=False)  # fp32, as served
    card = write_assets(model, cfg, state, val_acc, classes, [names[i] for i in val_idx.tolist()], device,
                        native_bf16(device), out_dir,
                        teacher_summary(list(teachers), teacher_mirror) if teachers else None)
    log.info("snapshot after epoch %d (step %d of the next): held-out validation accuracy %.4f (fp32); wrote %s",
             state["epoch"], state["step_in_epoch"], val_acc, out_dir)
    return card
