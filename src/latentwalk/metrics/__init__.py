"""Quality of a walk: smoothness, typicality, reconstruction, ACAI scores, PPL.

Importing this package registers every metric in `METRICS` and every frame distance in
`FRAME_DISTANCES`; `compute_metrics` runs them on one walk.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.metrics.base import (
    FRAME_DISTANCES,
    METRICS,
    FrameDistance,
    GroundTruth,
    Metric,
    MetricResult,
    WalkView,
    register_metric,
)
from latentwalk.metrics.distances import l2_distance, ssim_distance, step_distances
from latentwalk.metrics.ppl import perceptual_path_length, ppl_samples, trim_outliers
from latentwalk.metrics.smoothness import count_jumps, evenness, gini, max_step_ratio
from latentwalk.registry import import_submodules

import_submodules(__name__)  # every metric file registers itself

__all__ = [
    "FRAME_DISTANCES",
    "METRICS",
    "FrameDistance",
    "GroundTruth",
    "Metric",
    "MetricResult",
    "WalkView",
    "check_walk",
    "compute_metrics",
    "count_jumps",
    "evenness",
    "gini",
    "l2_distance",
    "max_step_ratio",
    "perceptual_path_length",
    "ppl_samples",
    "register_metric",
    "ssim_distance",
    "step_distances",
    "trim_outliers",
]


def _shape(x: Any) -> Any:
    return tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__


def check_walk(walk: Any) -> None:
    """Raise InvalidParameterError unless `walk` is a WalkView with T >= 2 consistent frames."""
    if not isinstance(walk, WalkView):
        raise InvalidParameterError(f"`walk` must be a WalkView, got {type(walk).__name__}.")
    frames, ts = walk.frames, walk.ts
    if not isinstance(frames, torch.Tensor) or frames.dim() < 2 or frames.shape[0] < 2:
        raise InvalidParameterError(
            f"`walk.frames` must be a tensor (T, *X) with T >= 2, got {_shape(frames)}."
        )
    t = frames.shape[0]
    if not isinstance(ts, torch.Tensor) or tuple(ts.shape) != (t,):
        raise InvalidParameterError(
            f"`walk.ts` must have shape ({t},) to match the frames, got {_shape(ts)}."
        )
    if walk.codes is not None and (not isinstance(walk.codes, torch.Tensor) or walk.codes.shape[0] != t):
        raise InvalidParameterError(
            f"`walk.codes` must be (T={t}, *L) to match the frames, got {_shape(walk.codes)}."
        )
    for name in ("inputs", "recon"):
        x = getattr(walk, name)
        if x is not None and (not isinstance(x, torch.Tensor) or tuple(x.shape) != (2, *frames.shape[1:])):
            raise InvalidParameterError(
                f"`walk.{name}` must be (2, {', '.join(map(str, frames.shape[1:]))}) like the frames, got {_shape(x)}."
            )


def _accepts_distance(metric: Metric) -> bool:
    return "distance" in inspect.signature(metric).parameters


def compute_metrics(
    walk: WalkView, names: list[str] | None = None, distance: str = "rms"
) -> dict[str, MetricResult]:
    """Run the named metrics (default: all registered) on a walk; those that do not apply are left out.

    `distance` (a FRAME_DISTANCES name) goes to every metric that compares frames.
    """
    check_walk(walk)
    FRAME_DISTANCES.get(distance)  # an unknown name fails here, with a "did you mean"
    if names is not None and (isinstance(names, str) or not all(isinstance(n, str) for n in names)):
        raise InvalidParameterError(f"`names` must be a list of metric names or None, got {names!r}.")
    metrics = {name: METRICS.get(name) for name in (METRICS.names() if names is None else names)}
    results: dict[str, MetricResult] = {}
    for name, metric in metrics.items():
        result = metric(walk, distance=distance) if _accepts_distance(metric) else metric(walk)
        if result is not None:
            results[name] = result
    return results
