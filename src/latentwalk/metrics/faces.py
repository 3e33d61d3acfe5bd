"""Scores of a walk between faces, read off every frame by the faces probe.

The faces dataset's ground truth (`latentwalk.data.faces.FacesGroundTruth`) gives, per frame,
the factors a probe recovers (smile, yaw, light, ...) and the off-manifold distance: the pixel
RMS between the frame and the clean face redrawn from those factors. On top of them:

- factor_monotonicity: for every factor that changes by more than CHANGED between the first and
  the last frame, |net change| / total variation along the walk (1 = it moves from A's value to
  B's without a detour; 0 = it comes back to where it started), averaged over those factors.
  Left out of the summary when no factor changes that much (the score is undefined there).
- mid_off_manifold: the mean off-manifold distance over the middle third of the frames, where
  a cross-fade shows its double exposure; mean_off_manifold: over all frames.
"""

from __future__ import annotations

import numpy as np

from latentwalk.metrics.base import MetricResult, WalkView, register_metric

CHANGED = 0.2  # net change (on the factors' -1..1 scale, or of the glasses probability) that counts


def monotonicity(values: np.ndarray) -> float:
    """(T,) values -> |v[-1] - v[0]| / sum |steps|: 1 for a walk without detours."""
    tv = float(np.abs(np.diff(values)).sum())
    return abs(float(values[-1] - values[0])) / tv if tv > 0 else 1.0


def factor_monotonicity(factors: dict[str, np.ndarray], changed: float = CHANGED) -> float | None:
    """Mean monotonicity over the factors whose net change exceeds `changed`; None if there is none."""
    scores = [monotonicity(v) for v in factors.values() if abs(float(v[-1] - v[0])) > changed]
    return float(np.mean(scores)) if scores else None


def middle_third(t: int) -> slice:
    """Indices of the middle third of t frames (at least one frame)."""
    lo, hi = t // 3, t - t // 3
    return slice(lo, max(hi, lo + 1))


@register_metric("faces")
def faces(walk: WalkView) -> MetricResult | None:
    """Factor monotonicity and off-manifold distance of a walk on the faces dataset."""
    gt = walk.ground_truth
    if gt is None or getattr(gt, "name", None) != "faces":
        return None
    found, dist = gt.nearest(walk.frames)
    values = {k: v.detach().cpu().double().numpy() for k, v in found.items()}  # each (T,)
    d = dist.detach().cpu().double().numpy()  # (T,)
    summary = {
        "mid_off_manifold": float(d[middle_third(d.size)].mean()),
        "mean_off_manifold": float(d.mean()),
    }
    score = factor_monotonicity(values)
    if score is not None:
        summary["factor_monotonicity"] = score
    profile = {k: v.tolist() for k, v in values.items()}
    profile["off_manifold"] = d.tolist()
    return MetricResult(summary, profile)
