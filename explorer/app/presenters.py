"""What each view shows, as plain values (text, table rows, label scores, JSON), computed from an analysis or a
loaded model. No Gradio here: the handlers (explorer.app.handlers, explorer.app.views) only call these and hand
the results to components, and a notebook or a test can call them alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal

import numpy as np
import torch

from explorer.analysis.analysis import Analysis
from explorer.analysis.architecture import ArchitectureCard, measure_latency
from explorer.analysis.model_views import token_mixing
from explorer.analysis.tour import STEP_TITLES
from explorer.export import export_folder, overview_figures
from explorer.model import embedded
from explorer.model.catalogue import catalogue
from explorer.model.inference import Prediction, top_predictions
from explorer.model.loading import LoadedModel, availability, device_name
from explorer.text.guidance import label_note
from explorer.units.address import KINDS, Unit, unit_count
from explorer.units.page import UnitPage, unit_page
from explorer.units.reference import reference_index

MAX_TOP_K = 50
Step = Literal["previous", "next", "first", "last"]


# ---------------------------------------------------------------------------------------------- models


def weights_for(model: str | None) -> str:
    """Architectures without pretrained weights can only run with random weights: the weights to pick for them."""
    return "random" if model and availability(model).startswith("no pretrained") else "pretrained"


def model_choices() -> list[tuple[str, str]]:
    """Dropdown entries: the name, its label set and size, and whether its weights can be had here."""
    return [(f"{e.name} · {e.family} · {e.label_set} · {e.params / 1e6:.1f}M params · {availability(e.name)}",
             e.name) for e in catalogue()]


def catalogue_rows() -> list[list[Any]]:
    """The Models tab's table: one row per catalogue entry."""
    return [[availability(e.name), e.name, e.family, e.label_set, f"{e.params / 1e6:.2f}M", e.patch_size, e.img_size,
             e.tokens, e.channels, e.tokens_mlp_dim, e.channels_mlp_dim, e.depth] for e in catalogue()]


def model_list() -> list[dict]:
    """The /list_models answer: every catalogue entry, with whether its pretrained weights run here."""
    return [{**e.as_dict(), "available": availability(e.name)} for e in catalogue()]


def block_index(loaded: LoadedModel, block: float | None) -> int:
    """The block slider's value, clamped to this model's depth (models differ: 8 to 36 blocks)."""
    return min(max(int(block or 0), 0), depth(loaded) - 1)


def depth(loaded: LoadedModel) -> int:
    return len(loaded.model.blocks)


def optional_index(value: float | None) -> int | None:
    """A number box where -1 (or empty) means "not chosen"."""
    return None if value is None or int(value) < 0 else int(value)


# ---------------------------------------------------------------------------------------------- predictions


def label_scores(predictions: Iterable[Prediction]) -> dict[str, float]:
    """gr.Label's value: label -> probability."""
    scores: dict[str, float] = {}
    for p in predictions:  # ImageNet-21k repeats some descriptions: keep every class visible
        scores[p.label if p.label not in scores else f"{p.label} (#{p.index})"] = p.probability
    return scores


def top_labels(analysis: Analysis, top_k: float | None) -> dict[str, float]:
    """The k most likely labels (k clamped to 1..MAX_TOP_K; 5 when not given)."""
    return predicted_labels(analysis.loaded, analysis.probabilities, top_k)


def predicted_labels(loaded: LoadedModel, probabilities: torch.Tensor, top_k: float | None) -> dict[str, float]:
    """The k most likely labels of (num_classes,) probabilities (k clamped to 1..MAX_TOP_K; 5 when not given)."""
    return label_scores(top_predictions(probabilities, loaded.class_names, max(1, min(int(top_k or 5), MAX_TOP_K))))


def predictions_note(analysis: Analysis | None) -> str:
    """What the model knows, beside its predictions (with a word when the image or the answer is doubtful)."""
    if analysis is None:
        return ""
    return label_note(analysis.loaded, analysis.picture, float(analysis.probabilities.max()))


def explanation(analysis: Analysis) -> tuple[dict, list[tuple[str, str]], str]:
    """/explain's answer: summary.json, the overview figures (path, caption), and the zip's path."""
    folder = export_folder(analysis)
    pngs = [(str(f), f.stem.replace("_", " ")) for f in overview_figures(folder / "explanation")]
    return analysis.summary(), pngs, str(folder / "explanation.zip")


# ---------------------------------------------------------------------------------------------- image views


