"""What each view shows, as plain values (text, table rows, label scores, JSON), computed from an analysis or a
loaded model. No Gradio here: the handlers (explorer.app.handlers, explorer.app.views) only call these and hand
the results to components, and a notebook or a test can call them alike.

Words are said in the language of whoever is answered (explorer.text.i18n.t, keys `presenters.*`); class names
a program reads stay as they are, and only the embedded model's CIFAR-10 names are translated where people read
them (explorer.model.labels.shown_name).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Literal

import numpy as np
import torch

from explorer.analysis import activations, logit_lens, shuffle, tour
from explorer.analysis.analysis import Analysis
from explorer.analysis.architecture import ArchitectureCard, measure_latency
from explorer.analysis.model_views import token_mixing
from explorer.export import export_folder, overview_figures
from explorer.model import embedded
from explorer.model.catalogue import catalogue
from explorer.model.inference import Prediction, top_predictions
from explorer.model.labels import shown_name
from explorer.model.loading import LoadedModel, availability, device_name
from explorer.text.guidance import label_note, percent
from explorer.text.i18n import t
from explorer.units.address import KINDS, Unit, unit_count
from explorer.units.page import UnitPage, unit_page
from explorer.units.reference import reference_index

MAX_TOP_K = 50
Step = Literal["previous", "next", "first", "last"]
# a model's weights in a note's parentheses: "embedded (random)"
WEIGHTS_WORDS = {"pretrained": "presenters.weights.pretrained", "random": "presenters.weights.random",
                 "checkpoint": "presenters.weights.checkpoint"}


def weights_word(weights: str) -> str:
    return t(WEIGHTS_WORDS[weights]) if weights in WEIGHTS_WORDS else weights


# ---------------------------------------------------------------------------------------------- models


def weights_for(model: str | None) -> str:
    """Architectures without pretrained weights can only run with random weights: the weights to pick for them."""
    return "random" if model and availability(model).key == "status.available.random_only" else "pretrained"


def model_choices() -> list[tuple[str, str]]:
    """Dropdown entries: the name, its label set and size, and whether its weights can be had here."""
    return [(f"{e.name} · {e.family} · {e.label_set} · {e.params / 1e6:.1f}M params · {availability(e.name)}",
             e.name) for e in catalogue()]


def catalogue_rows() -> list[list[Any]]:
    """The Models tab's table: one row per catalogue entry."""
    return [[str(availability(e.name)), e.name, e.family, e.label_set, f"{e.params / 1e6:.2f}M", e.patch_size,
             e.img_size, e.tokens, e.channels, e.tokens_mlp_dim, e.channels_mlp_dim, e.depth] for e in catalogue()]


def model_list() -> list[dict]:
    """The /list_models answer: every catalogue entry, with whether its pretrained weights run here."""
    return [{**e.as_dict(), "available": str(availability(e.name))} for e in catalogue()]


def block_index(loaded: LoadedModel, block: float | None) -> int:
    """The block slider's value, clamped to this model's depth (models differ: 8 to 36 blocks)."""
    return min(max(int(block or 0), 0), depth(loaded) - 1)


def depth(loaded: LoadedModel) -> int:
    return len(loaded.model.blocks)


def optional_index(value: float | None) -> int | None:
    """A number box where -1 (or empty) means "not chosen"."""
    return None if value is None or int(value) < 0 else int(value)


# ---------------------------------------------------------------------------------------------- predictions


def label_scores(predictions: Iterable[Prediction], class_names: tuple[str, ...] = ()) -> dict[str, float]:
    """gr.Label's value: label -> probability, each label as people read it (the head's `class_names` tell
    whether they are the embedded model's CIFAR-10 classes, which are translated)."""
    scores: dict[str, float] = {}
    for p in predictions:  # ImageNet-21k repeats some descriptions: keep every class visible
        label = shown_name(p.label, class_names)
        scores[label if label not in scores else f"{label} (#{p.index})"] = p.probability
    return scores


