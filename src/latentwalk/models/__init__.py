"""Latent models: the contract, the families, checkpoints, training and built-in names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from latentwalk.errors import UnknownNameError
from latentwalk.models.base import DiagonalGaussian, LatentDist, LatentModel, PointMass
from latentwalk.models.builtin import BUILTINS, builtin_path, load_builtin, prepare_builtins
from latentwalk.models.checkpoint import load_checkpoint, save_checkpoint
from latentwalk.models.families import FAMILIES
from latentwalk.models.training import TrainConfig, build, train
from latentwalk.registry import import_submodules

import_submodules(__name__)  # every family file registers itself

__all__ = [
    "BUILTINS",
    "FAMILIES",
    "DiagonalGaussian",
    "LatentDist",
    "LatentModel",
    "PointMass",
    "TrainConfig",
    "build",
    "builtin_path",
    "load_builtin",
    "load_checkpoint",
    "load_model",
    "prepare_builtins",
    "save_checkpoint",
    "train",
]


def load_model(spec: str, progress: bool = True) -> tuple[nn.Module, dict[str, Any]]:
    """A built-in name (trained and cached on first use) or a checkpoint path -> (model, metadata)."""
    if spec in BUILTINS:
        return load_builtin(spec, progress)
    looks_like_path = any(ch in spec for ch in "/\\.") or Path(spec).exists()
    if looks_like_path:
        return load_checkpoint(spec)
    raise UnknownNameError(BUILTINS.unknown_message(spec) + " Or give a checkpoint folder path.")
