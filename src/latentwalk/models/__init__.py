"""Latent models: the contract, the families, checkpoints, training and built-in names."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from latentwalk.errors import UnknownNameError
from latentwalk.models.base import DiagonalGaussian, LatentDist, LatentModel, PointMass
from latentwalk.models.builtin import BUILTINS, builtin_path, load_builtin, prepare_builtins
from latentwalk.models.checkpoint import load_checkpoint, save_checkpoint
from latentwalk.models.families import FAMILIES
from latentwalk.models.training import TrainConfig, build, train
from latentwalk.registry import Registry, import_submodules

import_submodules(__name__, skip=("ship",))  # every family file registers itself (ship is a maintainer tool)

__all__ = [
    "BUILTINS",
    "FAMILIES",
    "MODEL_LOADERS",
    "DiagonalGaussian",
    "LatentDist",
    "LatentModel",
    "ModelLoader",
    "PointMass",
    "TrainConfig",
    "build",
    "builtin_path",
    "load_builtin",
    "load_checkpoint",
    "load_model",
    "open_model",
    "prepare_builtins",
    "save_checkpoint",
    "train",
]


@dataclass(frozen=True)
class ModelLoader:
    """One kind of `--model` spec: `accepts(spec)` is cheap (no weights read); `load(spec, progress)`."""

    order: int
    accepts: Callable[[str], bool]
    load: Callable[[str, bool], tuple[nn.Module, dict[str, Any]]]


MODEL_LOADERS: Registry[ModelLoader] = Registry("model loader")
"""Tried in `order`; the first that accepts a spec loads it. Add a format with one `add` call."""


def _looks_like_path(spec: str) -> bool:
    return any(ch in spec for ch in "/\\.") or Path(spec).exists()


def _diffusers_folder(spec: str) -> bool:
    from latentwalk.models.ldm import is_diffusers_folder

    return Path(spec).is_dir() and is_diffusers_folder(spec)


def _load_diffusers(spec: str, progress: bool) -> tuple[nn.Module, dict[str, Any]]:
    from latentwalk.models.ldm import load_autoencoder_kl

    return load_autoencoder_kl(spec)


def _torchscript(spec: str) -> bool:
    from latentwalk.models.torchscript import is_torchscript

    return is_torchscript(spec)


def _load_torchscript(spec: str, progress: bool) -> tuple[nn.Module, dict[str, Any]]:
    from latentwalk.models.torchscript import load_torchscript

    return load_torchscript(spec)


def _hub_name(spec: str) -> bool:
    from latentwalk.models.ldm import looks_like_hub_name

    return looks_like_hub_name(spec)


def _refuse_hub_name(spec: str, progress: bool) -> tuple[nn.Module, dict[str, Any]]:
    from latentwalk.models.ldm import hub_name_error

    raise hub_name_error(spec)


def _exported(spec: str) -> bool:
    if not spec.lower().endswith(".pt2"):  # cheap: only .pt2 files are read as torch.export programs
        return False
    from latentwalk.models.export import is_exported

    return is_exported(spec)


def _load_exported(spec: str, progress: bool) -> tuple[nn.Module, dict[str, Any]]:
    from latentwalk.models.export import load_exported

    return load_exported(spec)


MODEL_LOADERS.add("builtin", ModelLoader(0, lambda s: s in BUILTINS, load_builtin))
MODEL_LOADERS.add("exported", ModelLoader(25, _exported, _load_exported))
MODEL_LOADERS.add("diffusers", ModelLoader(20, _diffusers_folder, _load_diffusers))
MODEL_LOADERS.add("torchscript", ModelLoader(30, _torchscript, _load_torchscript))
MODEL_LOADERS.add("hub-name", ModelLoader(40, _hub_name, _refuse_hub_name))
MODEL_LOADERS.add("checkpoint", ModelLoader(100, _looks_like_path, lambda s, p: load_checkpoint(s)))


def open_model(spec: str, progress: bool = True) -> tuple[nn.Module, dict[str, Any]]:
    """A built-in name, a latentwalk checkpoint folder, a `.pt2` export, a diffusers AutoencoderKL
    folder or a TorchScript model -> (module, metadata): the loaders' own answer, which
    `latentwalk.load_model` turns into a Model that carries both."""
    for name in sorted(MODEL_LOADERS.names(), key=lambda n: MODEL_LOADERS.get(n).order):
        loader = MODEL_LOADERS.get(name)
        if loader.accepts(spec):
            return loader.load(spec, progress)
    raise UnknownNameError(
        BUILTINS.unknown_message(spec) + " Or give a checkpoint folder, a .pt2 file (torch.export, see docs/models.md) or a diffusers AutoencoderKL folder."
    )


load_model = open_model  # the old name, until every caller uses latentwalk.load_model
