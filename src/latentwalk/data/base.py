"""Embedded datasets: generated or shipped in packages, never downloaded.

A dataset gives a training array, its ground-truth factors, single items addressed by index
(`digits:17`) or by factor (`lines:angle=2.1`), and, where its factors can be recovered from a
picture, a `GroundTruth` for the metrics.
"""

from __future__ import annotations

import math
import re
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


SHOWN_CHARS = 60  # an item spec longer than this is cut in messages, so an error stays one readable line
MAX_INDEX_DIGITS = 18  # int() refuses (and is slow on) thousands of digits; no dataset has 10^18 items
_INDEX = re.compile(r"-?[0-9]+")  # ASCII only: str.isdigit() also takes '²', which int() refuses


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """`text` as quoted in a one-line message: control characters escaped, the middle cut if long."""
    text = re.sub(r"[\x00-\x1f\x7f]", lambda m: repr(m[0])[1:-1], text)
    return text if len(text) <= limit else f"{text[: limit // 2 - 2]}...{text[-(limit // 2 - 1) :]}"


def factor_value(key: str, value: str, item: str) -> float:
    """'2.1' -> 2.1. float() also takes 'nan', 'inf' and '1e999' (= inf): those are refused here."""
    try:
        x = float(value)
    except ValueError:
        raise DataError(f"Factor '{key}' in '{shown(item)}' must be a number, got '{shown(value)}'.") from None
    if not math.isfinite(x):
        raise DataError(f"Factor '{key}' in '{shown(item)}' is '{shown(value)}'; factors must be finite numbers.")
    return x


def parse_factor_spec(spec: str, dataset: str, allowed: tuple[str, ...]) -> dict[str, float]:
    """'angle=2.1,scale=0.5' -> {'angle': 2.1, 'scale': 0.5}, with errors that teach."""
    out: dict[str, float] = {}
    for part in spec.split(","):
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or key not in allowed:
            raise DataError(
                f"'{shown(f'{dataset}:{spec}')}' is not an item: use an index ({dataset}:17) or a factor "
                f"({dataset}:{allowed[0]}=...); factors of {dataset}: {', '.join(allowed)}."
            )
        out[key] = factor_value(key, value, f"{dataset}:{spec}")
    return out


def parse_index(spec: str, dataset: str, n: int) -> int | None:
    """'17' -> 17 (checked against the size); '' -> DataError; anything else -> None (a factor spec).

    Every dataset's `item` calls this first, so the empty spec is refused here once for all."""
    s = spec.strip()
    if not s:
        raise DataError(f"'{dataset}:' names no item; add an index ({dataset}:17) or a factor ({dataset}:FACTOR=VALUE).")
    if not _INDEX.fullmatch(s):
        return None
    i = int(s) if len(s.lstrip("-")) <= MAX_INDEX_DIGITS else None
    if i is None or not 0 <= i < n:
        raise DataError(f"Index {shown(s)} is out of range for '{dataset}' (it has {n} items: 0 to {n - 1}).")
    return i