def tour_step(analysis: Analysis, step: float | None) -> tuple[str, Any]:
    """The tour's step (1-based, as the slider and ?step= count, clamped): its words and the step to draw."""
    steps = analysis.tour()
    k = min(max(int(step or 1), 1), len(steps))
    return f"### Step {k} of {len(steps)}: {steps[k - 1].title}\n\n{steps[k - 1].text}", steps[k - 1]


def top_channel_rows(analysis: Analysis, block: int, patch: float | None) -> list[list]:
    """The top-channels table of one patch (row-major index, clamped) of one block's output."""
    patch = min(max(int(patch or 0), 0), analysis.capture.blocks.shape[1] - 1)
    return [[block, patch, ch, round(v, 4)] for ch, v in analysis.top_channels(block, patch)]


def lens_rows(analysis: Analysis) -> list[list]:
    """The logit lens's table: per block, the lens's top-1, its probability, the final class's probability."""
    lens = analysis.logit_lens()
    return [[b, lens.top_label[b], round(float(lens.top_probability[b]), 4), round(float(lens.final_probability[b]), 4)]
            for b in range(len(lens.top_index))]


def shuffle_text(analysis: Analysis) -> str:
    view = analysis.shuffle()
    original, shuffled, restored = view.labels
    return (f"**original:** {original} · **patches shuffled:** {shuffled} · "
            f"**token mixing permuted too:** {restored} · max |Δlogit| = {view.result.max_abs_logit_diff:.2e}")


# ---------------------------------------------------------------------------------------------- weight views


def token_mixing_note(loaded: LoadedModel, block: int) -> str:
    """The line above the token-mixing gallery of one block."""
    view = token_mixing(loaded, block)
    units, (h, w) = len(view.maps), view.maps.shape[1:]
    return (f"**{loaded.name}** ({loaded.weights}) · block {block} · {units} units of {h}×{w} patches · "
            f"smoothness {view.smoothness:.3f} "
            "(mean correlation of each map with itself shifted by one patch: ≈0 for noise)")


def enlarged_unit(loaded: LoadedModel, block: int, unit: float | None) -> int | None:
    """The token-mixing unit to enlarge (clamped to the block's units), or None when none is chosen."""
    chosen = optional_index(unit)
    return None if chosen is None else min(chosen, len(token_mixing(loaded, block).maps) - 1)


def token_mixing_summary(loaded: LoadedModel, block: int) -> dict:
    """The /token_mixing_weights tool's JSON for one block (clamped to the model's depth)."""
    view = token_mixing(loaded, block)
    units, h, w = view.maps.shape
    return {"model": loaded.name, "weights": loaded.weights, "block": block, "depth": depth(loaded), "units": units,
            "grid": [h, w], "shape": [units, h, w], "order": [int(u) for u in view.order],
            "smoothness": round(view.smoothness, 4), "status": loaded.status()}


def block_smoothness(loaded: LoadedModel) -> list[float]:
    """(depth,) the token-mixing smoothness of every block."""
    return [token_mixing(loaded, b).smoothness for b in range(depth(loaded))]


@dataclass(frozen=True)
class CompareSide:
    """One model of the Compare view."""

    loaded: LoadedModel
    block: int
    smoothness: list[float]  # (depth,)
    labels: dict[str, float] | None  # its top 5 on the image, None without one

    @property
    def name(self) -> str:
        return f"{self.loaded.name} ({self.loaded.weights})"

    @property
    def note(self) -> str:
        return (f"**{self.loaded.name}** ({self.loaded.weights}) · block {self.block} · "
                f"smoothness {self.smoothness[self.block]:.3f}")


def compare_side(loaded: LoadedModel, block: float | None, analysis: Analysis | None) -> CompareSide:
    return CompareSide(loaded, block_index(loaded, block), block_smoothness(loaded),
                       None if analysis is None else label_scores(analysis.top_k(5)))


