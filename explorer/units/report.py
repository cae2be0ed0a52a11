"""The files `python -m explorer unit` writes: unit.json and feature.png."""
from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from explorer.model.loading import LoadedModel
from explorer.progress import Progress
from explorer.units.address import Unit, check_unit
from explorer.units.features import Feature, feature_visualisation
from explorer.units.page import PAGE_EXAMPLES
from explorer.units.reference import Examples, ReferenceLike, unit_examples


def unit_report(examples: Examples, feature: Feature, model: str) -> dict:
    """unit.json: {"model", "block", "kind", "index", "top": [...] highest first, "feature": {...}}. A channel's
    top images carry the peak patch as "patch": [row, col], a token unit's the peak channel as "channel"."""
    unit = examples.unit
    where = (lambda p: {"patch": [int(p[0]), int(p[1])]}) if unit.kind == "channel" else (lambda p: {"channel": int(p)})
    top = [{"path": path, "activation": float(a), **where(p)}
           for path, a, p in zip(examples.paths, examples.activations, examples.peaks)]
    return {
        "model": model,
        "block": unit.block,
        "kind": unit.kind,
        "index": unit.index,
        "top": top,
        "feature": {"steps": feature.steps, "seed": feature.seed, "activation_start": feature.activation_start,
                    "activation_end": feature.activation_end},
    }


def write_unit(loaded: LoadedModel, unit: Unit, out: str | Path, reference: ReferenceLike = None,
               top_k: int = PAGE_EXAMPLES, steps: int = 256, seed: int = 0, progress: Progress | None = None) -> dict:
    """`python -m explorer unit`: OUT/unit.json and OUT/feature.png (8-bit RGB at the model's input size: exactly
    the image whose activation_end is reported). Returns what unit.json holds."""
    unit = check_unit(loaded.model, unit.block, unit.kind, unit.index)
    examples = unit_examples(loaded, unit.block, unit.kind, unit.index, reference, top_k)
    feature = feature_visualisation(loaded, unit.block, unit.kind, unit.index, steps, seed, progress)
    report = unit_report(examples, feature, loaded.name)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    Image.fromarray(feature.image).save(out / "feature.png")
    (out / "unit.json").write_text(json.dumps(report, indent=2) + "\n")
    return report

