"""A CNN teacher for the Mixer's distillation: airbench94's (or airbench96's) network and recipe, on the CPU.

    python -m explorer.train.teacher                    # train or resume; writes training-run/teacher/teacher.*
    python -m explorer.train.teacher --network airbench96 --resume-dir training-run/teacher-96   # the bigger one
    python -m explorer.train.teacher --limit 2000 --epochs 2 --batch-size 64 --resume-dir /tmp/t   # a smoke run

It trains on the Mixer's 45,000 training images (explorer.train.data's split; the same stratified 5,000 stay
held out and are only measured on), saves a resume point (`last.pt`) after every epoch and on SIGTERM/SIGINT,
and picks up where it stopped when started again with the same arguments, continuing as an uninterrupted run
would. At the end it writes `teacher.safetensors` (conv and linear weights in fp16, BatchNorm in fp32: 4 MB;
airbench96's 20 MB) and `teacher.json` (recipe, per-epoch history, held-out accuracy of the saved weights, with
and without TTA).

From airbench (Keller Jordan, https://github.com/KellerJordan/cifar10-airbench, file airbench94.py; MIT
License, Copyright (c) 2024 Keller Jordan; the network and the recipe below are re-written from it, not copied):
kept - the network (2x2 whitening conv initialised from the training patches' covariance, its bias trained for
3 epochs then frozen; three conv-pool-BN-GELU-conv-BN-GELU groups of widths 64/256/256 with identity (dirac)
initialised 3x3 convs; BatchNorm with fixed scale, momentum 0.6; max-pool, linear head without bias, logits
scaled by 1/9), the optimiser (Nesterov SGD, momentum 0.85, lr 11.5 and weight decay 0.0153 per 1024 examples
in decoupled form on a summed loss, 64x lr for BatchNorm biases), the triangular schedule (0.2 -> 1 at 23% ->
0.07), label smoothing 0.2, the lookahead/EMA from epoch 3 (every 5 steps, decay 0.95^5 warmed by progress^3),
9.9 epochs of batch 1024, and the augmentation (2-pixel reflect-padded translation; each image flipped or not
once, then all flipped together every other epoch) and the mirror + translate test-time augmentation.
Changed - CPU instead of CUDA: channels-last in fp32, or in bf16 autocast with `--precision bf16`, instead of
`.half().cuda()` (bf16 was slower than fp32 on a 2-core AMD EPYC, 3.7x faster on a Xeon with AMX), no
torch.compile; the 45,000-image split instead of all 50,000 (so 43 steps an epoch, 426 in all); the whitening
patches from 5,000 seeded random training images (the first 5,000 of our class-sorted tarball would all be
airplanes); every random draw from seeded generators, per epoch, so a resumed run repeats an uninterrupted one;
the normalisation is the embedded model's (the same CIFAR-10 mean and std), so the teacher reads the Mixer's
batches as they are.

`--network airbench96` takes airbench96.py's changes to the above (its file in the same repository, legacy/): widths
128/384/512 and a third conv in each group with a residual over the last two (10 convs, 9.9M parameters),
PyTorch's default BatchNorm momentum, lr 9.0 and weight decay 0.012, a 10% warm-up then a linear decay to zero,
the lookahead from the first step, 4-pixel translation plus a 12x12 cutout (zeros after normalisation) per image
per epoch, 37 epochs. Its epoch costs ~3.7x airbench94's (airbench96's 4.9 PFLOPs over 37 epochs against 0.36
over 9.9); airbench reports 96.0% against 94.0% on the PNG data set.
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import platform
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from explorer.model.loading import native_bf16
from explorer.train.airbench import Teacher, init_whitening
from explorer.train.checkpoint import load_checkpoint, save_atomic
from explorer.train.data import ROOT, VAL_PER_CLASS, data_arguments, load_cifar_tar, normalize, split_train_val

log = logging.getLogger("explorer.train.teacher")

DEFAULT_RESUME_DIR = ROOT / "training-run" / "teacher"
WEIGHTS_NAME, CARD_NAME, RESUME_NAME = "teacher.safetensors", "teacher.json", "last.pt"


@dataclass
class TeacherConfig:
    network: str = "airbench94"
    epochs: float = 9.9
    batch_size: int = 1024
    lr: float = 11.5  # per 1024 examples, decoupled from the momentum
    momentum: float = 0.85
    weight_decay: float = 0.0153  # per 1024 examples, decoupled from the learning rate
    bias_scaler: float = 64.0  # the BatchNorm biases' learning rate is this many times the rest's
    label_smoothing: float = 0.2
    ema_start_epochs: int = 3
    ema_decay_base: float = 0.95
    ema_decay_pow: float = 3.0
    ema_every_n_steps: int = 5
    whiten_bias_epochs: int = 3
    whiten_images: int = 5000
    whiten_eps: float = 5e-4
    translate: int = 2
    cutout: int = 0  # the side of a square zeroed in each training image (0: none)
    lr_peak: float = 0.23  # where the triangular schedule peaks, as a fraction of the run
    lr_end: float = 0.07  # its last factor
    batchnorm_momentum: float = 0.6
    widths: tuple[int, int, int] = (64, 256, 256)
    residual: bool = False  # a third conv in each group and a skip over the last two (airbench96)
    logit_scale: float = 1 / 9
    precision: str = "fp32"
    val_per_class: int = VAL_PER_CLASS
    seed: int = 0


# What airbench96.py changes in airbench94's recipe; the fields left out keep airbench94's values.
NETWORKS: dict[str, dict] = {
    "airbench94": {},
    "airbench96": dict(epochs=37.0, lr=9.0, weight_decay=0.012, widths=(128, 384, 512), residual=True,
                       batchnorm_momentum=0.9, ema_start_epochs=0, lr_peak=0.1, lr_end=0.0, translate=4, cutout=12),
}


def build_teacher(cfg: TeacherConfig) -> Teacher:
    return Teacher(tuple(cfg.widths), cfg.batchnorm_momentum, cfg.logit_scale, residual=cfg.residual)


def read_teacher_card(path: Path) -> dict:
    """The card (teacher.json) beside a teacher's weights, or {} if it has none."""
    card_path = path.with_name(CARD_NAME)
    return json.loads(card_path.read_text()) if card_path.exists() else {}


