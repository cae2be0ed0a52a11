"""Everything the explorer shows about one image, as files: what `python -m explorer explain` writes and the
app's `/explain` endpoint returns.

    from explorer import load_model
    from explorer.analysis.analysis import Analysis
    from explorer.export import save_explanation
    analysis = Analysis(load_model("embedded"), "cat.jpg")
    analysis.summary()["logit_lens"], analysis.arrays()["patch_evidence"]
    save_explanation(analysis, "out/")   # a PNG per figure (+ SVG for charts), arrays.npz, summary.json

Figures are drawn here by the matplotlib renderers (explorer.render.figures) from the analysis's views; the
weights-only pictures (token-mixing galleries, stem filters) are encoded once per model.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from explorer import memo
from explorer.render import figures
from explorer.analysis.analysis import Analysis
from explorer.analysis.model_views import encoded, weight_pictures

VECTOR_FIGURES = ("updates", "logit_lens")  # line and bar charts: also written as SVG
# What /explain shows besides the zip: the image's five figures and the first block's token-mixing units (the
# paper's figure). Every block's gallery and the stem filters are in the zip: sending them all again with every
# image cost more than the analysis, and an assistant reading the answer wants the numbers first.
OVERVIEW = ("activations", "evidence", "logit_lens", "shuffle", "updates", "token_mixing_block00")


def image_figures(analysis: Analysis, class_index: int | None = None) -> dict[str, Figure]:
    """The figures that depend on the image: activations, updates, evidence, logit lens, patch shuffle."""
    return {
        "activations": figures.activations_figure(analysis.activations()),
        "updates": figures.updates_figure(analysis.updates()),
        "evidence": figures.evidence_figure(analysis.evidence(class_index)),
        "logit_lens": figures.lens_figure(analysis.logit_lens()),
        "shuffle": figures.shuffle_figure(analysis.shuffle()),
    }


def save_explanation(analysis: Analysis, out_dir: str | Path, class_index: int | None = None, top_k: int = 5) -> list[Path]:
    """Write every figure as PNG (charts also as SVG), the arrays as arrays.npz and the summary as summary.json."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, picture in weight_pictures(analysis.loaded).items():
        (out / f"{name}.png").write_bytes(encoded(analysis.loaded, name, picture))
        written.append(out / f"{name}.png")
    drawn = image_figures(analysis, class_index)
    for name, fig in drawn.items():
        (out / f"{name}.png").write_bytes(figures.figure_bytes(fig, "png"))
        written.append(out / f"{name}.png")
        if name in VECTOR_FIGURES:
            (out / f"{name}.svg").write_bytes(figures.figure_bytes(fig, "svg"))
            written.append(out / f"{name}.svg")
    figures.release(drawn)
    np.savez(out / "arrays.npz", **analysis.arrays(class_index))  # float arrays barely compress; zlib would cost more than it saves
    (out / "summary.json").write_text(json.dumps(analysis.summary(top_k, class_index), indent=2) + "\n")
    return written + [out / "arrays.npz", out / "summary.json"]


def overview_figures(folder: Path) -> list[Path]:
    """The PNGs of an export folder that /explain shows, in the order of OVERVIEW."""
    return [f for f in (folder / f"{name}.png" for name in OVERVIEW) if f.exists()]


def export_folder(analysis: Analysis) -> Path:
    """The analysis's files and explanation.zip in a folder of their own, written once (kept in explorer.memo)."""

    def write(folder: Path) -> None:
        files = save_explanation(analysis, folder / "explanation")
        with zipfile.ZipFile(folder / "explanation.zip", "w", zipfile.ZIP_STORED) as zf:  # PNGs are compressed already
            for f in files:
                zf.write(f, f.name)

    return memo.export(analysis.key, write)
