"""Interpolation methods and t-schedules: pure tensor maths, one method per file, one registry."""

from __future__ import annotations

import inspect
from typing import Any

import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.paths.base import PATHS, PathMethod, check_keywords, check_t, lookup, register_path
from latentwalk.paths.keyframes import keyframe_walk
from latentwalk.paths.schedules import SCHEDULES, schedule_ts
from latentwalk.registry import import_submodules

import_submodules(__name__)  # every method file registers itself

__all__ = [
    "PATHS",
    "SCHEDULES",
    "PathMethod",
    "interpolate",
    "keyframe_walk",
    "register_path",
    "schedule_ts",
]


def _finite(z: torch.Tensor) -> bool:
    """No NaN or inf, without a bool tensor of z's size: max and min propagate NaN."""
    return bool(torch.isfinite(torch.stack([z.amax(), z.amin()])).all())


def _check_codes(z0: Any, z1: Any) -> None:
    for name, z in (("z0", z0), ("z1", z1)):
        if not isinstance(z, torch.Tensor) or not z.is_floating_point():
            got = z.dtype if isinstance(z, torch.Tensor) else type(z).__name__
            raise InvalidParameterError(
                f"The '{name}' parameter of interpolate must be a floating-point torch.Tensor. Got {got} instead."
            )
        if z.dim() == 0 or z.numel() == 0:
            raise InvalidParameterError(f"`{name}` must have at least one dimension and one value.")
        if not _finite(z):
            raise InvalidParameterError(f"`{name}` contains NaN or inf values; codes must be finite.")
    if z0.shape != z1.shape:
        raise InvalidParameterError(
            f"`z0` and `z1` must have the same shape but are {tuple(z0.shape)} and {tuple(z1.shape)}."
        )
    if z0.dtype != z1.dtype or z0.device != z1.device:
        raise InvalidParameterError(
            f"`z0` and `z1` must share dtype and device but are {z0.dtype}/{z0.device} "
            f"and {z1.dtype}/{z1.device}."
        )


def _check_options(m: PathMethod, kwargs: dict[str, Any]) -> None:
    """Keywords the method does not take -> InvalidParameterError (a method with **options checks its own)."""
    params = list(inspect.signature(m.fn).parameters.values())[3:]  # after z0, z1, t
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    check_keywords(m.name, kwargs, [p.name for p in params if p.kind in named])


def interpolate(
    z0: torch.Tensor,
    z1: torch.Tensor,
    t: torch.Tensor | list[float],
    method: str = "slerp",
    *,
    extrapolate: bool = False,
    **kwargs: Any,
) -> torch.Tensor:
    """Codes between z0 and z1 at each t.

    Shapes: z0, z1 (B, *L) and t (T,) -> (B, T, *L). A 1-D z0 is one unbatched code (D,) and
    gives (T, D); for an unbatched code of several dimensions, add the batch axis yourself.
    Methods that need the decoder (e.g. geodesic) take it as `decoder=`.
    """
    m = lookup(PATHS, method, "method", "interpolate")
    if not isinstance(extrapolate, bool):
        raise InvalidParameterError(
            f"The 'extrapolate' parameter of interpolate must be an instance of bool. Got {extrapolate!r} instead."
        )
    _check_options(m, kwargs)
    _check_codes(z0, z1)
    tt = check_t(t, extrapolate).to(device=z0.device)
    tt = tt.to(torch.float64 if z0.dtype == torch.float64 else torch.float32)
    unbatched = z0.dim() == 1
    a, b = (z0[None], z1[None]) if unbatched else (z0, z1)
    z = m.fn(a, b, tt, **kwargs)
    return z[0] if unbatched else z