def load_teacher(path: Path) -> Teacher:
    """The trained teacher from `teacher.safetensors` (its card beside it gives the widths), in eval mode and fp32,
    its parameters frozen: what the Mixer's distillation asks for logits."""
    card = read_teacher_card(path)
    recipe = card["recipe"] if card else {}
    model = build_teacher(TeacherConfig(**{k: v for k, v in recipe.items() if k in TeacherConfig.__dataclass_fields__}))
    model.load_state_dict({k: v.float() for k, v in load_file(path).items()})
    return model.eval().requires_grad_(False)


# ---------------------------------------------------------------------------------------------- recipe


def triangle(step: int, total: int, start: float = 0.2, peak: float = 0.23, end: float = 0.07) -> float:
    """airbench's learning-rate factor: linear from `start` to 1 at `peak` of the run, then linear to `end`."""
    top = int(peak * total)
    if step < top:
        return start + (1 - start) * step / top
    return 1 + (end - 1) * (step - top) / (total - top)


def translate(images: torch.Tensor, shifts: torch.Tensor, pad: int) -> torch.Tensor:
    """Shift each image by its (dy, dx) in [-pad, pad], reflect-padded: (B, 3, H, W) float -> (B, 3, H, W)."""
    B, _, H, W = images.shape
    padded = F.pad(images, (pad,) * 4, mode="reflect")
    rows = (shifts[:, 0, None] + pad + torch.arange(H))[:, :, None]  # (B, H, 1)
    cols = (shifts[:, 1, None] + pad + torch.arange(W))[:, None, :]  # (B, 1, W)
    return padded.permute(0, 2, 3, 1)[torch.arange(B)[:, None, None], rows, cols].permute(0, 3, 1, 2)


def cutout(images: torch.Tensor, corners: torch.Tensor, size: int) -> torch.Tensor:
    """Zero a size x size square at each image's (top, left) corner: (B, 3, H, W) -> (B, 3, H, W)."""
    H, W = images.shape[-2:]
    rows = (torch.arange(H) - corners[:, 0, None]).view(-1, 1, H, 1)
    cols = (torch.arange(W) - corners[:, 1, None]).view(-1, 1, 1, W)
    inside = (rows >= 0) & (rows < size) & (cols >= 0) & (cols < size)
    return images.masked_fill(inside, 0)


