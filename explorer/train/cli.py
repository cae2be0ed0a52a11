"""Train the embedded default Mixer on CIFAR-10.

    python -m explorer.train                       # train (or resume) and write assets/embedded.*
    python -m explorer.train --epochs 2 --limit 2000 --out /tmp/x   # a quick smoke run
    python -m explorer.train --architecture reference --teacher training-run/teacher/teacher.safetensors \\
        --epochs 30 --resume training-run/pilot-kd  # the distillation pilot; the same command resumes it

The training split is decoded once into one uint8 tensor (cached under `.cache/`), augmented on the device
(random crop with reflect padding, horizontal flip, AutoAugment's CIFAR-10 policy drawn per image, CutMix) and
fed to a timm `MlpMixer` with AdamW, warm-up and cosine decay, label smoothing and bf16 autocast where the
hardware has it. A stratified 10% of the split is held out for validation and never trained on.

With `--teacher FILE` (a teacher.safetensors from `python -m explorer.train.teacher`) the loss also learns from
the teacher's logits on each augmented batch: soft targets at a temperature (`--distill soft`, Hinton) or the
teacher's top class (`--distill hard`, DeiT). `--architecture reference` has the embedded model's widths (D_S 64,
D_C 512, 7 blocks, 991,626 parameters) under the name the distilled 300-epoch run started with; a run under any
name but `embedded` writes its model to RESUME/model (or .cache/train/model), never to assets/, unless `--out`
says otherwise, so that a model ships only when someone copies it there.

The run checkpoints atomically every `--save-every` epochs and on SIGTERM/SIGINT (mid-epoch, with the step it
stopped at), into `--resume DIR` (default `.cache/train/`), and picks up where it left off when started again with
the same arguments, exactly as an uninterrupted run would have gone on. Started again with more `--epochs`, a
finished (or unfinished) run is extended: the cosine schedule is stretched to the new length, so the learning
rate rises once to where the longer schedule would be and decays from there (a warm restart). An extension
may also change `--augment`; the model card records both.

A checkpoint under `.cache/` is not in a fresh clone; one under `--resume training-run/...` can be committed.
`--snapshot` (with the run's own arguments) writes the model as it stands at the resume point, with its card and
timeline, to `--out` without training: a run of many sessions can ship before it ends.
`--continue-from assets` rebuilds the finished run from what it shipped (weights, model card with its history,
timeline) and extends it as above, with a fresh optimizer: e.g. `python -m explorer.train --continue-from assets
--epochs 400`.
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

import torch

from explorer.model import embedded
from explorer.train.config import ARCHITECTURES, AUGMENTATIONS, DISTILLATIONS, TrainConfig
from explorer.train.data import data_arguments, export_validation
from explorer.train.distill import teacher_digest
from explorer.train.loop import snapshot, train


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    data_arguments(parser)
    parser.add_argument("--out", type=Path, default=None,
                        help="where the weights and model card go (default: assets/ for the embedded architecture)")
    parser.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    parser.add_argument("--batch-size", type=int, default=TrainConfig.batch_size)
    parser.add_argument("--lr", type=float, default=TrainConfig.lr, help="peak learning rate, after the warm-up")
    parser.add_argument("--augment", choices=sorted(AUGMENTATIONS), default=TrainConfig.augment,
                        help="augmentation before CutMix")
    parser.add_argument("--architecture", choices=sorted(ARCHITECTURES), default=TrainConfig.architecture)
    parser.add_argument("--teacher", type=Path, nargs="+", default=[],
                        help="distil from this teacher.safetensors (several: the mean of their logits)")
    parser.add_argument("--teacher-mirror", action="store_true",
                        help="each teacher's logits also on the mirrored batch, averaged (its test-time augmentation)")
    parser.add_argument("--distill", choices=sorted(DISTILLATIONS), default=TrainConfig.distill)
    parser.add_argument("--kd-temperature", type=float, default=TrainConfig.kd_temperature)
    parser.add_argument("--kd-alpha", type=float, default=TrainConfig.kd_alpha,
                        help="the soft targets' share of the loss")
    parser.add_argument("--resume", type=Path, default=None,
                        help="the run's folder: its checkpoint is saved there and resumed from there")
    parser.add_argument("--save-every", type=int, default=1, help="checkpoint after every this many epochs")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--continue-from", type=Path, default=None,
                        help="extend the finished run whose weights, card and timeline are in this folder "
                        "(e.g. assets), where its checkpoint is gone")
    parser.add_argument("--export-val", type=Path, default=None,
                        help="also write the held-out validation JPEGs to this folder")
    parser.add_argument("--change-teacher", action="store_true",
                        help="resume the run with this --teacher in place of the one it was started with (the card "
                        "records where)")
    parser.add_argument("--snapshot", action="store_true",
                        help="write the run's model as it stands at its resume point to --out, without training")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    cfg = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, augment=args.augment,
                      architecture=args.architecture)
    if args.teacher:  # without a teacher these stay at their defaults: they do not make another run
        cfg.distill, cfg.kd_temperature, cfg.kd_alpha = args.distill, args.kd_temperature, args.kd_alpha
        cfg.teacher = teacher_digest(args.teacher, args.teacher_mirror)
    cfg.timeline_epochs = sorted({e for e in cfg.timeline_epochs if e <= cfg.epochs} | {cfg.epochs})
    if args.export_val:
        export_validation(args.data, args.cache, args.export_val, cfg.val_per_class)
        return
    out = args.out
    if out is None:
        out = embedded.ASSETS if args.architecture == "embedded" else (args.resume or args.cache / "train") / "model"
    if args.snapshot:
        snapshot(cfg, args.data, args.cache, out, args.resume, args.teacher, args.teacher_mirror)
        return
    train(cfg, args.data, args.cache, out, torch.device(args.device), args.limit, args.continue_from, args.resume,
          args.teacher, args.save_every, args.change_teacher, args.teacher_mirror)
