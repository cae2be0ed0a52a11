"""Command line: `python -m explorer models|predict|explain|serve`.

    python -m explorer models [--json]
    python -m explorer predict PATH [PATH ...] [--model NAME] [--weights pretrained|random] [--checkpoint FILE]
                               [--top-k K] [--device D] [--json] [--batch-size N] [ENGINE]
    python -m explorer explain IMAGE [--model NAME] [--weights pretrained|random] [--checkpoint FILE] --out DIR
    python -m explorer index DIR [--model NAME] [--weights pretrained|random] [--checkpoint FILE] --out FILE
                             [--batch-size N] [ENGINE] [--shard-size N]
    python -m explorer unit [--model NAME] [--weights ...] [--checkpoint FILE] --block B
                            (--channel K | --kind token --unit N)
                            [--images DIR | --index FILE] [--top-k N] [--steps S] [--seed S] --out DIR
    python -m explorer probe --model NAME [--weights pretrained|random] [--checkpoint FILE] --train DIR --test DIR
                             [--shots K] [--json]
    python -m explorer shift PATH [--model NAME] [--weights pretrained|random] [--checkpoint FILE]
                             [--corruptions a,b,…] [--severities 1,…,5] [--seed S] [--per-class N] [--json]
                             [--batch-size N] [ENGINE]
    python -m explorer serve [--model NAME] [--host H] [--port P] [--no-mcp]

ENGINE: [--engine local|ray] [--address auto|HOST:PORT|ray://HOST:PORT] [--workers N] [--gpus-per-worker G]:
`--engine ray` runs on Ray Data (explorer.engine), on this machine's cores or a cluster, with the same answers.

With --json, `predict` writes exactly one JSON object per image per line on stdout; everything else (logs,
warnings, fallbacks) goes to stderr.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path
from typing import Iterator

from PIL import Image

from explorer.model.catalogue import catalogue, format_table
from explorer.errors import ExplorerError
from explorer.engine import engine_arguments
from explorer.images import image_paths, load_image
from explorer.model.inference import probabilities, to_batch, top_predictions
from explorer.model.loading import PRECISIONS, WEIGHTS_CHOICES, LoadedModel, load_model
from explorer.progress import progress_bar
from explorer.shift_cli import add_shift_parser

PRECISION_HELP = ("what predictions compute in (default: EXPLORER_PRECISION or fp32): bf16 on CPUs with AVX512-BF16/"
                  "AMX or GPUs, fp16 on GPUs")

log = logging.getLogger("explorer")


def predict_files(loaded: LoadedModel, paths: Iterator[Path], top_k: int, batch_size: int) -> Iterator[dict]:
    """One result dict per path, in order: {"path", "model", "top_k"} or {"path", "error"}."""

    def flush(batch: list[tuple[int, Path, Image.Image]], results: dict[int, dict]) -> None:
        if batch:
            probs = probabilities(loaded, to_batch(loaded, [img for _, _, img in batch]))
            for (i, path, _), row in zip(batch, probs):
                results[i] = {"path": str(path), "model": loaded.name,
                              "top_k": [p.as_dict() for p in top_predictions(row, loaded.class_names, top_k)]}

    pending: list[tuple[int, Path, Image.Image]] = []
    results: dict[int, dict] = {}
    next_out = 0
    for i, path in enumerate(paths):
        try:
            pending.append((i, path, load_image(path)))
        except ExplorerError as exc:
            results[i] = {"path": str(path), "error": str(exc)}
        except OSError as exc:
            results[i] = {"path": str(path), "error": f"{path.name} could not be read ({exc.strerror or exc})"}
        if len(pending) >= batch_size:
            flush(pending, results)
            pending = []
        while next_out in results:
            yield results.pop(next_out)
            next_out += 1
    flush(pending, results)
    while next_out in results:
        yield results.pop(next_out)
        next_out += 1


def cmd_models(args: argparse.Namespace) -> int:
    entries = catalogue()
    print(json.dumps([e.as_dict() for e in entries], indent=2) if args.json else format_table(entries))
    return 0


def open_model(args: argparse.Namespace) -> LoadedModel:
    """The model the arguments ask for; a fallback to the embedded default is said out loud. With --engine ray it
    is loaded on this machine's CPU, to be shipped to the workers, which choose their own device and precision."""
    on_ray = getattr(args, "engine", "local") == "ray"
    loaded = load_model(args.model, args.weights, args.checkpoint, "cpu" if on_ray else args.device,
                        precision=None if on_ray else getattr(args, "precision", None))
    if loaded.fallback_reason:
        log.warning("%s", loaded.status())
    log.info("model: %s", loaded.status())
    return loaded


