"""`python -m explorer shift`: one image, or a folder of class subfolders, under the ImageNet-C corruptions.

    python -m explorer shift PATH [--model NAME] [--weights pretrained|random] [--checkpoint FILE]
                                  [--corruptions a,b,…] [--severities 1,…,5] [--seed S] [--per-class N] [--json]
                                  [--batch-size N] [--engine local|ray] [--address auto|HOST:PORT|ray://HOST:PORT]
                                  [--workers N] [--gpus-per-worker G]

PATH an image: the model's answer on each corrupted picture (explorer.analysis.shift.ShiftGrid.as_dict);
a folder: the accuracy per corruption and severity (ShiftCounts.as_dict), `--per-class N` taking the first N
images of each class by file name, files that cannot be read skipped (a warning each) and out of the count; with
`--engine ray` a folder runs on Ray Data (explorer.shift_ray), with the same accuracies. Errors are one line on
stderr (and one JSON object with --json), exit 1.
"""
from __future__ import annotations

import argparse
import functools
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from explorer.analysis.corruptions import CORRUPTIONS, SEVERITIES, check_corruptions, check_severities
from explorer.engine import engine_arguments
from explorer.errors import ExplorerError
from explorer.progress import progress_bar

if TYPE_CHECKING:
    from explorer.analysis.shift import ShiftCounts
    from explorer.model.loading import LoadedModel

log = logging.getLogger("explorer")


def listed(text: str, what: str) -> list[str]:
    """"a,b, c" -> ["a", "b", "c"]."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        raise ExplorerError(f"--{what} is empty")
    return items


def severities_from(text: str) -> tuple[int, ...]:
    try:
        return check_severities(tuple(int(s) for s in listed(text, "severities")))
    except ValueError:
        raise ExplorerError(f"--severities takes whole numbers 1 to 5 separated by commas; got {text!r}") from None


def grid_text(result: dict, grid) -> str:
    """The image's table for a terminal: per corruption and severity, ✓ when the clean top-1 holds (with its
    probability), else ✗ and the new top-1."""
    clean = result["clean"]
    lines = [f"{result['model']} on {result['image']}: clean top-1 {clean['label']} ({clean['probability']:.1%}); "
             f"{grid.parameter_set} parameters, seed {grid.seed}",
             "✓: the clean top-1 holds (its probability); ✗: the new top-1 (its probability)", ""]
    cells = {name: [f"✓ {c['probability']:.0%}" if c["same_top1"] else f"✗ {c['label'][:12]} {c['probability']:.0%}"
                    for c in row] for name, row in result["corruptions"].items()}
    width = max(9, *(len(c) for row in cells.values() for c in row))
    lines.append(f"{'corruption':<18}" + "".join(f"{'severity ' + str(s):<{width + 2}}" for s in grid.severities))
    lines += [f"{name:<18}" + "".join(f"{c:<{width + 2}}" for c in row) for name, row in cells.items()]
    return "\n".join(lines)


def folder_text(result: dict, severities: tuple[int, ...]) -> str:
    lines = [f"{result['model']} on {result['images']} images: clean accuracy {result['clean']:.1%}, "
             f"mean under corruption {result['mean']:.1%}", "",
             f"{'corruption':<18}" + "".join(f"{'severity ' + str(s):>12}" for s in severities)]
    lines += [f"{name:<18}" + "".join(f"{a:>12.1%}" for a in row) for name, row in result["corruptions"].items()]
    return "\n".join(lines)


def cmd_shift(args: argparse.Namespace, open_model: Callable[[argparse.Namespace], LoadedModel]) -> int:
    """Run `shift`; `open_model(args)`: the model the arguments ask for (explorer.cli's, shared by every command)."""
    from explorer.analysis.analysis import Analysis
    from explorer.analysis.shift import shift_view

    try:
        corruptions = check_corruptions(tuple(listed(args.corruptions, "corruptions")))
        severities = severities_from(args.severities)
        if args.per_class is not None and args.per_class < 1:
            raise ExplorerError("--per-class must be at least 1")
        path = Path(args.path)
        if not path.exists():
            raise ExplorerError(f"{args.path}: no such file or folder")
        if path.is_dir():
            loaded, counts = folder_counts(args, open_model, path, corruptions, severities)
            result = counts.as_dict(loaded.name)
            text = folder_text(result, severities)
        elif args.engine == "ray":
            raise ExplorerError("--engine ray runs a folder of class subfolders; run one image without it")
        else:
            analysis = Analysis(open_model(args), path)
            with progress_bar("corrupting", "picture", disable=None) as progress:
                grid = shift_view(analysis, corruptions, severities, args.seed, progress)
            result = grid.as_dict(args.path)
            text = grid_text(result, grid)
    except ExplorerError as exc:
        if args.json:
            print(json.dumps({"error": str(exc)}))
        log.error("%s", exc)
        return 1
    print(json.dumps(result) if args.json else text)
    return 0


def folder_counts(args: argparse.Namespace, open_model: Callable[[argparse.Namespace], LoadedModel], folder: Path,
                  corruptions: tuple[str, ...], severities: tuple[int, ...]) -> tuple[LoadedModel, ShiftCounts]:
    """The model and its counts over a folder: here, or on Ray with --engine ray (the same batches, the same
    accuracies)."""
    from explorer.analysis.shift import shift_folder
    from explorer.engine import engine_options, ray_session

    options = engine_options(args)  # --batch-size and the engine's flags checked before anything starts
    if args.engine == "local":
        loaded = open_model(args)
        with progress_bar("corrupting", "img", disable=None) as progress:
            return loaded, shift_folder(loaded, folder, corruptions, severities, args.seed, args.per_class,
                                        args.batch_size, progress)
    from explorer.shift_ray import shift_on_ray

    with ray_session(options):
        loaded = open_model(args)
        with progress_bar("corrupting", "img", disable=None) as progress:
            return loaded, shift_on_ray(loaded, folder, options, corruptions, severities, args.seed, args.per_class,
                                        progress)


def add_shift_parser(sub: argparse._SubParsersAction, model_arguments: Callable[[argparse.ArgumentParser], None],
                     open_model: Callable[[argparse.Namespace], LoadedModel]) -> None:
    """The `shift` subcommand, with the model arguments and the model loading every command shares."""
    shift = sub.add_parser("shift", help="an image or a folder under the ImageNet-C / CIFAR-10-C corruptions")
    shift.add_argument("path", metavar="PATH", help="an image, or a folder of class subfolders (as `probe` reads)")
    model_arguments(shift)
    shift.add_argument("--corruptions", default=",".join(CORRUPTIONS), metavar="a,b,…",
                       help="which corruptions (default: all 15)")
    shift.add_argument("--severities", default=",".join(map(str, SEVERITIES)), metavar="1,…,5",
                       help="which severities (default: 1 to 5)")
    shift.add_argument("--seed", type=int, default=0, metavar="S", help="the corruptions' random numbers")
    shift.add_argument("--per-class", type=int, default=None, metavar="N",
                       help="a folder: only the first N images of each class by file name (default: all)")
    shift.add_argument("--json", action="store_true", help="one JSON object")
    shift.add_argument("--batch-size", type=int, default=64, metavar="N",
                       help="a folder: images corrupted and classified together (a batch on a Ray worker)")
    engine_arguments(shift)
    shift.set_defaults(run=functools.partial(cmd_shift, open_model=open_model))
