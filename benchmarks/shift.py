"""The corruption lab beside the bare forward passes it cannot avoid: `python benchmarks/shift.py` prints a table.

Rows, measured in one run, repeats interleaved (absolute times on a shared machine drift; a ratio of neighbours
does not):
- mixer_b16_224 (random weights), the chelsea-cat example: the shift grid (75 corrupted pictures: corrupting them,
  normalising, the batched forward passes, reading the answers off) against the bare batched forward passes of the
  same 75 pictures, already corrupted and normalised. Goal: at most 1.5x.
- the embedded model: the view, cold (a new analysis of the image, then the grid) and the grid alone; goal under
  3 s. And the grid's two pictures for the page (the severity chart, the grid figure), for information.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from explorer import load_model  # noqa: E402
from explorer.analysis.analysis import Analysis  # noqa: E402
from explorer.analysis.corruptions import CORRUPTIONS, SEVERITIES, corrupt  # noqa: E402
from explorer.analysis.shift import analysis_picture, model_inputs, shift_grid, shift_view  # noqa: E402
from explorer.model.loading import device_name  # noqa: E402
from explorer.render.mpl.output import figure_bytes  # noqa: E402
from explorer.render.mpl.shift import shift_grid_figure  # noqa: E402
from explorer.render.plotly.shift import severity_plot  # noqa: E402

EXAMPLES = ROOT / "assets" / "examples"


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(fns: dict, repeats: int) -> dict[str, float]:
    """The median seconds of each function, run in turn `repeats` times after one warm-up round."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for round_ in range(repeats + 1):
        for name, fn in fns.items():
            seconds = timed(fn)
            if round_:
                times[name].append(seconds)
    return {name: statistics.median(values) for name, values in times.items()}


def b16_rows(repeats: int) -> list[tuple[str, float, str]]:
    loaded = load_model("mixer_b16_224", "random", fallback=False)
    analysis = Analysis(loaded, EXAMPLES / "chelsea-cat.jpg")
    picture, clean = analysis_picture(analysis), analysis.probabilities.numpy()
    pictures = [corrupt(picture, name, s) for name in CORRUPTIONS for s in SEVERITIES]
    inputs = model_inputs(loaded, np.stack(pictures))  # (75, 3, 224, 224)

    @torch.inference_mode()
    def bare() -> None:
        loaded.model(inputs).softmax(-1).cpu()  # the same single pass of 75 the grid makes

    times = interleaved({"grid": lambda: shift_grid(loaded, picture, clean), "bare": bare}, repeats)
    ratio = times["grid"] / times["bare"]
    return [("mixer_b16_224 shift grid, 75 pictures", times["grid"], f"{ratio:.2f}x bare (goal ≤ 1.5x): "
             f"{'met' if ratio <= 1.5 else 'NOT met'}"),
            ("mixer_b16_224 bare batched forward, the same 75", times["bare"], "reference")]


def embedded_rows(repeats: int) -> list[tuple[str, float, str]]:
    loaded = load_model("embedded")
    horse = EXAMPLES / "cifar10-horse.jpg"
    analysis = Analysis(loaded, horse)
    picture, clean = analysis_picture(analysis), analysis.probabilities.numpy()
    grid = shift_view(analysis)

    def cold() -> None:
        shift_view(Analysis(loaded, horse))  # a new analysis keeps nothing: the whole view is computed

    times = interleaved({"cold": cold, "grid": lambda: shift_grid(loaded, picture, clean),
                         "chart": lambda: severity_plot(grid).to_json(),
                         "figure": lambda: figure_bytes(shift_grid_figure(grid))}, repeats)
    return [("embedded view, cold (analysis + grid)", times["cold"],
             f"goal < 3 s: {'met' if times['cold'] < 3 else 'NOT met'}"),
            ("embedded grid alone", times["grid"], ""),
            ("embedded severity chart (Plotly JSON)", times["chart"], "diagnostic"),
            ("embedded grid figure (matplotlib PNG)", times["figure"], "diagnostic")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=("embedded", "b16"), default=None, help="one model's rows")
    args = parser.parse_args()
    rows = ((embedded_rows(args.repeats) if args.only != "b16" else [])
            + (b16_rows(args.repeats) if args.only != "embedded" else []))
    print(f"{device_name(torch.device('cpu'))}, {torch.get_num_threads()} threads; medians of {args.repeats}")
    width = max(len(name) for name, _, _ in rows)
    for name, seconds, note in rows:
        print(f"{name:<{width}}  {seconds:8.3f} s  {note}")


if __name__ == "__main__":
    main()
