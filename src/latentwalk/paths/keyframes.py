"""Walks through several keyframes: A -> B -> C (-> A when looped).

The T frames are spread over the whole route by one evenly spaced parameter u in [0, 1]; each u
falls in exactly one segment, so no frame is repeated at a join, and a frame that lands on a
join is that keyframe exactly. A looped route leaves out its last frame (it would equal the
first), so a video or GIF made of it repeats without a stutter.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral
from typing import Any

import torch

from latentwalk.config import MAX_STEPS, Constraint, Interval, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.paths.schedules import get_schedule

PathCallable = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]  # (a, b, t) -> (1, T, *L)
RouteCallable = Callable[[torch.Tensor, torch.Tensor, bool], torch.Tensor]  # (keys, s, loop) -> (T, *L)


def route_positions(n_keys: int, steps: int, loop: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(T,) segment index and (T,) local position in [0, 1] for each frame."""
    segments = n_keys if loop else n_keys - 1
    u = torch.linspace(0, 1, steps + 1 if loop else steps, dtype=torch.float64)
    if loop:
        u = u[:-1]
    p = u * segments
    seg = p.floor().clamp(max=segments - 1).long()
    return seg, p - seg


def route_at(
    codes: torch.Tensor,
    s: torch.Tensor,
    path: PathCallable,
    loop: bool = False,
    route: RouteCallable | None = None,
) -> torch.Tensor:
    """codes (K, *L), positions s (T,) in keyframe units (key k at s = k) -> (T, *L) codes.

    A method with a `route` (a spline) gets all keyframes and every s at once; any other method
    is called per segment on (a, b, local t). Used by `keyframe_walk` and by even spacing, which
    asks for the route at positions it has measured.
    """
    k = codes.shape[0]
    dtype = torch.float64 if codes.dtype == torch.float64 else torch.float32
    if route is not None:
        return route(codes, s.to(dtype), loop)
    segments = k if loop else k - 1
    seg = s.floor().clamp(0, segments - 1).long()
    local = (s - seg).to(dtype)
    out = torch.empty(len(s), *codes.shape[1:], dtype=codes.dtype, device=codes.device)
    for i in range(segments):
        mask = seg == i
        if bool(mask.any()):
            out[mask] = path(codes[i][None], codes[(i + 1) % k][None], local[mask])[0]  # (T_i, *L)
    return out


_CONSTRAINTS: dict[str, list[Constraint]] = {"steps": [Interval(Integral, 2, MAX_STEPS)], "loop": [bool]}


def _check_walk(codes: Any, steps: Any, path: Any, loop: Any, route: Any) -> None:
    check_params(_CONSTRAINTS, {"steps": steps, "loop": loop}, "keyframe_walk")
    is_tensor = isinstance(codes, torch.Tensor)
    ok = is_tensor and codes.is_floating_point() and codes.dim() >= 2 and codes.shape[0] >= 2 and codes.numel() > 0
    if not ok or not bool(torch.isfinite(codes).all()):
        got = f"shape {tuple(codes.shape)}" if is_tensor else type(codes).__name__
        raise InvalidParameterError(
            "The 'codes' parameter of keyframe_walk must be a finite floating-point tensor (K, *L) with "
            f"K >= 2. Got {got} instead."
        )
    if not callable(path) or not (route is None or callable(route)):
        raise InvalidParameterError(
            "keyframe_walk needs `path` (and `route`, when given) to be callable: a path method's fn."
        )


def keyframe_walk(
    codes: torch.Tensor,
    steps: int,
    path: PathCallable,
    schedule: str = "uniform",
    loop: bool = False,
    route: RouteCallable | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """codes (K, *L) -> (T, *L) route and (T,) global position of each frame in [0, 1].

    The schedule warps the local position inside each segment (ease-in-out pauses on every
    keyframe). `route`: see `route_at`.
    """
    _check_walk(codes, steps, path, loop, route)
    warp = get_schedule(schedule, "keyframe_walk")
    k = codes.shape[0]
    seg, local = route_positions(k, steps, loop)
    s = seg.to(torch.float64) + warp(local)  # (T,) in keyframe units
    z = route_at(codes, s, path, loop, route)
    segments = k if loop else k - 1
    return z, (seg + local).to(torch.float32) / segments
