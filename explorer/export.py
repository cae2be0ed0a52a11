"""Everything the explorer shows about one image, as files: what `python -m explorer explain` writes and the
app's `/explain` endpoint returns.

    from explorer import load_model
    from explorer.analysis import activations, evidence, logit_lens, shuffle
from explorer.analysis.analysis import Analysis
    from explorer.export import save_explanation
    analysis = Analysis(load_model("embedded"), "cat.jpg")
    analysis.summary()["logit_lens"], analysis.arrays()["patch_evidence"]   # asked of analysis.EXPORTED
    save_explanation(analysis, "out/")   # a PNG per figure (+ SVG for charts), arrays.npz, model.npz, summary.json

Figures are drawn here by the matplotlib renderers (explorer.render.mpl) from the analysis's views. What depends
on the weights only is made once per model and copied into every export as it is: the token-mixing galleries and
the stem filters as PNGs (explorer.render.galleries), the weight arrays as model.npz (explorer.memo.model_file);
arrays.npz holds the image's arrays.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from explorer import memo
from explorer.analysis import activations, evidence, logit_lens, shuffle
from explorer.analysis.analysis import Analysis
from explorer.render import mpl
from explorer.render.galleries import encoded, weight_pictures

VECTOR_FIGURES = ("updates", "logit_lens")  # line and bar charts: also written as SVG
# What /explain shows besides the zip: the image's five figures and the first block's token-mixing units (the
# paper's figure). Every block's gallery and the stem filters are in the zip: sending them all again with every
# image cost more than the analysis, and an assistant reading the answer wants the numbers first.
OVERVIEW = ("activations", "evidence", "logit_lens", "shuffle", "updates", "token_mixing_block00")
# The arrays of Analysis.arrays() that are the model's weights, the same for every image: model.npz. For B/16 they
# are ~6 MB, which writing (and zipping) again with every image made the larger part of /explain.
MODEL_ARRAYS = ("token_mixing", "token_mixing_order", "stem_filters")


def image_figures(analysis: Analysis, class_index: int | None = None) -> dict[str, Figure]:
    """The figures that depend on the image: activations, updates, evidence, logit lens, patch shuffle."""
    return {
        "activations": mpl.activations_figure(activations.view(analysis)),
        "updates": mpl.updates_figure(activations.updates(analysis)),
        "evidence": mpl.evidence_figure(evidence.view(analysis, class_index)),
        "logit_lens": mpl.lens_figure(logit_lens.view(analysis)),
        "shuffle": mpl.shuffle_figure(shuffle.view(analysis)),
    }


def save_explanation(
    analysis: Analysis, out_dir: str | Path, class_index: int | None = None, top_k: int = 5
) -> list[Path]:
    """Write every figure as PNG (charts also as SVG), the image's arrays as arrays.npz, the model's weight arrays
    as model.npz and the summary as summary.json."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, picture in weight_pictures(analysis.loaded).items():
        (out / f"{name}.png").write_bytes(encoded(analysis.loaded, name, picture))
        written.append(out / f"{name}.png")
    drawn = image_figures(analysis, class_index)
    for name, fig in drawn.items():
        (out / f"{name}.png").write_bytes(mpl.figure_bytes(fig, "png"))
        written.append(out / f"{name}.png")
        if name in VECTOR_FIGURES:
            (out / f"{name}.svg").write_bytes(mpl.figure_bytes(fig, "svg"))
            written.append(out / f"{name}.svg")
    mpl.release(drawn)
    arrays = analysis.arrays(class_index)
    weights = memo.model_file(
        analysis.loaded.model, "model.npz", lambda path: np.savez(path, **{k: arrays[k] for k in MODEL_ARRAYS})
    )
    # float arrays barely compress; zlib would cost more than it saves
    np.savez(out / "arrays.npz", **{k: v for k, v in arrays.items() if k not in MODEL_ARRAYS})
    (out / "summary.json").write_text(json.dumps(analysis.summary(top_k, class_index), indent=2) + "\n")
    # A copy, not a hard link: an export is the reader's to change, and the per-model file must not change with it.
    shutil.copyfile(weights, out / "model.npz")
    return written + [out / "arrays.npz", out / "model.npz", out / "summary.json"]


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
