"""Load a Mixer through timm: pretrained, random or from a checkpoint file, on the best device, cached.

Pretrained weights come from the local Hugging Face cache when they are there (no network needed), else from
the Hub when it answers within a few seconds. When neither works the loader falls back to the embedded
default and says why in `LoadedModel.fallback_reason`, so the app never hangs on a Hub it cannot reach.
"""
from __future__ import annotations

import os
import re
import threading
import time
import urllib.request
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Literal

import timm
import torch
from safetensors.torch import load_file
from timm.data import create_transform, resolve_model_data_config
from timm.models import clean_state_dict, get_pretrained_cfg
from timm.models.mlp_mixer import MlpMixer

from explorer.model import embedded
from explorer.model.catalogue import has_pretrained_weights, is_known
from explorer.model.devices import device_name, resolve_device  # noqa: F401 - device_name: imported from here too
from explorer.model.families import FAMILY_NAMES
from explorer.errors import CheckpointError, ModelError, WeightsUnavailable
from explorer.model.labels import class_names, label_set
from explorer.text.i18n import t
from explorer.text.words import Words

Weights = Literal["pretrained", "random"]
WEIGHTS_CHOICES = ("pretrained", "random")
HUB_TIMEOUT_S = 3.0  # huggingface_hub itself retries for ~48 s on a dead network; we decide in this long
RANDOM_SEED = 0  # "random" weights are the same on every load, so two people see the same untrained model
# Preferred when nothing is named: the most accurate ImageNet-1k Mixer timm has, then the paper's own.
DEFAULT_PRETRAINED = ("mixer_b16_224.miil_in21k_ft_in1k", "mixer_b16_224.goog_in21k_ft_in1k")
HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# the weights in words, for the status line
WEIGHTS_WORDS = {"pretrained": "status.weights.pretrained", "random": "status.weights.random",
                 "checkpoint": "status.weights.checkpoint"}


@dataclass(frozen=True)
class LoadedModel:
    """A model ready for inference and everything needed to describe and feed it."""

    model: torch.nn.Module  # eval mode, on `device`
    name: str  # what actually runs: a timm name or "embedded"
    weights: str  # "pretrained", "random" or "checkpoint"
    source: str | Words  # where the weights came from: a file's name, or words said in the reader's language
    device: torch.device
    class_names: tuple[str, ...]
    label_set: str | Words
    data_config: dict  # timm's resolved input size, mean, std, crop, interpolation
    transform: Callable  # PIL image -> (3, H, W) float tensor
    requested: str | Words = ""  # what was asked for, when it differs from `name`
    fallback: str | Words = ""  # why the request could not be honoured as asked
    precision: str = "fp32"  # what batch predictions compute in (autocast); weights and the analyses stay float32

    @property
    def fallback_reason(self) -> str:
        """Why the model asked for could not run, a sentence in the current language; "" when it ran."""
        return t("status.reason", why=self.fallback) if self.fallback else ""

    def status(self) -> str:
        """One line for people, in the current language: which model runs, with what weights, where, predicting
        which labels."""
        device = (self.device.type if self.precision == "fp32" else
                  t("status.device_precision", device=self.device.type, precision=self.precision))
        weights = t(WEIGHTS_WORDS.get(self.weights, "status.weights.checkpoint"))
        line = t("status.line", model=self.name, weights=weights, source=self.source, device=device,
                 labels=self.label_set)
        if self.fallback:
            line = t("status.fallen", running=t("status.running", model=line), requested=self.requested,
                     reason=self.fallback_reason)
        return line

    def autocast(self) -> torch.autocast:
        """The context predictions run in: float32 as is, or autocast to bfloat16 / float16."""
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision, torch.float32)
        return torch.autocast(self.device.type, dtype=dtype, enabled=self.precision != "fp32")


# ---------------------------------------------------------------------------------------------- precision


PRECISIONS = ("fp32", "bf16", "fp16")