@torch.no_grad()
def predict(model: nn.Module, images: torch.Tensor, tta: bool = False, amp: bool = False,
            batch_size: int = 1000) -> torch.Tensor:
    """Logits (N, 10) for uint8 images (N, 3, 32, 32); with `tta`, airbench's mirror + 1-pixel translate
    average (6 views)."""
    model.eval()
    out = []
    for i in range(0, len(images), batch_size):
        x = normalize(images[i : i + batch_size])
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
            if tta:
                mirror = lambda v: 0.5 * model(v).float() + 0.5 * model(v.flip(-1)).float()  # noqa: E731
                padded = F.pad(x, (1,) * 4, mode="reflect")
                shifted = 0.5 * mirror(padded[:, :, :32, :32]) + 0.5 * mirror(padded[:, :, 2:, 2:])
                logits = 0.5 * mirror(x) + 0.5 * shifted
            else:
                logits = model(x).float()
        out.append(logits)
    return torch.cat(out)


def accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    return (logits.argmax(1) == labels).float().mean().item()


# ---------------------------------------------------------------------------------------------- training


def train_teacher(cfg: TeacherConfig, data: Path, cache_dir: Path, resume_dir: Path, limit: int | None = None) -> dict:
    images, labels, classes, _ = load_cifar_tar(data, cache_dir, limit)
    train_idx, val_idx = split_train_val(labels, cfg.val_per_class)
    train_x, train_y, val_x, val_y = images[train_idx], labels[train_idx], images[val_idx], labels[val_idx]
    log.info("teacher data: %d train, %d held-out images", len(train_idx), len(val_idx))
    amp = cfg.precision == "bf16"

    torch.manual_seed(cfg.seed)
    model = build_teacher(cfg).to(memory_format=torch.channels_last)
    run_gen = torch.Generator().manual_seed(cfg.seed + 1)
    whiten_sample = torch.randperm(len(train_x), generator=run_gen)[: cfg.whiten_images]
    init_whitening(model.whiten, normalize(train_x[whiten_sample]), cfg.whiten_eps)
    first_flip = torch.rand(len(train_x), generator=run_gen) < 0.5  # (N,) each image's side before epoch 0

    steps_per_epoch = len(train_x) // cfg.batch_size  # the ragged last batch is dropped
    total_steps = math.ceil(steps_per_epoch * cfg.epochs)
    kilostep_scale = 1024 * (1 + 1 / (1 - cfg.momentum))  # Nesterov's step growth, taken out of the lr
    lr, wd = cfg.lr / kilostep_scale, cfg.weight_decay * cfg.batch_size / kilostep_scale
    lr_bias = lr * cfg.bias_scaler
    norm_biases = [p for n, p in model.named_parameters() if "norm" in n and p.requires_grad]
    others = [p for n, p in model.named_parameters() if "norm" not in n and p.requires_grad]
    groups = [dict(params=norm_biases, lr=lr_bias, weight_decay=wd / lr_bias, base_lr=lr_bias),
              dict(params=others, lr=lr, weight_decay=wd / lr, base_lr=lr)]
    opt = torch.optim.SGD(groups, momentum=cfg.momentum, nesterov=True)

    resume_path = resume_dir / RESUME_NAME
    state = {"epoch": 0, "step_in_epoch": 0, "steps": 0, "wall_time_s": 0.0, "history": []}
    ema = None  # the lookahead's average of the weights, from epoch ema_start_epochs on
    if resume_path.exists():
        ckpt = load_checkpoint(resume_path)
        # A field added to the recipe since the resume point was written keeps its default: the recipe as it was.
        recorded = {**json.loads(json.dumps(asdict(TeacherConfig()))), **ckpt["config"]}
        if recorded != json.loads(json.dumps(asdict(cfg))):
            raise SystemExit(f"{resume_path} was written with another configuration; move it away to start over")
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        state = ckpt["state"]
        # At an epoch's end the weights were copied from the average, so the average is the weights themselves.
        if ckpt["ema"] == "model":
            ema = {k: v.clone() for k, v in model.state_dict().items()}
        elif ckpt["ema"] is not None:
            ema = ckpt["ema"]
        torch.set_rng_state(ckpt["torch_rng"])
        log.info("resuming from %s at epoch %d step %d", resume_path, state["epoch"], state["step_in_epoch"])

    def checkpoint(ema_entry) -> None:
        save_atomic({"config": json.loads(json.dumps(asdict(cfg))), "model": model.state_dict(),
                     "optimizer": opt.state_dict(), "ema": ema_entry, "torch_rng": torch.get_rng_state(),
                     "state": state}, resume_path)

    def ema_update(decay: float) -> None:
        params = model.state_dict()
        for k, average in ema.items():
            if average.is_floating_point():
                average.lerp_(params[k], 1 - decay)
                params[k].copy_(average)  # the lookahead: the weights jump back to their average

    stop = {"signal": None}
    handler = lambda signum, frame: stop.update(signal=signum)  # noqa: E731 - finish the step, then save and exit
    old_handlers = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    log.info("teacher: %d parameters; %s; %d steps/epoch, %d in all", sum(p.numel() for p in model.parameters()),
             "bf16 autocast" if amp else "fp32", steps_per_epoch, total_steps)
    try:
        while state["steps"] < total_steps:
            epoch, t0 = state["epoch"], time.perf_counter()
            model.whiten.bias.requires_grad = epoch < cfg.whiten_bias_epochs
            model.train()
            epoch_gen = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
            order = torch.randperm(len(train_x), generator=epoch_gen)
            shifts = torch.randint(-cfg.translate, cfg.translate + 1, (len(train_x), 2), generator=epoch_gen)
            if cfg.cutout:
                corners = torch.randint(0, train_x.shape[-1] - cfg.cutout + 1, (len(train_x), 2), generator=epoch_gen)
            flip = first_flip ^ bool(epoch % 2)  # (N,) all images change sides every other epoch
            loss_sum, seen = 0.0, 0
            for step in range(state["step_in_epoch"], steps_per_epoch):
                if state["steps"] >= total_steps:
                    break
                batch = order[step * cfg.batch_size : (step + 1) * cfg.batch_size]
                x = normalize(train_x[batch])
                x = torch.where(flip[batch].view(-1, 1, 1, 1), x.flip(-1), x)
                x = translate(x, shifts[batch], cfg.translate)
                if cfg.cutout:
                    x = cutout(x, corners[batch], cfg.cutout)
                x = x.contiguous(memory_format=torch.channels_last)
                for group in opt.param_groups:
                    group["lr"] = group["base_lr"] * triangle(state["steps"], total_steps, peak=cfg.lr_peak,
                                                                   end=cfg.lr_end)
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp):
                    logits = model(x)
                loss = F.cross_entropy(logits.float(), train_y[batch], label_smoothing=cfg.label_smoothing,
                                       reduction="sum")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                state["steps"] += 1
                loss_sum, seen = loss_sum + loss.item() / len(batch), seen + 1
                if epoch >= cfg.ema_start_epochs and state["steps"] % cfg.ema_every_n_steps == 0:
                    if ema is None:
                        ema = {k: v.clone() for k, v in model.state_dict().items()}
                    else:  # averaging grows stronger towards the end: move fast first, settle at the end
                        progress = state["steps"] / total_steps
                        ema_update(cfg.ema_decay_base ** cfg.ema_every_n_steps * progress ** cfg.ema_decay_pow)
                if stop["signal"] is not None:
                    state["step_in_epoch"] = step + 1
                    state["wall_time_s"] += time.perf_counter() - t0
                    checkpoint(ema)
                    log.info("signal %d: saved %s at epoch %d step %d; run again to resume", stop["signal"],
                             resume_path, epoch, step + 1)
                    raise SystemExit(128 + stop["signal"])
            if ema is not None:
                ema_update(1.0)  # the epoch ends on the average
            train_s = time.perf_counter() - t0
            val_acc = accuracy(predict(model, val_x, amp=amp), val_y)
            state["wall_time_s"] += time.perf_counter() - t0
            state["epoch"], state["step_in_epoch"] = epoch + 1, 0
            state["history"].append({"epoch": epoch + 1, "train_loss": round(loss_sum / max(seen, 1), 4),
                                     "val_acc": val_acc, "train_s": round(train_s, 1),
                                     "wall_time_s": round(state["wall_time_s"], 1)})
            checkpoint("model" if ema is not None else None)
            log.info("teacher epoch %d/%d  loss %.4f  val acc %.4f  (%.0fs training + %.0fs measuring, %.0fs total)",
                     epoch + 1, math.ceil(cfg.epochs), loss_sum / max(seen, 1), val_acc, train_s,
                     time.perf_counter() - t0 - train_s, state["wall_time_s"])
    finally:
        for s, h in old_handlers.items():
            signal.signal(s, h)
    return write_teacher(model, cfg, state, classes, val_x, val_y, resume_dir)


