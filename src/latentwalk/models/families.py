"""The registry of model families. Each family is an nn.Module class with a frozen-dataclass
config; checkpoints name the family and its version, and loading goes through this registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, fields
from typing import Any, ClassVar, Protocol

import torch
from torch import nn

from latentwalk.errors import CheckpointError, InvalidParameterError
from latentwalk.registry import Registry

# Caps on family configs, checked before anything is allocated (a config may come from a stranger's
# config.json). Far above what latentwalk's families need on a CPU.
MAX_LATENT_DIM = 65_536
MAX_WIDTH = 4_096
MAX_DEPTH = 64
MAX_PARAMS = 250_000_000  # ~1 GB of float32 weights


class Family(Protocol):
    family: ClassVar[str]
    version: ClassVar[int]
    config_class: ClassVar[type]

    def __init__(self, config: Any) -> None: ...

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None) -> dict[str, torch.Tensor]: ...


FAMILIES: Registry[type] = Registry("model family", group="latentwalk.models")


def check_param_budget(owner: str, build: Callable[[], nn.Module]) -> None:
    """Raise InvalidParameterError if the module `build` makes has more than MAX_PARAMS parameters.
    Built on the meta device: shapes only, no memory, no random numbers drawn."""
    with torch.device("meta"):
        n = sum(p.numel() for p in build().parameters())
    if n > MAX_PARAMS:
        raise InvalidParameterError(
            f"{owner} would build a model of {n:,} parameters, over latentwalk's limit of {MAX_PARAMS:,}; "
            "lower latent_dim, width, size or depth."
        )


def config_to_json(config: Any) -> dict[str, Any]:
    d = asdict(config)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def config_from_json(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise CheckpointError(f"Checkpoint \"config\" must be a JSON object of {cls.__name__} fields, not {type(data).__name__}.")
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise CheckpointError(f"Checkpoint config has unknown keys {sorted(unknown)} for {cls.__name__}.")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"Checkpoint config does not fit {cls.__name__}: {str(exc).rstrip('.')}.") from None
