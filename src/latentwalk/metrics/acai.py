"""The two interpolation scores of the ACAI "lines" benchmark.

Berthelot, Raffel, Roy, Goodfellow, "Understanding and Improving Interpolation in Autoencoders
via an Adversarial Regularizer", ICLR 2019, section 3 and appendix A.2; the definitions below
follow the authors' evaluation code (github.com/brain-research/acai, lib/eval.py), which is
the reference for the numbers in their table 1.

Frames x_1..x_N of one walk, each matched to its nearest clean line with angle L_n:

- Mean Distance = (1/N) sum_n dist(x_n, nearest clean line), over all N frames, endpoints
  included. Lower is better; a crossfade of two lines is far from every single line.
- Smoothness = max_n |L_{n+1} - L_n| / |L_N - L_1| - 1/(N-1), with the angles unwrapped
  first (each step taken the short way round, |step| <= pi, as numpy.unwrap does). 0 when the
  angle moves in N-1 equal steps; close to 1 - 1/(N-1) when it switches in one step (the
  crossfade). Undefined when the endpoints share an angle (|L_N - L_1| < 1e-4).

Deviations, said plainly:
- The distance is whatever `GroundTruth.nearest` returns. `latentwalk.data.lines.LinesGroundTruth`
  uses the authors' cosine distance, to a bank of 3,600 clean lines (one every 0.1 degree; they
  use 10,000). Its lines are drawn by this project's own anti-aliased recipe, not the benchmark's
  `draw_line`, so Mean Distance values compare between walks here but not with the paper's table.
- The paper's table prints Mean Distance x 10^3 (its "x 10^-3" column); we report the raw value.
- Where the score is undefined the authors store NaN and leave it out of the average; NaN is
  not JSON, so we leave the `smoothness` key out of the summary instead.
- Like the authors' code, the denominator is the net change of the unwrapped angle, so a walk
  that turns the long way round (more than pi) is not penalised by `smoothness` itself. The
  paper's ideal interpolation takes the shorter arc, so we add `angle_change` (that net change)
  and `shortest_arc` (the shorter arc between the endpoint angles): they differ when the walk
  went the long way.
"""

from __future__ import annotations

import math

import numpy as np

from latentwalk.metrics.base import MetricResult, WalkView, register_metric

UNDEFINED_BELOW = 1e-4  # radians of net change under which Smoothness is undefined (as the authors)


def unwrap(angles: np.ndarray) -> np.ndarray:
    """Angles in radians -> a continuous sequence: every step taken the short way (|step| <= pi)."""
    return np.unwrap(angles.astype(np.float64))


def acai_smoothness(angles: np.ndarray) -> float | None:
    """max |step| / |net change| - 1/(N-1) over unwrapped angles; None when the net change is ~0."""
    a = unwrap(angles)
    total = abs(a[-1] - a[0])
    if total < UNDEFINED_BELOW or a.size < 2:
        return None
    return float(np.abs(np.diff(a)).max() / total - 1.0 / (a.size - 1))


def shortest_arc(a0: float, a1: float) -> float:
    """The shorter arc between two angles, in [0, pi]."""
    d = (a1 - a0) % (2 * math.pi)
    return float(min(d, 2 * math.pi - d))


@register_metric("acai")
def acai(walk: WalkView) -> MetricResult | None:
    """Mean Distance and Smoothness of Berthelot et al. 2019 on datasets with an angle factor."""
    if walk.ground_truth is None:
        return None
    factors, dist = walk.ground_truth.nearest(walk.frames)
    if "angle" not in factors:
        return None
    angles = factors["angle"].detach().cpu().double().numpy()  # (T,)
    line_distance = dist.detach().cpu().double().numpy()  # (T,)
    a = unwrap(angles)
    summary = {
        "mean_distance": float(line_distance.mean()),
        "angle_change": float(abs(a[-1] - a[0])),
        "shortest_arc": shortest_arc(float(angles[0]), float(angles[-1])),
    }
    score = acai_smoothness(angles)
    if score is not None:
        summary["smoothness"] = score
    return MetricResult(summary, {"angle": angles.tolist(), "line_distance": line_distance.tolist()})