def write_teacher(model: Teacher, cfg: TeacherConfig, state: dict, classes: list[str], val_x: torch.Tensor,
                  val_y: torch.Tensor, out_dir: Path) -> dict:
    """The teacher's weights (fp16 convs and head, fp32 BatchNorm) and card; the accuracy is measured on the
    weights as saved, in fp32: the teacher the Mixer learns from."""
    weights = {k: (v.half() if v.is_floating_point() and "norm" not in k else v).contiguous()
               for k, v in model.state_dict().items()}
    tmp = out_dir / (WEIGHTS_NAME + ".tmp")
    save_file(weights, str(tmp), metadata={"format": "pt"})
    tmp.replace(out_dir / WEIGHTS_NAME)
    saved = build_teacher(cfg)
    saved.load_state_dict({k: v.float() for k, v in load_file(out_dir / WEIGHTS_NAME).items()})
    t0 = time.perf_counter()
    plain, tta = accuracy(predict(saved, val_x), val_y), accuracy(predict(saved, val_x, tta=True), val_y)
    card = {
        "network": f"{cfg.network} (github.com/KellerJordan/cifar10-airbench, {cfg.network}.py, MIT), "
                   "re-written for the CPU",
        "parameters": sum(p.numel() for p in model.parameters()),
        "class_names": classes,
        "dataset": f"CIFAR-10 training split (JPEG) less a stratified {cfg.val_per_class} images per class held out",
        "recipe": asdict(cfg),
        "epochs": cfg.epochs,
        "steps": state["steps"],
        "wall_time_s": round(state["wall_time_s"], 1),
        "hardware": f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads",
        "torch": torch.__version__,
        "val_accuracy": round(plain, 4),
        "val_accuracy_tta": round(tta, 4),
        "val_images": len(val_y),
        "history": state["history"],
    }
    tmp = out_dir / (CARD_NAME + ".tmp")
    tmp.write_text(json.dumps(card, indent=2) + "\n")
    tmp.replace(out_dir / CARD_NAME)
    log.info("teacher done: held-out accuracy %.4f (with TTA %.4f; %.0fs to measure); wrote %s", plain, tta,
             time.perf_counter() - t0, out_dir)
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data_arguments(parser)
    parser.add_argument("--resume-dir", type=Path, default=DEFAULT_RESUME_DIR,
                        help="where the resume point, the weights and the card go")
    parser.add_argument("--network", choices=tuple(NETWORKS), default=TeacherConfig.network,
                        help="airbench94's net and recipe, or airbench96's wider, deeper one (~3.7x the CPU an epoch)")
    parser.add_argument("--epochs", type=float, help="default: the network's recipe (9.9 and 37)")
    parser.add_argument("--batch-size", type=int, default=TeacherConfig.batch_size)
    parser.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="fp32",
                        help="bf16 autocast (auto: where the CPU has it natively)")
    parser.add_argument("--seed", type=int, default=TeacherConfig.seed,
                        help="another seed trains another teacher of the same recipe (for an ensemble)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    precision = args.precision
    if precision == "auto":
        precision = "bf16" if native_bf16(torch.device("cpu")) else "fp32"
    recipe = dict(NETWORKS[args.network], network=args.network)
    if args.epochs is not None:
        recipe["epochs"] = args.epochs
    cfg = TeacherConfig(**recipe, batch_size=args.batch_size, precision=precision, seed=args.seed)
    args.resume_dir.mkdir(parents=True, exist_ok=True)
    train_teacher(cfg, args.data, args.cache, args.resume_dir, args.limit)


if __name__ == "__main__":
    main()
