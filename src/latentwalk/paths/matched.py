"""Distribution-matched linear interpolation for a N(0, I) prior.

Agustsson, Sage, Timofte, Van Gool, "Optimal transport maps for distribution preserving
operations on latent spaces of generative models", ICLR 2019: if z0, z1 ~ N(0, I) are
independent, (1 - t) z0 + t z1 ~ N(0, ((1 - t)^2 + t^2) I), so dividing by
sqrt((1 - t)^2 + t^2) keeps N(0, I) at every t. The denominator is >= 1/sqrt(2): never NaN.
"""

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


def matched(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    dtype = compute_dtype(z0.dtype)
    a, b, tt = z0.flatten(1).to(dtype), z1.flatten(1).to(dtype), t.to(dtype)  # (B, D)
    s = unit_scale(a, b)  # (B,)
    scale = s if near_overflow(s) else None  # near the largest float, rounding alone would give inf
    if scale is not None:
        a, b = a / scale[:, None], b / scale[:, None]
    norm = torch.sqrt((1 - tt) ** 2 + tt**2)  # (T,)
    w0, w1 = ((1 - tt) / norm)[None, :, None], (tt / norm)[None, :, None]  # (1, T, 1)

    def fill(rows: slice, out: torch.Tensor | None) -> torch.Tensor:
        return torch.mul(a[rows, None], w0, out=out).addcmul_(b[rows, None], w1)  # (C, T, D)

    shape = (a.shape[0], tt.shape[0], a.shape[1])
    z = write_frames(shape, z0.dtype, z0.device, dtype, fill, scale, needs_grad(z0, z1, t))
    return pin_endpoints(z.view(z0.shape[0], t.shape[0], *z0.shape[1:]), z0, z1, t)  # (B, T, *L)


register_path("matched", "lerp rescaled so that N(0, I) codes stay N(0, I) (Agustsson et al. 2019)")(matched)