def architecture_markdown(card: ArchitectureCard, loaded: LoadedModel) -> str:
    rows = [
        ("family", card.family), ("patch size", f"{card.patch_size}×{card.patch_size}"),
        ("image size", f"{card.img_size}×{card.img_size}"), ("tokens S", card.tokens), ("channels C", card.channels),
        ("token-MLP width D_S", card.tokens_mlp_dim), ("channel-MLP width D_C", card.channels_mlp_dim),
        ("depth", card.depth), ("parameters", f"{card.params:,}"),
        ("GFLOPs per image (a multiply-add counts as 2)", f"{card.gflops:.2f}"), ("labels", loaded.label_set),
    ]
    text = f"### {card.name}\n\n| property | value |\n|---|---|\n" + "\n".join(f"| {k} | {v} |" for k, v in rows)
    if card.paper_row:
        r = card.paper_row
        text += (f"\n\n**Paper, Table 1 ({r['model']}):** {r['layers']} layers · patch {r['patch']} · "
                 f"hidden C {r['hidden']} · D_S {r['tokens_mlp_dim']} · D_C {r['channels_mlp_dim']} · "
                 f"S {r['sequence_length']} · {r['params_m']}M parameters")
    else:
        text += "\n\n*The paper's Table 1 has no row for this model.*"
    return text


def latency_text(loaded: LoadedModel) -> str:
    """The latency measured now, on this machine, in words."""
    threads = f", {torch.get_num_threads()} threads" if loaded.device.type == "cpu" else ""
    return (f"**{measure_latency(loaded):.1f} ms** per image ({loaded.name}, one image at a time, median of 10 forward "
            f"passes on {device_name(loaded.device)}{threads}), measured just now: press again to measure again")


def timeline_slide(snapshot: float | None, block: float | None) -> tuple[int, int, int] | None:
    """The embedded model's training timeline at a snapshot: (block, epoch, last epoch), clamped; None if none
    is shipped."""
    epochs = list(embedded.read_timeline())
    if not epochs:
        return None
    epoch = epochs[min(max(int(snapshot or 0), 0), len(epochs) - 1)]
    return min(max(int(block or 0), 0), embedded.architecture()["num_blocks"] - 1), epoch, epochs[-1]


# ---------------------------------------------------------------------------------------------- units


def unit_of(loaded: LoadedModel, block: float | None, kind: str, index: float | None) -> Unit:
    """The unit the controls name, clamped to this model: block, kind and index."""
    kind = kind if kind in KINDS else "channel"
    return Unit(block_index(loaded, block), kind, min(max(int(index or 0), 0), unit_count(loaded.model, kind) - 1))


def page_of(loaded: LoadedModel, unit: Unit, image: str | None, analysis: Analysis | None) -> UnitPage:
    """A unit's page, its examples from the default reference set (the shipped one, or the examples and this image)."""
    reference = reference_index(loaded, uploads=[image] if image is not None else [])
    return unit_page(loaded, unit, reference, image_analysis=analysis, feature=False)


def unit_text(loaded: LoadedModel, page: UnitPage, with_image: bool) -> str:
    """The words above a unit's page."""
    unit = page.unit
    count = unit_count(loaded.model, unit.kind)
    units = "channels" if unit.kind == "channel" else "token-mixing units"
    return (f"### {page.title} (of {count} {units})\n\n{page.text}\n\nTop examples from **{page.examples.reference}**."
            + ("" if with_image else " Upload an image to see where the unit fires on it.")
            + ("\n\nThe feature visualisation of this unit is not computed yet: press the button (on a large model "
               "on a CPU it takes minutes)." if page.feature is None else ""))


# ---------------------------------------------------------------------------------------------- stepping


def moved(action: Step, position: int, count: int) -> int:
    """A position among `count` after a step: previous, next, first or last (kept within 0..count-1)."""
    return {"previous": max(position - 1, 0), "next": min(position + 1, count - 1), "first": 0,
            "last": count - 1}[action]


def tour_stepped(action: Step, step: float) -> int:
    """The tour's step (1-based) after a key."""
    return moved(action, int(step) - 1, len(STEP_TITLES)) + 1


def snapshot_stepped(action: Step, snapshot: float) -> int:
    return moved(action, int(snapshot), len(embedded.read_timeline()))


def unit_stepped(action: Step, loaded: LoadedModel, unit: Unit) -> int:
    """The unit page's unit index after a key."""
    return moved(action, unit.index, unit_count(loaded.model, unit.kind))


def gallery_stepped(action: Step, loaded: LoadedModel, block: int, unit: float | None) -> int:
    """The enlarged token-mixing unit after a key, in the gallery's order (from lowest to highest frequency);
    with none enlarged, "next" opens the first."""
    order: list[int] = np.asarray(token_mixing(loaded, block).order).astype(int).tolist()
    current = order.index(int(unit)) if unit is not None and int(unit) in order else -1
    return order[0 if current < 0 and action == "next" else moved(action, max(current, 0), len(order))]