def cmd_predict(args: argparse.Namespace) -> int:
    if args.engine == "ray":
        from explorer.engine import engine_options, ray_session

        try:
            options = engine_options(args)
            with ray_session(options):
                return print_predictions(args, open_model(args), options)
        except ExplorerError as exc:
            if args.json:
                print(json.dumps({"error": str(exc)}))
            log.error("%s", exc)
            return 2
    try:
        loaded = open_model(args)
    except ExplorerError as exc:
        if args.json:
            print(json.dumps({"error": str(exc)}))
        log.error("%s", exc)
        return 2
    return print_predictions(args, loaded)


def print_predictions(args: argparse.Namespace, loaded: LoadedModel, options=None) -> int:
    """Classify the paths (here, or on Ray with `options`) and print a line per image, in the order given."""
    failed = 0
    paths = image_paths(args.paths)
    if options is not None:
        from explorer.engine import predict_on_ray

        results = predict_on_ray(loaded, list(paths), args.top_k, options)
    else:
        if sys.stderr.isatty():  # a progress bar for people at a terminal; plain logs for pipes and CI
            from tqdm import tqdm

            paths = tqdm(paths, unit="img", desc="classifying", file=sys.stderr)
        results = predict_files(loaded, paths, args.top_k, args.batch_size)
    for result in results:
        failed += "error" in result
        if args.json:
            print(json.dumps(result), flush=False)
        elif "error" in result:
            print(f"{result['path']}: error: {result['error']}")
        else:
            best = ", ".join(f"{p['label']} {p['probability']:.1%}" for p in result["top_k"])
            print(f"{result['path']}: {best}")
    sys.stdout.flush()
    if failed:
        log.error("%d file(s) could not be classified", failed)
    return 1 if failed else 0


def cmd_explain(args: argparse.Namespace) -> int:
    from explorer.analysis.analysis import Analysis
    from explorer.export import save_explanation

    try:
        loaded = open_model(args)
        analysis = Analysis(loaded, args.image, with_gradients=True)  # its saliency reuses the forward pass
        files = save_explanation(analysis, args.out, class_index=args.class_index, top_k=args.top_k)
    except ExplorerError as exc:
        print(json.dumps({"path": args.image, "error": str(exc)}))
        log.error("%s", exc)
        return 1
    log.info("wrote %d files to %s", len(files), args.out)
    print(json.dumps({"path": args.image, "out": str(args.out), "model": loaded.name,
                      "top_k": [p.as_dict() for p in analysis.top_k(args.top_k)]}))
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from explorer.units.index import index_folder, save_index

    if args.engine == "ray":
        from explorer.atlas import build_atlas
        from explorer.engine import engine_options, ray_session

        try:
            options = engine_options(args)
            with ray_session(options):
                loaded = open_model(args)
                with progress_bar("indexing", "img") as progress:
                    index = build_atlas(loaded, args.folder, args.out, args.top_k, options, args.shard_size,
                                        progress)
        except ExplorerError as exc:
            log.error("%s", exc)
            return 1
        log.info("indexed %d images of %s for %s on Ray: %s", index.count, args.folder, loaded.name, args.out)
        return 0
    try:
        loaded = open_model(args)
        with progress_bar("indexing", "img") as progress:
            index = index_folder(loaded, args.folder, args.top_k, args.batch_size, progress)
        save_index(index, args.out)
    except ExplorerError as exc:
        log.error("%s", exc)
        return 1
    log.info("indexed %d images of %s for %s: %s", index.count, args.folder, loaded.name, args.out)
    return 0


def cmd_unit(args: argparse.Namespace) -> int:
    from explorer.units.address import Unit
    from explorer.units.report import write_unit

    index, other = (args.channel, args.unit) if args.kind == "channel" else (args.unit, args.channel)
    if index is None or other is not None:
        build_parser().error("name the unit: --channel K (kind channel), or --kind token --unit N")
    try:
        if args.images and not Path(args.images).is_dir():
            raise ExplorerError(f"--images {args.images}: no such folder")
        loaded = open_model(args)
        reference = args.images or args.index  # None: the default set (the embedded model's shipped index)
        with progress_bar("feature visualisation", "step", args.steps, disable=None) as progress:
            report = write_unit(loaded, Unit(args.block, args.kind, index), args.out, reference, args.top_k, args.steps,
                                args.seed, progress)
    except ExplorerError as exc:
        print(json.dumps({"error": str(exc)}))
        log.error("%s", exc)
        return 1
    print(json.dumps({"out": str(args.out), "model": loaded.name, "block": args.block, "kind": args.kind,
                      "index": index, "activation_end": report["feature"]["activation_end"]}))
    return 0


