"""Linear interpolation: z(t) = (1 - t) z0 + t z1."""

from __future__ import annotations

import torch

from latentwalk.paths.base import combine, compute_dtype, pin_endpoints, register_path, unit_scale, unscale


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    dtype = compute_dtype(z0.dtype)
    a, b, tt = z0.flatten(1).to(dtype), z1.flatten(1).to(dtype), t.to(dtype)  # (B, D)
    s = unit_scale(a, b)  # (B,): near the largest float, rounding alone would give inf
    w1 = tt.expand(a.shape[0], -1)  # (B, T)
    z = unscale(combine(a / s[:, None], b / s[:, None], 1 - w1, w1), s)  # (B, T, D)
    z = z.view(z0.shape[0], t.shape[0], *z0.shape[1:])  # (B, T, *L)
    return pin_endpoints(z.to(z0.dtype), z0, z1, t)


register_path("lerp", "straight line between the codes; its midpoint falls inside the prior's shell")(lerp)


def crossfade(x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The data-space mix of the two inputs: the "double exposure" baseline."""
    return lerp(x0, x1, t)


register_path(
    "crossfade",
    "mix of the raw inputs in data space (double exposure); the baseline every walk is shown beside",
    space="data",
)(crossfade)
