"""Distribution-matched linear interpolation for a N(0, I) prior.

Agustsson, Sage, Timofte, Van Gool, "Optimal transport maps for distribution preserving
operations on latent spaces of generative models", ICLR 2019: if z0, z1 ~ N(0, I) are
independent, (1 - t) z0 + t z1 ~ N(0, ((1 - t)^2 + t^2) I), so dividing by
sqrt((1 - t)^2 + t^2) keeps N(0, I) at every t. The denominator is >= 1/sqrt(2): never NaN.
"""

from __future__ import annotations

import torch

from latentwalk.paths.base import combine, compute_dtype, pin_endpoints, register_path, unit_scale, unscale


def matched(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    dtype = compute_dtype(z0.dtype)
    tt = t.to(dtype)
    a, b = z0.flatten(1).to(dtype), z1.flatten(1).to(dtype)  # (B, D)
    s = unit_scale(a, b)  # (B,): near the largest float, rounding alone would give inf
    scale = torch.sqrt((1 - tt) ** 2 + tt**2)  # (T,)
    w0, w1 = ((1 - tt) / scale).expand(a.shape[0], -1), (tt / scale).expand(a.shape[0], -1)  # (B, T)
    z = unscale(combine(a / s[:, None], b / s[:, None], w0, w1), s)  # (B, T, D)
    z = z.view(z0.shape[0], t.shape[0], *z0.shape[1:]).to(z0.dtype)
    return pin_endpoints(z, z0, z1, t)


register_path("matched", "lerp rescaled so that N(0, I) codes stay N(0, I) (Agustsson et al. 2019)")(matched)