def class_folders(root: str, shots: int | None) -> dict[str, list[Image.Image]]:
    """{class name: its images, decoded}: one folder per class under `root`, the first `shots` files of each by
    file name (all by default). Raises ExplorerError naming what is wrong: a missing folder, fewer than two
    classes, an empty class, an unreadable image."""
    folder = Path(root)
    if not folder.is_dir():
        raise ExplorerError(f"{root}: no such folder")
    classes = sorted(p for p in folder.iterdir() if p.is_dir())
    if len(classes) < 2:
        raise ExplorerError(f"{root} holds {len(classes)} class folder(s); a probe needs at least two, one per class")
    images = {}
    for cls in classes:
        paths = list(image_paths([str(cls)]))[:shots]
        if not paths:
            raise ExplorerError(f"{cls}: the class folder holds no images")
        try:
            images[cls.name] = [load_image(path) for path in paths]
        except OSError as exc:
            raise ExplorerError(f"{cls.name}: an image could not be read ({exc.strerror or exc})") from None
    return images


def cmd_probe(args: argparse.Namespace) -> int:
    from explorer.analysis.probe import evaluate_probe

    try:
        if args.shots is not None and args.shots < 1:
            raise ExplorerError("--shots must be at least 1")
        train, test = class_folders(args.train, args.shots), class_folders(args.test, None)
        if sorted(train) != sorted(test):
            raise ExplorerError(f"--train and --test name different classes ({', '.join(sorted(train))} vs "
                                f"{', '.join(sorted(test))})")
        loaded = open_model(args)
        report = evaluate_probe(loaded, train, test)
    except ExplorerError as exc:
        log.error("%s", exc)
        return 1
    result = {"model": loaded.name, "weights": loaded.weights, "classes": report.classes, "shots": report.shots,
              "train_images": sum(report.shots), "test_images": report.test_images, "accuracy": report.accuracy,
              "per_class": report.per_class, "confusion": report.confusion, "regularisation": report.regularisation}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{loaded.name}: {report.accuracy:.1%} of {report.test_images} test images "
              f"({len(report.classes)} classes, {sum(report.shots)} training images, leave-one-out "
              f"{report.loo_accuracy:.1%}, ridge {report.regularisation:.3g})")
        for name, accuracy in report.per_class.items():
            print(f"  {name}: {accuracy:.1%}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from explorer.app.server import launch  # Gradio only on this path
    from explorer.app.wiring import build_app

    launch(build_app(default_model=args.model), host=args.host, port=args.port, mcp=False if args.no_mcp else None)
    return 0


def model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model, --weights, --checkpoint, --device: which model a command runs, the same for every command."""
    parser.add_argument("--model", default=None,
                        help="timm Mixer-family name or 'embedded' (default: the best that runs here)")
    parser.add_argument("--weights", choices=WEIGHTS_CHOICES, default="pretrained")
    parser.add_argument("--checkpoint", default=None, metavar="FILE")
    parser.add_argument("--device", default=None)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mixer-explorer",
                                     description="MLP-Mixer Explorer: classify images with MLP-Mixer models and "
                                                 "look inside them.")
    sub = parser.add_subparsers(dest="command")

    models = sub.add_parser("models", help="list the models the explorer can run")
    models.add_argument("--json", action="store_true", help="a JSON list of objects instead of a table")
    models.set_defaults(run=cmd_models)

    predict = sub.add_parser("predict", help="classify image files or folders")
    predict.add_argument("paths", nargs="+", metavar="PATH", help="image files, or folders walked recursively")
    predict.add_argument("--model", default=None,
                         help="timm Mixer name or 'embedded' (default: the best that runs here)")
    predict.add_argument("--weights", choices=WEIGHTS_CHOICES, default="pretrained")
    predict.add_argument("--checkpoint", default=None, metavar="FILE",
                         help="safetensors or torch state dict for --model's architecture")
    predict.add_argument("--top-k", type=int, default=5, metavar="K")
    predict.add_argument("--device", default=None, help="cpu, cuda, cuda:N (default: CUDA if present)")
    predict.add_argument("--batch-size", type=int, default=256)
    predict.add_argument("--precision", choices=PRECISIONS, default=os.environ.get("EXPLORER_PRECISION"),
                         help=PRECISION_HELP)
    predict.add_argument("--json", action="store_true", help="one JSON object per image per line")
    engine_arguments(predict)
    predict.set_defaults(run=cmd_predict)

    explain = sub.add_parser("explain", help="every view of one image: PNGs, arrays.npz, model.npz, summary.json")
    explain.add_argument("image", metavar="IMAGE")
    model_arguments(explain)
    explain.add_argument("--class-index", type=int, default=None,
                         help="class for evidence and saliency (default: the top-1)")
    explain.add_argument("--top-k", type=int, default=5, metavar="K")
    explain.add_argument("--out", required=True, type=Path, metavar="DIR")
    explain.set_defaults(run=cmd_explain)

    index = sub.add_parser("index", help="index a folder of images: every unit's top images (for `unit` and the app)")
    index.add_argument("folder", metavar="DIR", help="a folder of images, walked recursively")
    model_arguments(index)
    index.add_argument("--top-k", type=int, default=16, metavar="K", help="images kept per unit")
    index.add_argument("--batch-size", type=int, default=64)
    index.add_argument("--out", required=True, type=Path, metavar="FILE", help="the index (.safetensors)")
    engine_arguments(index)
    index.add_argument("--shard-size", type=int, default=None, metavar="N",
                       help="with --engine ray: images per shard written beside --out, from which a stopped run "
                            "resumes (default 4096)")
    index.set_defaults(run=cmd_index)

    unit = sub.add_parser("unit", help="one unit's top images and feature visualisation: unit.json and feature.png")
    model_arguments(unit)
    unit.add_argument("--block", type=int, required=True, metavar="B")
    unit.add_argument("--kind", choices=("channel", "token"), default="channel",
                      help="a channel of the block's output, or a token-mixing unit")
    unit.add_argument("--channel", type=int, default=None, metavar="K")
    unit.add_argument("--unit", type=int, default=None, metavar="N", help="the token-mixing unit (with --kind token)")
    reference = unit.add_mutually_exclusive_group()
    reference.add_argument("--images", default=None, metavar="DIR",
                           help="the reference set: a folder of images (indexed now)")
    reference.add_argument("--index", default=None, metavar="FILE",
                           help="the reference set: an index from `index` (default: the embedded model's shipped "
                                "held-out set, else the example images)")
    unit.add_argument("--top-k", type=int, default=9, metavar="N")
    unit.add_argument("--steps", type=int, default=256, metavar="S", help="feature visualisation steps")
    unit.add_argument("--seed", type=int, default=0, metavar="S")
    unit.add_argument("--out", required=True, type=Path, metavar="DIR")
    unit.set_defaults(run=cmd_unit)

    probe = sub.add_parser("probe", help="the paper's few-shot linear probe: ridge regression on frozen features")
    model_arguments(probe)
    probe.add_argument("--train", required=True, metavar="DIR", help="one folder per class, named as the class")
    probe.add_argument("--test", required=True, metavar="DIR", help="the same class folders, images to score")
    probe.add_argument("--shots", type=int, default=None, metavar="K",
                       help="the first K images of each class (default: all)")
    probe.add_argument("--json", action="store_true", help="one JSON object")
    probe.set_defaults(run=cmd_probe)

    add_shift_parser(sub, model_arguments, open_model)

    serve = sub.add_parser("serve", help="start the web app")
    serve.add_argument("--model", default=None, help="the model selected when the page opens")
    serve.add_argument("--host", default=None, help="default: GRADIO_SERVER_NAME or 127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: GRADIO_SERVER_PORT or 7860")
    serve.add_argument("--no-mcp", action="store_true",
                       help="no MCP server at /gradio_api/mcp/ (default: on unless EXPLORER_MCP=0)")
    serve.set_defaults(run=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    args = build_parser().parse_args(argv)
    if args.command is None:  # `mixer-explorer` alone serves the app
        args = build_parser().parse_args(["serve"])
    if getattr(args, "top_k", 1) < 1:
        build_parser().error("--top-k must be at least 1")
    return args.run(args)
