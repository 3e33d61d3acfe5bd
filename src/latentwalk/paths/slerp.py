"""Spherical interpolation over the flattened code (Shoemake 1985; White 2016 for generative models).

We walk the great circle from the direction of z0 to the direction of z1 at constant angular
speed, and let the norm go linearly from |z0| to |z1|:

    z(t) = ((1 - t)|z0| + t|z1|) * (cos(t omega) u0 + sin(t omega) e),
    u0 = z0 / |z0|,  e = unit part of u1 orthogonal to u0,  omega = atan2(|u1 - c u0|, c),  c = <u0, u1>

For codes of equal norm this is exactly Shoemake's formula, so the norm is kept; for unequal
norms it keeps the norm monotone (Shoemake's form on raw vectors can bulge). Written this way
nothing is divided by sin(omega), which is what makes nearly (anti)parallel inputs unstable.

Fallbacks, so that the result is never NaN or inf:
- a zero-norm endpoint: plain lerp (the direction is undefined; the path is radial);
- parallel codes: the direction stays u0 and only the norm changes (the same as lerp);
- antiparallel codes: the great circle is not unique, so we turn through a fixed direction
  orthogonal to u0 (the coordinate axis least aligned with u0, Gram-Schmidt). Deterministic.

The pair is first divided by a power of two (`unit_scale`): the norm of a float32 code near 1e38
overflows and gave NaN; a subnormal code's norm underflowed to 0 and fell back to lerp.
"""

from __future__ import annotations

import torch

from latentwalk.paths.base import combine, compute_dtype, pin_endpoints, register_path, unit_scale, unscale
from latentwalk.paths.lerp import lerp

EPS = 1e-12
DEGENERATE = 1e-6  # |u1 - c u0| below this: (anti)parallel


def _orthogonal_unit(u: torch.Tensor) -> torch.Tensor:
    """(B, D) unit vectors -> (B, D) unit vectors orthogonal to them."""
    axis = torch.zeros_like(u)
    axis.scatter_(1, u.abs().argmin(dim=1, keepdim=True), 1.0)
    v = axis - (axis * u).sum(1, keepdim=True) * u
    return v / v.norm(dim=1, keepdim=True).clamp_min(EPS)


def _unit_slerp(a: torch.Tensor, b: torch.Tensor, tt: torch.Tensor) -> torch.Tensor:
    """(B, D), (B, D), (T,) -> (B, T, D) for codes whose largest entry is about 1 (see unit_scale)."""
    na, nb = a.norm(dim=1), b.norm(dim=1)  # (B,)
    u0, u1 = a / na.clamp_min(EPS)[:, None], b / nb.clamp_min(EPS)[:, None]
    c = (u0 * u1).sum(1)  # (B,)
    perp = u1 - c[:, None] * u0
    s = perp.norm(dim=1)
    e = perp / s.clamp_min(EPS)[:, None]
    antipodal = (s < DEGENERATE) & (c < 0)
    if bool(antipodal.any()):
        e = torch.where(antipodal[:, None], _orthogonal_unit(u0), e)
    omega = torch.atan2(s, c)  # (B,) in [0, pi]
    omega = torch.where(antipodal, torch.full_like(omega, torch.pi), omega)
    ang = tt[None, :] * omega[:, None]  # (B, T)
    norm = (1 - tt)[None, :] * na[:, None] + tt[None, :] * nb[:, None]  # (B, T)
    z = combine(u0, e, torch.cos(ang) * norm, torch.sin(ang) * norm)  # (B, T, D)
    zero = (na < EPS) | (nb < EPS)
    if bool(zero.any()):
        z = torch.where(zero[:, None, None], lerp(a, b, tt), z)
    return z


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    dtype = compute_dtype(z0.dtype)
    a, b, tt = z0.flatten(1).to(dtype), z1.flatten(1).to(dtype), t.to(dtype)  # (B, D)
    s = unit_scale(a, b)  # (B,) powers of two: norms of huge codes would overflow
    z = unscale(_unit_slerp(a / s[:, None], b / s[:, None], tt), s)  # (B, T, D)
    z = z.reshape(z0.shape[0], t.shape[0], *z0.shape[1:]).to(z0.dtype)  # (B, T, *L)
    return pin_endpoints(z, z0, z1, t)


register_path("slerp", "arc on the sphere between the codes; keeps the norm of equal-norm codes")(slerp)
