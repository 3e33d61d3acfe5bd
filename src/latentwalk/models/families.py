"""The registry of model families. Each family is an nn.Module class with a frozen-dataclass
config; checkpoints name the family and its version, and loading goes through this registry."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, ClassVar, Protocol

import torch

from latentwalk.errors import CheckpointError
from latentwalk.registry import Registry


class Family(Protocol):
    family: ClassVar[str]
    version: ClassVar[int]
    config_class: ClassVar[type]

    def __init__(self, config: Any) -> None: ...

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None) -> dict[str, torch.Tensor]: ...


FAMILIES: Registry[type] = Registry("model family")


def config_to_json(config: Any) -> dict[str, Any]:
    d = asdict(config)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


def config_from_json(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise CheckpointError(f"Checkpoint config has unknown keys {sorted(unknown)} for {cls.__name__}.")
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise CheckpointError(f"Checkpoint config does not fit {cls.__name__}: {exc}.") from None
