"""The path-method contract and its registry.

A path method maps `(z0, z1, t) -> z` with shapes `(B, *L), (B, *L), (T,) -> (B, T, *L)`.
It returns the endpoints exactly, never NaN, and keeps dtype and device (half precision is
computed in float32). A method knows nothing of models; the few that need a decoder
(`needs_decoder`) get it passed in as a keyword.

A method that walks through many keyframes at once, because each piece depends on the
neighbouring keyframes (a spline), also gives a `route` function
`route(keys (K, *L), s (T,), loop) -> (T, *L)`, where s is the position in keyframe units
(keyframe k at s = k; a loop wraps at s = K). `keyframe_walk` then calls `route` once for the
whole walk instead of calling the pair method per segment. The pair method stays the contract
for two codes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch

from latentwalk.registry import Registry

PathFn = Callable[..., torch.Tensor]
RouteFn = Callable[[torch.Tensor, torch.Tensor, bool], torch.Tensor]


@dataclass(frozen=True)
class PathMethod:
    name: str
    fn: PathFn
    description: str
    space: Literal["latent", "data"] = "latent"  # "data": mixes the inputs, not the codes
    needs_decoder: bool = False
    route: RouteFn | None = None  # walks all keyframes at once (see the module docstring)


PATHS: Registry[PathMethod] = Registry("path method")


def register_path(
    name: str,
    description: str,
    space: Literal["latent", "data"] = "latent",
    needs_decoder: bool = False,
    route: RouteFn | None = None,
) -> Callable[[PathFn], PathFn]:
    def deco(fn: PathFn) -> PathFn:
        PATHS.add(name, PathMethod(name, fn, description, space, needs_decoder, route))
        return fn

    return deco


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """Half and bfloat16 inputs are computed in float32; float64 stays float64."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def broadcast_t(t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """(T,) -> (1, T, 1, ..., 1) so it broadcasts against (B, T, *L)."""
    return t.reshape(1, -1, *([1] * (z.dim() - 1)))


def pin_endpoints(z: torch.Tensor, z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Set the exact endpoints where t == 0 or t == 1 (floating maths may be off by an ulp).

    Writes only those columns, in place on `z` (a fresh tensor of the caller's)."""
    at0, at1 = (t == 0).nonzero().flatten(), (t == 1).nonzero().flatten()
    if len(at0):
        z[:, at0] = z0.unsqueeze(1).to(z.dtype)
    if len(at1):
        z[:, at1] = z1.unsqueeze(1).to(z.dtype)
    return z


def combine(u: torch.Tensor, v: torch.Tensor, cu: torch.Tensor, cv: torch.Tensor) -> torch.Tensor:
    """cu[b, t] * u[b] + cv[b, t] * v[b] for (B, D) vectors and (B, T) weights -> (B, T, D).

    One batched matrix product: a single pass over the (B, T, D) output instead of three."""
    return torch.bmm(torch.stack([cu, cv], dim=2), torch.stack([u, v], dim=1))
