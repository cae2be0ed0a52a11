"""Which device a model runs on, and its name in words for people."""
from __future__ import annotations

import platform
from pathlib import Path

import torch

from explorer.errors import ModelError


def best_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cpu_name() -> str:
    """The CPU's model name (Linux reports it in /proc/cpuinfo; elsewhere what `platform` knows)."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    named = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "")
    return named or platform.processor() or "unknown model"


def device_name(device: torch.device) -> str:
    """The device in words, for people: the GPU's model, or the CPU's."""
    return torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU ({cpu_name()})"


def resolve_device(device: str | torch.device | None) -> torch.device:
    if device is None or device == "auto":
        return best_device()
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ModelError(f"unknown device {device!r}; use cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ModelError("device cuda was asked for, but no CUDA GPU is available here; use --device cpu")
    return device
