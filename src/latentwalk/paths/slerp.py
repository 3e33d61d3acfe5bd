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
overflows and gave NaN; a subnormal code's norm underflowed to 0 and fell back to lerp. The
frames are then written once, as cu u0 + cv e in cache-sized chunks of pairs (`write_frames`),
with the power of two folded into the (B, T) weights cu, cv wherever that is exact (`folds`).
"""

from __future__ import annotations

import torch

from latentwalk.paths.base import (
    compute_dtype,
    folds,
    needs_grad,
    pin_endpoints,
    register_path,
    unit_scale,
    write_frames,
)

EPS = 1e-12
DEGENERATE = 1e-6  # |u1 - c u0| below this: (anti)parallel


def _orthogonal_unit(u: torch.Tensor) -> torch.Tensor:
    """(B, D) unit vectors -> (B, D) unit vectors orthogonal to them."""
    axis = torch.zeros_like(u)
    axis.scatter_(1, u.abs().argmin(dim=1, keepdim=True), 1.0)
    v = axis - (axis * u).sum(1, keepdim=True) * u
    return v / v.norm(dim=1, keepdim=True).clamp_min(EPS)


def _arc(
    a: torch.Tensor, b: torch.Tensor, tt: torch.Tensor, overwrite: bool
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The path for (B, D) codes whose largest entry is about 1 (see unit_scale), as
    z[b, t] = cu[b, t] u[b] + cv[b, t] v[b]: (B, D) vectors u, v and (B, T) weights cu, cv.

    overwrite: a and b are the caller's own fresh tensors and become u0 and e in place (each new
    (B, D) tensor costs its page faults, about as much as the arithmetic on it); not when the
    codes need gradients, which in-place ops would break."""
    div, addcmul = (torch.Tensor.div_, torch.Tensor.addcmul_) if overwrite else (torch.div, torch.addcmul)
    na, nb = torch.linalg.vector_norm(a, dim=1), torch.linalg.vector_norm(b, dim=1)  # (B,)
    zero = (na < EPS) | (nb < EPS)  # the direction is undefined: the straight line (lerp)
    line = (a.clone(), b.clone()) if bool(zero.any()) else None
    u0, u1 = div(a, na.clamp_min(EPS)[:, None]), div(b, nb.clamp_min(EPS)[:, None])
    c = torch.linalg.vecdot(u0, u1)  # (B,)
    e = addcmul(u1, u0, c[:, None], value=-1)  # u1 - c u0, the part of u1 orthogonal to u0
    s = torch.linalg.vector_norm(e, dim=1)
    e = div(e, s.clamp_min(EPS)[:, None])
    antipodal = (s < DEGENERATE) & (c < 0)
    if bool(antipodal.any()):
        e = torch.where(antipodal[:, None], _orthogonal_unit(u0), e)
    omega = torch.atan2(s, c)  # (B,) in [0, pi]
    omega = torch.where(antipodal, torch.full_like(omega, torch.pi), omega)
    ang = tt[None, :] * omega[:, None]  # (B, T)
    norm = torch.lerp(na[:, None], nb[:, None], tt[None, :])  # (B, T): the norm goes linearly
    cu, cv = torch.cos(ang) * norm, torch.sin(ang) * norm
    if line is not None:
        w = tt.expand_as(cu)
        u0, e = torch.where(zero[:, None], line[0], u0), torch.where(zero[:, None], line[1], e)
        cu, cv = torch.where(zero[:, None], 1 - w, cu), torch.where(zero[:, None], w, cv)
    return u0, e, cu, cv


def slerp(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    dtype = compute_dtype(z0.dtype)
    a, b, tt = z0.flatten(1).to(dtype), z1.flatten(1).to(dtype), t.to(dtype)  # (B, D)
    s = unit_scale(a, b)  # (B,) powers of two: norms of huge codes would overflow
    grad = needs_grad(z0, z1, t)
    u, v, cu, cv = _arc(a / s[:, None], b / s[:, None], tt, overwrite=not grad)
    scale: torch.Tensor | None = s
    if folds(s, (cu.abs() + cv.abs()).amax(1)):  # the usual case: s rides on the (B, T) weights
        cu, cv, scale = cu * s[:, None], cv * s[:, None], None

    def fill(rows: slice, out: torch.Tensor | None) -> torch.Tensor:
        z = torch.mul(u[rows, None], cu[rows, :, None], out=out)  # (C, T, D)
        return z.addcmul_(v[rows, None], cv[rows, :, None])

    shape = (a.shape[0], tt.shape[0], a.shape[1])
    z = write_frames(shape, z0.dtype, z0.device, dtype, fill, scale, grad)
    return pin_endpoints(z.view(z0.shape[0], t.shape[0], *z0.shape[1:]), z0, z1, t)  # (B, T, *L)


register_path("slerp", "arc on the sphere between the codes; keeps the norm of equal-norm codes")(slerp)