def announcement(scores: dict[str, float] | None) -> str:
    """What a screen reader says when an answer arrives (the page's polite live region): the top-1 of gr.Label's
    value and its probability, in the current language; "" without predictions."""
    if not scores:
        return ""
    label, probability = max(scores.items(), key=lambda item: item[1])
    return t("announce.answer", label=label, probability=percent(probability))


def top_labels(analysis: Analysis, top_k: float | None) -> dict[str, float]:
    """The k most likely labels (k clamped to 1..MAX_TOP_K; 5 when not given)."""
    return predicted_labels(analysis.loaded, analysis.probabilities, top_k)


def predicted_labels(loaded: LoadedModel, probabilities: torch.Tensor, top_k: float | None) -> dict[str, float]:
    """The k most likely labels of (num_classes,) probabilities (k clamped to 1..MAX_TOP_K; 5 when not given)."""
    k = max(1, min(int(top_k or 5), MAX_TOP_K))
    return label_scores(top_predictions(probabilities, loaded.class_names, k), loaded.class_names)


def predictions_note(analysis: Analysis | None) -> str:
    """What the model knows, beside its predictions (with a word when the image or the answer is doubtful)."""
    if analysis is None:
        return ""
    return label_note(analysis.loaded, analysis.picture, float(analysis.probabilities.max()))


# the overview figures' captions (their files keep their names: explorer.export.OVERVIEW)
CAPTIONS = {"activations": "presenters.figure.activations", "evidence": "presenters.figure.evidence",
            "logit_lens": "presenters.figure.logit_lens", "shuffle": "presenters.figure.shuffle",
            "updates": "presenters.figure.updates", "token_mixing_block00": "presenters.figure.token_mixing_block00"}


def explanation(analysis: Analysis) -> tuple[dict, list[tuple[str, str]], str]:
    """/explain's answer: summary.json, the overview figures (path, caption), and the zip's path."""
    folder = export_folder(analysis)
    pngs = [(str(f), t(CAPTIONS[f.stem]) if f.stem in CAPTIONS else f.stem.replace("_", " "))
            for f in overview_figures(folder / "explanation")]
    return analysis.summary(), pngs, str(folder / "explanation.zip")


# ---------------------------------------------------------------------------------------------- image views


def tour_step(analysis: Analysis, step: float | None) -> tuple[str, Any]:
    """The tour's step (1-based, as the slider and ?step= count, clamped): its words and the step to draw."""
    steps = tour.view(analysis)
    k = min(max(int(step or 1), 1), len(steps))
    return t("presenters.tour_step", step=k, steps=len(steps), title=steps[k - 1].title,
             text=steps[k - 1].text), steps[k - 1]


def top_channel_rows(analysis: Analysis, block: int, patch: float | None) -> list[list]:
    """The top-channels table of one patch (row-major index, clamped) of one block's output."""
    patch = min(max(int(patch or 0), 0), analysis.capture.blocks.shape[1] - 1)
    return [[block, patch, ch, round(v, 4)] for ch, v in activations.top_channels(analysis, block, patch)]


def lens_rows(analysis: Analysis) -> list[list]:
    """The logit lens's table: per block, the lens's top-1, its probability, the final class's probability."""
    lens = logit_lens.view(analysis)
    names = analysis.class_names
    return [[b, shown_name(lens.top_label[b], names), round(float(lens.top_probability[b]), 4),
             round(float(lens.final_probability[b]), 4)] for b in range(len(lens.top_index))]


def shuffle_text(analysis: Analysis) -> str:
    view = shuffle.view(analysis)
    original, shuffled, restored = (shown_name(label, analysis.class_names) for label in view.labels)
    return t("presenters.shuffle", original=original, shuffled=shuffled, restored=restored,
             diff=view.result.max_abs_logit_diff)


