"""The path-method contract and its registry.

A path method maps `(z0, z1, t) -> z` with shapes `(B, *L), (B, *L), (T,) -> (B, T, *L)`.
It returns the endpoints exactly, never NaN, and keeps dtype and device (half precision is
computed in float32). A method knows nothing of models; the few that need a decoder
(`needs_decoder`) get it passed in as a keyword.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch

from latentwalk.registry import Registry

PathFn = Callable[..., torch.Tensor]


@dataclass(frozen=True)
class PathMethod:
    name: str
    fn: PathFn
    description: str
    space: Literal["latent", "data"] = "latent"  # "data": mixes the inputs, not the codes
    needs_decoder: bool = False


PATHS: Registry[PathMethod] = Registry("path method")


def register_path(
    name: str,
    description: str,
    space: Literal["latent", "data"] = "latent",
    needs_decoder: bool = False,
) -> Callable[[PathFn], PathFn]:
    def deco(fn: PathFn) -> PathFn:
        PATHS.add(name, PathMethod(name, fn, description, space, needs_decoder))
        return fn

    return deco


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """Half and bfloat16 inputs are computed in float32; float64 stays float64."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def broadcast_t(t: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """(T,) -> (1, T, 1, ..., 1) so it broadcasts against (B, T, *L)."""
    return t.reshape(1, -1, *([1] * (z.dim() - 1)))


def pin_endpoints(z: torch.Tensor, z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Return the exact endpoints where t == 0 or t == 1 (floating maths may be off by an ulp)."""
    tt = broadcast_t(t, z0)
    z = torch.where(tt == 0, z0.unsqueeze(1), z)
    return torch.where(tt == 1, z1.unsqueeze(1), z)
