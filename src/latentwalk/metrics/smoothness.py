"""Smoothness: are the decoded steps of a walk even, or does it jump?

Profile `step` has T-1 values: step i is the distance from frame i to frame i+1 (no padding, so
a plot puts step i between frames i and i+1).
"""

from __future__ import annotations

import torch

from latentwalk.metrics.base import MetricResult, WalkView, register_metric
from latentwalk.metrics.distances import step_distances

JUMP_FACTOR = 3.0  # a step larger than this many median steps is a jump
TINY = 1e-12  # steps at or below this are "no change", never a jump


def gini(x: torch.Tensor) -> float:
    """Gini coefficient of non-negative values: 0 when all are equal, (n-1)/n when one holds all.

    G = sum_i sum_j |x_i - x_j| / (2 n^2 mean), computed from the sorted values as
    G = 2 sum_i i x_(i) / (n sum x) - (n + 1) / n with i = 1..n. All-zero input gives 0.
    """
    v = x.detach().to(torch.float64).flatten().sort().values
    n, total = v.numel(), float(v.sum())
    if n == 0 or total <= 0.0:
        return 0.0
    rank = torch.arange(1, n + 1, dtype=torch.float64)
    g = float(2.0 * (rank * v).sum() / (n * total) - (n + 1) / n)
    return min(max(g, 0.0), 1.0)  # equal values can round to -2e-16; G lies in [0, 1) by definition


def evenness(steps: torch.Tensor) -> float:
    """1 - Gini of the steps: 1.0 for a perfectly even walk, lower when change bunches up.

    He, Wang, Liu, Yao, "AID: Attention Interpolation of Text-to-Image Diffusion", NeurIPS 2024,
    score smoothness by the Gini coefficient of the perceptual distances between adjacent
    images (lower Gini = more even). We report 1 - G so that higher is better.
    """
    return 1.0 - gini(steps)


def max_step_ratio(steps: torch.Tensor) -> float:
    """max / mean step: 1.0 for equal steps, about T-1 when one step does all the change.

    A walk that does not move at all (every step 0) is even: 1.0.
    """
    mean = float(steps.mean())
    return float(steps.max()) / mean if mean > TINY else 1.0


def count_jumps(steps: torch.Tensor, factor: float = JUMP_FACTOR) -> int:
    """Steps larger than `factor` x the median step (and larger than TINY).

    The median is robust to the jumps themselves. When most steps are 0 (a walk that holds
    still and then switches), the median is 0 and every non-zero step counts as a jump.
    """
    threshold = max(factor * float(steps.median()), TINY)
    return int((steps > threshold).sum())


def step_summary(steps: torch.Tensor) -> MetricResult:
    """(T-1,) adjacent-frame distances, under any distance -> path length, evenness, jumps."""
    summary = {
        "path_length": float(steps.sum()),
        "max_step_ratio": max_step_ratio(steps),
        "evenness": evenness(steps),
        "jumps": float(count_jumps(steps)),
    }
    return MetricResult(summary, {"step": steps.tolist()})


@register_metric("smoothness")
def smoothness(walk: WalkView, distance: str = "rms") -> MetricResult:
    """Adjacent-frame distances and how evenly they are spread along the walk."""
    return step_summary(step_distances(walk.frames, distance))  # (T-1,) steps