# ---------------------------------------------------------------------------------------------- weight views


def token_mixing_note(loaded: LoadedModel, block: int) -> str:
    """The line above the token-mixing gallery of one block."""
    view = token_mixing(loaded, block)
    units, (h, w) = len(view.maps), view.maps.shape[1:]
    return t("presenters.token_mixing", model=loaded.name, weights=weights_word(loaded.weights), block=block,
             units=units, h=h, w=w, smoothness=view.smoothness)


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
        return t("presenters.compare.name", model=self.loaded.name, weights=weights_word(self.loaded.weights))

    @property
    def note(self) -> str:
        return t("presenters.compare.note", model=self.loaded.name, weights=weights_word(self.loaded.weights),
                 block=self.block, smoothness=self.smoothness[self.block])


def compare_side(loaded: LoadedModel, block: float | None, analysis: Analysis | None) -> CompareSide:
    return CompareSide(loaded, block_index(loaded, block), block_smoothness(loaded),
                       None if analysis is None else label_scores(analysis.top_k(5), analysis.class_names))


def architecture_markdown(card: ArchitectureCard, loaded: LoadedModel) -> str:
    rows = [
        (t("presenters.arch.family"), card.family),
        (t("presenters.arch.patch"), f"{card.patch_size}×{card.patch_size}"),
        (t("presenters.arch.image"), f"{card.img_size}×{card.img_size}"), (t("presenters.arch.tokens"), card.tokens),
        (t("presenters.arch.channels"), card.channels), (t("presenters.arch.tokens_mlp"), card.tokens_mlp_dim),
        (t("presenters.arch.channels_mlp"), card.channels_mlp_dim), (t("presenters.arch.depth"), card.depth),
        (t("presenters.arch.params"), f"{card.params:,}"), (t("presenters.arch.gflops"), f"{card.gflops:.2f}"),
        (t("presenters.arch.labels"), loaded.label_set),
    ]
    text = (f"### {card.name}\n\n| {t('presenters.arch.property')} | {t('presenters.arch.value')} |\n|---|---|\n"
            + "\n".join(f"| {k} | {v} |" for k, v in rows))
    if card.paper_row:
        r = card.paper_row
        text += "\n\n" + t("presenters.arch.paper", model=r["model"], layers=r["layers"], patch=r["patch"],
                            hidden=r["hidden"], tokens_mlp=r["tokens_mlp_dim"], channels_mlp=r["channels_mlp_dim"],
                            tokens=r["sequence_length"], params=r["params_m"])
    else:
        text += "\n\n" + t("presenters.arch.no_paper_row")
    return text


def latency_text(loaded: LoadedModel) -> str:
    """The latency measured now, on this machine, in words."""
    threads = t("presenters.latency.threads", threads=torch.get_num_threads()) if loaded.device.type == "cpu" else ""
    return t("presenters.latency.line", ms=measure_latency(loaded), model=loaded.name,
             device=device_name(loaded.device), threads=threads)


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
    of = (t("presenters.unit.of_channels", count=count) if unit.kind == "channel"
          else t("presenters.unit.of_token_units", count=count))
    return (t("presenters.unit.heading", title=page.title, of=of, text=page.text, reference=page.examples.reference)
            + ("" if with_image else t("presenters.unit.upload"))
            + (t("presenters.unit.no_feature") if page.feature is None else ""))


# ---------------------------------------------------------------------------------------------- stepping


def moved(action: Step, position: int, count: int) -> int:
    """A position among `count` after a step: previous, next, first or last (kept within 0..count-1)."""
    return {"previous": max(position - 1, 0), "next": min(position + 1, count - 1), "first": 0,
            "last": count - 1}[action]


def tour_stepped(action: Step, step: float) -> int:
    """The tour's step (1-based) after a key."""
    return moved(action, int(step) - 1, len(tour.STEP_TITLES)) + 1


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
