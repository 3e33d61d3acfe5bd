"""Reconstruction: how far the walk's endpoints are from the real inputs.

A walk starts and ends at decode(encode(x)), not at x. If the model reconstructs its inputs
poorly, a smooth walk is still a walk between the wrong pictures; this says by how much.
"""

from __future__ import annotations

from latentwalk.metrics.base import FRAME_DISTANCES, MetricResult, WalkView, register_metric


@register_metric("reconstruction")
def reconstruction(walk: WalkView, distance: str = "l2") -> MetricResult | None:
    """Distance between each input (start, end) and the model's reconstruction of it."""
    if walk.inputs is None or walk.recon is None:
        return None
    d = FRAME_DISTANCES.get(distance)(walk.inputs[:2], walk.recon[:2])  # (2,)
    return MetricResult({"recon_error_start": float(d[0]), "recon_error_end": float(d[1])})
