"""Traversals z + alpha * sigma * v, and scoring a direction against the ground-truth factors.

A direction explains a factor if walking along it changes that factor strongly and the others
little (Shen et al. 2020 and Harkonen et al. 2020 judge directions by eye; here the factors are
known, so we measure). For each of `n_starts` real items we decode the traversal over
alpha in [-span, span] (sigma units), recover every factor of every frame, and average how much
each factor moved (`recover.change`, in the factor's own unit). A direction's `own` score is
the change of the factor it was found for; its `leak` is the largest change of any other factor;
`selectivity` = own - leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.factors.directions import Direction
from latentwalk.factors.recover import FactorRecoverer, change


def alphas(span: float = 3.0, steps: int = 9) -> torch.Tensor:
    if not (0 < span <= 20) or not (2 <= steps <= 512):
        raise InvalidParameterError(f"A traversal needs 0 < span <= 20 (sigma units) and 2 to 512 steps; got {span} and {steps}.")
    return torch.linspace(-span, span, steps, dtype=torch.float64)


def traverse(z: torch.Tensor, direction: Direction, alpha: torch.Tensor) -> torch.Tensor:
    """Start codes (B, *L), alphas (J,) in sigma units -> (B, J, *L) codes z + alpha sigma v."""
    step = (alpha.to(z.dtype) * direction.sigma).reshape(1, -1, *([1] * (z.dim() - 1)))
    return z.unsqueeze(1) + step * direction.vector.to(z.dtype).unsqueeze(0).unsqueeze(0)


@dataclass
class DirectionScore:
    direction: Direction
    scores: dict[str, float]  # factor -> mean change along the traversal, in the factor's unit
    own: float | None
    leak: float
    selectivity: float | None

    def row(self, factors: list[str]) -> list[Any]:
        own = "–" if self.own is None else self.own
        sel = "–" if self.selectivity is None else self.selectivity
        return [self.direction.name, *[self.scores[f] for f in factors], own, self.leak, sel]


@torch.no_grad()
def _decode(model: Any, z: torch.Tensor) -> torch.Tensor:
    return torch.cat([model.decode(z[i : i + 256]) for i in range(0, len(z), 256)])


def factor_profiles(model: Any, recoverer: FactorRecoverer, codes: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Traversal codes (B, J, *L) -> frames (B, J, *X) and {factor: (B, J) or (B, J, C)}."""
    b, j = codes.shape[:2]
    frames = _decode(model, codes.reshape(b * j, *codes.shape[2:]))
    values = recoverer.recover(frames)
    return frames.reshape(b, j, *frames.shape[1:]), {k: v.reshape(b, j, *v.shape[1:]) for k, v in values.items()}


def score_direction(
    model: Any, recoverer: FactorRecoverer, direction: Direction, starts: torch.Tensor, span: float = 3.0, steps: int = 9
) -> DirectionScore:
    """Mean change of every factor over traversals from each start code (B, *L)."""
    codes = traverse(starts, direction, alphas(span, steps))  # (B, J, *L)
    _, values = factor_profiles(model, recoverer, codes)
    scores = {}
    for name, info in recoverer.factors.items():
        moved = [change(values[name][i], info.kind) for i in range(len(starts))]
        scores[name] = sum(moved) / len(moved) / info.scale
    own = scores.get(direction.factor) if direction.factor else None
    target = direction.factor if own is not None else max(scores, key=lambda k: scores[k])
    leak = max((v for k, v in scores.items() if k != target), default=0.0)
    selectivity = None if own is None else own - leak
    return DirectionScore(direction, scores, own, leak, selectivity)


def best_for(scores: list[DirectionScore], factor: str) -> DirectionScore:
    """The direction that moves `factor` most selectively (its change minus the largest other change)."""
    def sel(s: DirectionScore) -> float:
        return s.scores[factor] - max((v for k, v in s.scores.items() if k != factor), default=0.0)

    return max(scores, key=sel)


def start_codes(codes: torch.Tensor, n: int, seed: int = 0) -> torch.Tensor:
    """n codes of real items chosen with an explicit generator (never the global RNG)."""
    g = torch.Generator().manual_seed(seed)
    return codes[torch.randperm(len(codes), generator=g)[: min(n, len(codes))]]
