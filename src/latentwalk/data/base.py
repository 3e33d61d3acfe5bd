"""Embedded datasets: generated or shipped in packages, never downloaded.

A dataset gives a training array, its ground-truth factors, single items addressed by index
(`digits:17`) or by factor (`lines:angle=2.1`), and, where its factors can be recovered from a
picture, a `GroundTruth` for the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from latentwalk.errors import DataError
from latentwalk.registry import Registry


@dataclass
class Item:
    """One object to walk from or to: data (*X), where it came from, and its known factors."""

    x: torch.Tensor
    source: str
    factors: dict[str, float] = field(default_factory=dict)


@dataclass
class Split:
    """A dataset as arrays: x (N, *X) and each factor as (N,)."""

    x: torch.Tensor
    factors: dict[str, torch.Tensor]


class Dataset(Protocol):
    name: str
    modality: str  # "image" | "audio"
    item_shape: tuple[int, ...]
    factor_names: tuple[str, ...]

    def load(self) -> Split: ...

    def item(self, spec: str) -> Item: ...

    def ground_truth(self) -> Any | None: ...


DATASETS: Registry[type] = Registry("dataset")


def parse_factor_spec(spec: str, dataset: str, allowed: tuple[str, ...]) -> dict[str, float]:
    """'angle=2.1,scale=0.5' -> {'angle': 2.1, 'scale': 0.5}, with errors that teach."""
    out: dict[str, float] = {}
    for part in spec.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in allowed:
            raise DataError(
                f"'{dataset}:{spec}' is not an item: use an index ({dataset}:17) or a factor "
                f"({dataset}:{allowed[0]}=...); factors of {dataset}: {', '.join(allowed)}."
            )
        try:
            out[key] = float(value)
        except ValueError:
            raise DataError(f"Factor '{key}' in '{dataset}:{spec}' must be a number, got '{value}'.") from None
    return out


def parse_index(spec: str, dataset: str, n: int) -> int | None:
    """'17' -> 17 (checked against the size); anything else -> None."""
    if not spec.lstrip("-").isdigit():
        return None
    i = int(spec)
    if not 0 <= i < n:
        raise DataError(f"Index {i} is out of range for '{dataset}' (it has {n} items: 0 to {n - 1}).")
    return i
