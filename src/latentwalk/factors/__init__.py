"""Factors: directions in latent space that change one ground-truth factor, and their scores.

A walk-level part (it may import models, data, metrics, paths and render). `study` encodes a
dataset with a model, finds directions (atvec, balanced atvec, classifier normal, PCA) and
scores each against the factors a `FactorRecoverer` reads off decoded frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.factors.directions import (
    DIRECTIONS,
    Direction,
    atvec,
    balanced_atvec,
    binary_target,
    classifier_normal,
    find_direction,
    pca_directions,
    strata,
)
from latentwalk.factors.recover import (
    RECOVERERS,
    FactorInfo,
    FactorRecoverer,
    change,
    item_factor,
    recoverer_for,
)
from latentwalk.factors.scoring import (
    DirectionScore,
    alphas,
    best_for,
    factor_profiles,
    score_direction,
    start_codes,
    traverse,
)
from latentwalk.registry import import_submodules

import_submodules(__name__)  # a file that registers a recoverer (e.g. for sounds) is picked up

__all__ = [
    "DIRECTIONS",
    "RECOVERERS",
    "Direction",
    "DirectionScore",
    "FactorInfo",
    "FactorRecoverer",
    "Study",
    "alphas",
    "atvec",
    "balanced_atvec",
    "best_for",
    "binary_target",
    "change",
    "classifier_normal",
    "factor_profiles",
    "find_direction",
    "item_factor",
    "pca_directions",
    "recoverer_for",
    "score_direction",
    "start_codes",
    "strata",
    "traverse",
]


@dataclass
class Study:
    """A model's codes of a dataset's items, their factor values, and the dataset's recoverer."""

    model: Any
    dataset: str
    x: torch.Tensor  # (N, *X)
    codes: torch.Tensor  # (N, *L) posterior means
    recoverer: FactorRecoverer
    known: dict[str, torch.Tensor]  # the dataset's own factor values for these items
    seed: int = 0

    @classmethod
    def of(cls, model: Any, dataset: str, seed: int = 0, max_items: int = 2048) -> Study:
        from latentwalk.data import get_dataset
        from latentwalk.pipeline import encode_items

        recoverer = recoverer_for(dataset)
        split = get_dataset(dataset).load()
        n = len(split.x)
        keep = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:max_items].sort().values
        x = split.x[keep]
        codes = torch.cat([encode_items(model, x[i : i + 512], "mean", None) for i in range(0, len(x), 512)])
        return cls(model, dataset, x, codes, recoverer, {k: v[keep] for k, v in split.factors.items()}, seed)

    def values(self, factor: str) -> torch.Tensor:
        return item_factor(factor, self.x, self.known, self.recoverer)

    def info(self, factor: str) -> FactorInfo:
        if factor not in self.recoverer.factors:
            valid = ", ".join(self.recoverer.factors)
            raise InvalidParameterError(f"Dataset '{self.dataset}' has no factor '{factor}'; its factors: {valid}.")
        return self.recoverer.factors[factor]

    def direction(
        self, kind: str, factor: str, positive: float | None = None, negative: float | None = None, **options: Any
    ) -> Direction:
        """A direction of any registered kind (DIRECTIONS) for `factor`; options are the kind's own,
        e.g. component=2 for 'pca'."""
        others = None
        if kind == "balanced":  # the only kind that balances on the other factors: read them only then
            others = {f: (self.values(f), self.info(f)) for f in self.recoverer.factors if f != factor}
        return find_direction(kind, self.codes, factor, self.values(factor), self.info(factor),
                              positive, negative, others, self.seed, **options)

    def score(self, direction: Direction, n_starts: int = 8, span: float = 3.0, steps: int = 9) -> DirectionScore:
        starts = start_codes(self.codes, n_starts, self.seed)
        return score_direction(self.model, self.recoverer, direction, starts, span, steps)

