"""A smooth route through many keyframes that stays on the shell of a Gaussian prior.

A normalised Catmull-Rom spline (Catmull & Rom 1974; the "normalised" construction keeps
codes on the sphere, as Shoemake 1985 does for rotations and White 2016 recommends for the
N(0, I) shell of generative models): the unit directions u_k = z_k / |z_k| and the norms
r_k = |z_k| are each interpolated by a uniform Catmull-Rom spline, with tangents
m_k = (p_{k+1} - p_{k-1}) / 2, and the code is

    z(s) = r(s) * d(s) / |d(s)|,      d(s) = CatmullRom(u)(s),  r(s) = CatmullRom(r)(s)

Catmull-Rom is C1 and interpolating, and normalising a C1 curve away from the origin keeps it
C1, so z(s) passes through every keyframe, has a continuous velocity at each of them, and has
the norm of the keyframes in between (no dip inside the shell, unlike a straight line). An open
route's ends use phantom points 2 p_0 - p_1 (the end tangent points at the neighbour); a loop
takes its neighbours cyclically, so it closes with the same velocity on both sides of the seam.

Where d(s) comes near the origin (keyframes pointing opposite ways), the direction is undefined;
there we fall back to the plain Catmull-Rom spline of the codes, which is finite. For two codes
the spline is the normalised straight line (the arc, walked at the speed of the chord).
Easing: the walk's schedule (`ease-in-out`) warps each segment, which pauses on every keyframe.
The keyframes are divided by a power of two first (`unit_scale`): the norm of a float32 code near
1e38 overflows, which gave NaN.
"""

from __future__ import annotations

import torch

from latentwalk.paths.base import compute_dtype, pin_endpoints, register_path, unit_scale, unscale

DEGENERATE = 1e-3  # |d(s)| below this (directions are unit): use the plain spline
EPS = 1e-12


def _padded(p: torch.Tensor, loop: bool) -> torch.Tensor:
    """(B, K, D) -> (B, K + 3, D): one neighbour before, two after, for every segment."""
    if loop:
        return torch.cat([p[:, -1:], p, p[:, :2]], dim=1)
    before = 2 * p[:, :1] - p[:, 1:2]
    after = 2 * p[:, -1:] - p[:, -2:-1]
    return torch.cat([before, p, after, after], dim=1)  # the last pad is never used by a segment


def _segments(s: torch.Tensor, k: int, loop: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(T,) positions in keyframe units -> (T,) segment index and (T,) local u (outside [0, 1] when extrapolating)."""
    n = k if loop else k - 1
    seg = s.floor().clamp(0, n - 1).long()
    return seg, s - seg


def catmull_rom(p: torch.Tensor, s: torch.Tensor, loop: bool) -> torch.Tensor:
    """Uniform Catmull-Rom through (B, K, D) points at (T,) positions -> (B, T, D)."""
    k = p.shape[1]
    seg, u = _segments(s, k, loop)
    q = _padded(p, loop)
    p0, p1, p2, p3 = (q[:, seg + j] for j in range(4))  # (B, T, D) each
    m1, m2 = (p2 - p0) / 2, (p3 - p1) / 2
    u = u.to(p.dtype)[None, :, None]
    u2, u3 = u * u, u * u * u
    h00, h10, h01, h11 = 2 * u3 - 3 * u2 + 1, u3 - 2 * u2 + u, -2 * u3 + 3 * u2, u3 - u2
    return h00 * p1 + h10 * m1 + h01 * p2 + h11 * m2


def _pin_keys(z: torch.Tensor, p: torch.Tensor, s: torch.Tensor, loop: bool) -> torch.Tensor:
    """Frames at integer positions are the keyframes exactly (the maths may be off by an ulp)."""
    k = p.shape[1]
    idx = s.round().long()
    on_key = s == s.round()
    if not loop:
        on_key &= (idx >= 0) & (idx <= k - 1)
    idx = idx % k
    return torch.where(on_key[None, :, None], p[:, idx], z)


def _unit_spline(p: torch.Tensor, s: torch.Tensor, loop: bool) -> torch.Tensor:
    """The normalised spline for keyframes (B, K, D) whose largest entry is about 1 (see unit_scale)."""
    norms = p.norm(dim=2, keepdim=True)  # (B, K, 1)
    units = p / norms.clamp_min(EPS)
    d = catmull_rom(units, s, loop)
    r = catmull_rom(norms, s, loop).clamp_min(0)
    dn = d.norm(dim=2, keepdim=True)
    z = r * d / dn.clamp_min(EPS)
    return torch.where(dn < DEGENERATE, catmull_rom(p, s, loop), z)


def shell_spline(keys: torch.Tensor, s: torch.Tensor, loop: bool = False) -> torch.Tensor:
    """Keyframes (B, K, D), positions (T,) in keyframe units -> (B, T, D) on the normalised spline."""
    scale = unit_scale(keys)  # (B,) powers of two: norms of huge codes would overflow
    z = unscale(_unit_spline(keys / scale[:, None, None], s, loop), scale)
    return _pin_keys(z, keys, s, loop)


def spline_route(keys: torch.Tensor, s: torch.Tensor, loop: bool) -> torch.Tensor:
    """The keyframe route (see paths.base): keys (K, *L), s (T,) -> (T, *L)."""
    dtype = compute_dtype(keys.dtype)
    if keys.shape[0] < 2:
        return keys[:1].expand(len(s), *keys.shape[1:]).clone()
    z = shell_spline(keys.flatten(1)[None].to(dtype), s.to(dtype), loop)[0]  # (T, D)
    return z.reshape(len(s), *keys.shape[1:]).to(keys.dtype)


def spline(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """The pair contract: (B, *L), (B, *L), (T,) -> (B, T, *L); a route of two keyframes."""
    dtype = compute_dtype(z0.dtype)
    keys = torch.stack([z0.flatten(1), z1.flatten(1)], dim=1).to(dtype)  # (B, 2, D)
    z = shell_spline(keys, t.to(dtype), loop=False)
    z = z.reshape(z0.shape[0], t.shape[0], *z0.shape[1:]).to(z0.dtype)
    return pin_endpoints(z, z0, z1, t)


register_path(
    "spline",
    "C1 normalised Catmull-Rom through all keyframes (--via), on the prior's shell; --loop closes it seamlessly",
    route=spline_route,
)(spline)
