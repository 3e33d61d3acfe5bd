"""The metric contract: a walk in, named numbers and per-step profiles out.

A metric is registered with `@register_metric("name")` and is called as `metric(walk, **options)`
returning a `MetricResult`. `summary` holds scalar scores (floats, JSON-safe); `profile` holds
per-step curves (lists of floats) so a plot can show *where* a walk jumps. A metric that does not
apply to a walk (e.g. typicality for the data-space crossfade, or ACAI scores outside the lines
dataset) returns None from `metric(...)` instead of a result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

from latentwalk.registry import Registry


class GroundTruth(Protocol):
    """Provided by datasets with known factors: recovers the factor of a frame and its realism."""

    name: str  # the dataset, e.g. "lines"

    def nearest(self, frames: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """frames (T, *X) -> ({factor: (T,) values}, (T,) distance to the nearest clean item)."""
        ...


@dataclass
class WalkView:
    """What a metric sees of one walk.

    frames: (T, *X) decoded frames (images (T, C, H, W) in [0, 1]); for the crossfade, the mix.
    ts: (T,) position of each frame along the walk in [0, 1].
    codes: (T, *L) the codes walked, or None for data-space paths (crossfade).
    prior: "gaussian" | "uniform" | "none".
    inputs: (2, *X) the two real inputs the walk starts and ends at, if any (for recon error).
    recon: (2, *X) the model's reconstruction of those inputs, if any.
    decode: the model's decoder (B, *L) -> (B, *X), for metrics that re-decode (PPL).
    ground_truth: factor recovery for datasets with known factors (lines), else None.
    reference: real items to compare frames with (the model's training data), else None.
    method: the path method's name.
    """

    frames: torch.Tensor
    ts: torch.Tensor
    codes: torch.Tensor | None = None
    prior: str = "none"
    inputs: torch.Tensor | None = None
    recon: torch.Tensor | None = None
    decode: Callable[[torch.Tensor], torch.Tensor] | None = None
    ground_truth: GroundTruth | None = None
    method: str = ""
    reference: torch.Tensor | None = None  # (N, *X) real items (the training data), for realism
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class MetricResult:
    summary: dict[str, float]
    profile: dict[str, list[float]] = field(default_factory=dict)


Metric = Callable[..., "MetricResult | None"]
METRICS: Registry[Metric] = Registry("metric")


def register_metric(name: str) -> Callable[[Metric], Metric]:
    return METRICS.register(name)


FrameDistance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
FRAME_DISTANCES: Registry[FrameDistance] = Registry("frame distance")
"""A frame distance maps two batches (N, *X), (N, *X) -> (N,) non-negative distances."""
