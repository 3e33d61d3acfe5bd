"""Linear interpolation: z(t) = (1 - t) z0 + t z1."""

from __future__ import annotations

import torch

from latentwalk.paths.base import (
    compute_dtype,
    near_overflow,
    needs_grad,
    pin_endpoints,
    register_path,
    unit_scale,
    write_frames,
)


def lerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    dtype = compute_dtype(z0.dtype)
    a, b, tt = z0.flatten(1).to(dtype), z1.flatten(1).to(dtype), t.to(dtype)  # (B, D)
    s = unit_scale(a, b)  # (B,)
    scale = s if near_overflow(s) else None  # torch.lerp takes z1 - z0, which can overflow there
    if scale is not None:
        a, b = a / scale[:, None], b / scale[:, None]
    w = tt[None, :, None]  # (1, T, 1)

    def fill(rows: slice, out: torch.Tensor | None) -> torch.Tensor:
        return torch.lerp(a[rows, None], b[rows, None], w, out=out)  # (C, T, D) in one pass

    shape = (a.shape[0], tt.shape[0], a.shape[1])
    z = write_frames(shape, z0.dtype, z0.device, dtype, fill, scale, needs_grad(z0, z1, t))
    return pin_endpoints(z.view(z0.shape[0], t.shape[0], *z0.shape[1:]), z0, z1, t)  # (B, T, *L)


register_path("lerp", "straight line between the codes; its midpoint falls inside the prior's shell")(lerp)


def crossfade(x0: torch.Tensor, x1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The data-space mix of the two inputs: the "double exposure" baseline."""
    return lerp(x0, x1, t)


register_path(
    "crossfade",
    "mix of the raw inputs in data space (double exposure); the baseline every walk is shown beside",
    space="data",
)(crossfade)
