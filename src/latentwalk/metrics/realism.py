"""Reconstruction: how far the walk's endpoints are from the real inputs.

A walk starts and ends at decode(encode(x)), not at x. If the model reconstructs its inputs
poorly, a smooth walk is still a walk between the wrong pictures; this says by how much.
"""

from __future__ import annotations

import math

import torch

from latentwalk.metrics.base import FRAME_DISTANCES, MetricResult, WalkView, register_metric


@register_metric("reconstruction")
def reconstruction(walk: WalkView, distance: str = "rms") -> MetricResult | None:
    """Distance between each input (start, end) and the model's reconstruction of it."""
    if walk.inputs is None or walk.recon is None:
        return None
    d = FRAME_DISTANCES.get(distance)(walk.inputs[:2], walk.recon[:2])  # (2,)
    return MetricResult({"recon_error_start": float(d[0]), "recon_error_end": float(d[1])})


@register_metric("realism")
def realism(walk: WalkView) -> MetricResult | None:
    """Distance from every frame to the nearest real item of the model's training data.

    A double exposure, or garbage in the middle of a walk, is far from every real item even when
    it changes smoothly. Reported as pixel RMS to the nearest neighbour (Euclidean in data space),
    and `middle_excess`: how much farther the worst interior frame is than the worse endpoint.
    Needs `walk.reference` (N, *X); returns None without it.
    """
    ref = walk.reference
    if ref is None:
        return None
    f = walk.frames.reshape(walk.frames.shape[0], -1).to(torch.float32)  # (T, D)
    r = ref.reshape(ref.shape[0], -1).to(torch.float32)  # (N, D)
    nn = torch.cdist(f, r).min(dim=1).values / math.sqrt(f.shape[1])  # (T,)
    ends = float(torch.maximum(nn[0], nn[-1]))
    interior = float(nn[1:-1].max()) if len(nn) > 2 else ends
    return MetricResult(
        {"mean_nn_distance": float(nn.mean()), "max_nn_distance": float(nn.max()), "middle_excess": interior - ends},
        {"nn_distance": nn.tolist()},
    )