def native_bf16(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    # On CPUs with AVX512-BF16/AMX oneDNN runs bf16 matmuls ~3x faster than fp32; elsewhere it is slower.
    return torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()


def check_precision(precision: str, device: torch.device) -> str:
    """Reduced precision only where the hardware computes it natively (else it is slower, not faster)."""
    if precision not in PRECISIONS:
        raise ModelError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision == "fp16" and device.type != "cuda":
        raise ModelError("fp16 predictions need a CUDA GPU; on this CPU use bf16 (if it has AVX512-BF16 or AMX) or "
                         "fp32")
    if precision == "bf16" and not native_bf16(device):
        raise ModelError(f"this {device.type.upper()} has no native bfloat16 arithmetic, so bf16 would be slower "
                         "than fp32; use fp32")
    return precision


# ---------------------------------------------------------------------------------------------- the Hub


_hub_probe: dict[str, tuple[float, str]] = {}


def hub_unreachable_reason(ttl_s: float = 60.0) -> str | Words:
    """"" if the Hugging Face Hub answers within HUB_TIMEOUT_S, else why not (said in the reader's language).
    Remembered for `ttl_s`."""
    from huggingface_hub import constants

    if constants.HF_HUB_OFFLINE:
        return Words("errors.loading.hub_offline")
    endpoint = constants.ENDPOINT
    cached = _hub_probe.get(endpoint)
    if cached and time.monotonic() - cached[0] < ttl_s:
        return cached[1]
    try:
        urllib.request.urlopen(urllib.request.Request(endpoint, method="HEAD"), timeout=HUB_TIMEOUT_S).close()
        reason = ""
    except urllib.error.HTTPError:  # it answered, even if not with 200: the Hub is there
        reason = ""
    except Exception as exc:
        reason = Words("errors.loading.hub_unreachable", endpoint=endpoint, detail=str(getattr(exc, "reason", exc)))
    _hub_probe[endpoint] = (time.monotonic(), reason)
    return reason


def cached_weights_file(hf_hub_id: str) -> str | None:
    """The weights file of a Hub repo in the local Hugging Face cache, if it is there."""
    from huggingface_hub import try_to_load_from_cache

    repo_id, _, revision = hf_hub_id.partition("@")
    for filename in HF_WEIGHT_FILES:
        path = try_to_load_from_cache(repo_id, filename, revision=revision or None)
        if isinstance(path, str) and os.path.isfile(path):
            return path
    return None


def default_model_name() -> str:
    """The best model that can run here: a cached or downloadable ImageNet Mixer, else the embedded default."""
    for name in DEFAULT_PRETRAINED:
        if cached_weights_file(get_pretrained_cfg(name).hf_hub_id):
            return name
    return embedded.EMBEDDED_NAME if hub_unreachable_reason() else DEFAULT_PRETRAINED[0]


# ---------------------------------------------------------------------------------------------- checkpoints


def read_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Tensors from a safetensors file or a torch state dict; pickles that would run code are refused unread."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    with path.open("rb") as f:
        head = f.read(9)
    is_safetensors = len(head) == 9 and head[8:9] == b"{"  # 8-byte header length, then the JSON header
    try:
        checkpoint = load_file(path) if is_safetensors else torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        message = str(exc)
        unsafe = re.search(r"Unsupported global: GLOBAL ([\w.]+)", message)
        if unsafe:
            raise CheckpointError(
                f"refused to load {path.name}: it is a pickle that would call {unsafe.group(1)} when loaded. "
                "Only plain tensors are loaded: save weights with safetensors, or torch.save(model.state_dict())"
            ) from None
        kind = "safetensors file" if is_safetensors else "torch checkpoint"
        first_line = message.strip().splitlines()[0] if message.strip() else type(exc).__name__
        raise CheckpointError(f"{path.name} is not a readable {kind} ({first_line})") from None
    if isinstance(checkpoint, dict):
        for key in ("state_dict_ema", "model_ema", "state_dict", "model"):
            if isinstance(checkpoint.get(key), dict):
                checkpoint = checkpoint[key]
                break
    if not isinstance(checkpoint, dict) or not all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        raise CheckpointError(f"{path.name} does not hold a state dict (a mapping of names to tensors)")
    return clean_state_dict(checkpoint)


def exception_line(exc: Exception) -> str:
    """What an exception says, in one line (its type's name if it says nothing): for the message that names it."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def load_weights(model: torch.nn.Module, state_dict: dict[str, torch.Tensor], what: str) -> None:
    """load_state_dict, strictly, with the mismatches named in the error rather than a wall of text."""
    own = model.state_dict()
    missing = [k for k in own if k not in state_dict]
    unexpected = [k for k in state_dict if k not in own]
    both = [k for k in own if k in state_dict]
    wrong = [f"{k} {tuple(state_dict[k].shape)} vs {tuple(own[k].shape)}" for k in both
             if state_dict[k].shape != own[k].shape]
    bad_dtype = [k for k in both if not state_dict[k].is_floating_point() and own[k].is_floating_point()]
    problems = []
    for label, items in (("missing", missing), ("unexpected", unexpected), ("wrong shape (file vs model)", wrong),
                         ("not floating point", bad_dtype)):
        if items:
            problems.append(f"{len(items)} {label}: {', '.join(items[:3])}{', …' if len(items) > 3 else ''}")
    if problems:
        raise CheckpointError(f"{what} does not fit the architecture: " + "; ".join(problems))
    model.load_state_dict(state_dict)


# ---------------------------------------------------------------------------------------------- building


def build_embedded(num_classes: int | None = None) -> MlpMixer:
    """The embedded architecture with random weights and its pretrained_cfg (CIFAR-10 statistics and labels)."""
    card = embedded.read_card()
    model = MlpMixer(**{**embedded.architecture(card), **({"num_classes": num_classes} if num_classes else {})})
    model.pretrained_cfg = embedded.pretrained_cfg(card.get("class_names", []))
    return model


def _create(name: str, weights: str, checkpoint: Path | None) -> tuple[torch.nn.Module, str]:
    """Build the model named and fill its weights; returns it and where its weights came from."""
    if name == embedded.EMBEDDED_NAME:
        if checkpoint:
            state = read_state_dict(checkpoint)
            model = build_embedded(num_classes=_head_classes(state))
            load_weights(model, state, checkpoint.name)
            return model, f"checkpoint {checkpoint.name}"
        model = build_embedded()
        if weights == "random":
            return with_random_head(model), Words("status.source.random", seed=RANDOM_SEED)
        if not embedded.WEIGHTS_PATH.exists():
            raise ModelError(t("errors.loading.embedded_missing", path=embedded.WEIGHTS_PATH))
        load_weights(model, load_file(embedded.WEIGHTS_PATH), embedded.WEIGHTS_PATH.name)
        return model, f"assets/{embedded.WEIGHTS_PATH.name}"

    if not is_known(name):
        raise ModelError(t("errors.loading.unknown_model", name=repr(name), families=FAMILY_NAMES))
    if checkpoint:
        state = read_state_dict(checkpoint)
        model = timm.create_model(name, pretrained=False, num_classes=_head_classes(state))
        load_weights(model, state, checkpoint.name)
        return model, f"checkpoint {checkpoint.name}"
    if weights == "random":
        return with_random_head(timm.create_model(name, pretrained=False)), Words("status.source.random",
                                                                                      seed=RANDOM_SEED)
    # Why pretrained weights cannot be had is kept with the model that stands in (LoadedModel.fallback), which
    # visitors of every language share: Words, said in each one's language.
    if not has_pretrained_weights(name):
        raise WeightsUnavailable(Words("errors.loading.no_pretrained", model=name))
    cfg = get_pretrained_cfg(name)
    cached = cached_weights_file(cfg.hf_hub_id)
    if cached:
        try:
            # timm's own loading path (head and input adaptation included), pointed at the cached file.
            model = timm.create_model(name, pretrained=True, pretrained_cfg_overlay=dict(file=cached))
        except Exception as exc:
            why = exception_line(exc)
            raise WeightsUnavailable(Words("errors.loading.cache_unreadable", path=cached, detail=why)) from None
        return model, Words("status.source.cache")
    reason = hub_unreachable_reason()
    if reason:
        raise WeightsUnavailable(Words("errors.loading.not_cached", reason=reason))
    try:
        return timm.create_model(name, pretrained=True), Words("status.source.hub", repo=cfg.hf_hub_id)
    except Exception as exc:
        raise WeightsUnavailable(Words("errors.loading.download_failed", repo=cfg.hf_hub_id,
                                       detail=exception_line(exc))) from None


def with_random_head(model: torch.nn.Module) -> torch.nn.Module:
    """timm zero-initialises the classifier, so an untrained model predicts every class alike and the views of
    its logits (evidence, lens, shuffle) are all zero; a small random head keeps them meaningful."""
    torch.nn.init.trunc_normal_(model.head.weight, std=0.02)
    return model


def _head_classes(state_dict: dict[str, torch.Tensor]) -> int | None:
    head = state_dict.get("head.weight")
    return int(head.shape[0]) if head is not None and head.ndim == 2 else None


def _prepare(model: torch.nn.Module, name: str, weights: str, source: str, device: torch.device) -> LoadedModel:
    # Served models never train: without parameter gradients the saliency backward keeps far fewer tensors.
    model = model.eval().requires_grad_(False).to(device)
    cfg = {**model.pretrained_cfg, "num_classes": model.num_classes}
    labels = Words("status.untrained_head", labels=label_set(cfg)) if weights == "random" else label_set(cfg)
    data_config = resolve_model_data_config(model)
    return LoadedModel(
        model=model,
        name=name,
        weights=weights,
        source=source,
        device=device,
        class_names=class_names(cfg, model.num_classes),
        label_set=labels,
        data_config=data_config,
        transform=create_transform(**data_config, is_training=False),
    )


# ---------------------------------------------------------------------------------------------- the cache

_cache: OrderedDict[tuple, LoadedModel] = OrderedDict()
_cache_lock = threading.Lock()
LOADED_MODELS = 3  # the loader's own cache (every other cache is in explorer.memo): B/16 is 0.23 GiB, L/16 0.8


def load_model(
    name: str | None = None,
    weights: Weights = "pretrained",
    checkpoint: str | Path | None = None,
    device: str | torch.device | None = None,
    fallback: bool = True,
    precision: str | None = None,
) -> LoadedModel:
    """Load (or fetch from the cache) a model ready for inference.

    name: a timm Mixer name with or without tag ("mixer_b16_224", "mixer_b16_224.goog_in21k"), "embedded",
        or None for the best model that can run here.
    weights: "pretrained" (timm's weights; the embedded default's own) or "random" (seeded init).
    checkpoint: a safetensors file or torch state dict for the architecture `name` (default: embedded).
    fallback: when pretrained weights cannot be had, run the embedded default and say why, instead of raising.
    precision: "fp32", or "bf16" / "fp16" for faster batch predictions where the hardware has them (an analysis,
        whose demos check equalities to 1e-5, always runs in float32).
    """
    if weights not in WEIGHTS_CHOICES:
        raise ModelError(t("errors.loading.weights", choices=", ".join(WEIGHTS_CHOICES), weights=repr(weights)))
    device = resolve_device(device)
    name = name or (embedded.EMBEDDED_NAME if checkpoint else default_model_name())
    checkpoint = Path(checkpoint).resolve() if checkpoint else None
    precision = check_precision(precision or "fp32", device)
    try:
        loaded = _load_cached(name, weights, checkpoint, device)
    except WeightsUnavailable as exc:
        if not fallback or name == embedded.EMBEDDED_NAME:
            raise
        fallen = _load_cached(embedded.EMBEDDED_NAME, "pretrained", None, device)
        loaded = replace(fallen, requested=Words("status.requested", model=name, weights=Words(WEIGHTS_WORDS[weights])),
                         fallback=exc.args[0] if exc.args else str(exc))
    return loaded if precision == "fp32" else replace(loaded, precision=precision)


def _load_cached(name: str, weights: str, checkpoint: Path | None, device: torch.device) -> LoadedModel:
    stamp = checkpoint.stat().st_mtime_ns if checkpoint and checkpoint.is_file() else None
    key = (name, "checkpoint" if checkpoint else weights, str(checkpoint), stamp, str(device))
    with _cache_lock:  # one load at a time: two requests for the same model must not build it twice
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(RANDOM_SEED)
            model, source = _create(name, weights, checkpoint)
        loaded = _prepare(model, name, "checkpoint" if checkpoint else weights, source, device)
        _cache[key] = loaded
        while len(_cache) > LOADED_MODELS:
            _cache.popitem(last=False)
        return loaded


def availability(name: str) -> Words:
    """Whether `name` can run with pretrained weights here, in a few words (for pickers and tables): English to a
    program (list_models' JSON, comparisons), said in the reader's language when formatted."""
    if name == embedded.EMBEDDED_NAME:
        return (Words("status.available.assets") if embedded.WEIGHTS_PATH.exists()
                else Words("status.available.missing"))
    if not has_pretrained_weights(name):
        return Words("status.available.random_only")
    cfg = get_pretrained_cfg(name)
    if cached_weights_file(cfg.hf_hub_id):
        return Words("status.available.cache")
    reason = hub_unreachable_reason()
    if reason:
        return Words("status.available.offline")
    return Words("status.available.download")
