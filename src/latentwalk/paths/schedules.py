"""t-schedules: how the T frames are spread over [0, 1].

A schedule is a monotone warp w: [0, 1] -> [0, 1] with w(0) = 0 and w(1) = 1, applied to evenly
spaced u. Spacing frames evenly in *decoded change* needs the decoder, so it lives with the walk
(`latentwalk.pipeline`), not here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Integral

import torch

from latentwalk.config import MAX_STEPS, Interval, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.paths.base import lookup
from latentwalk.registry import Registry

Schedule = Callable[[torch.Tensor], torch.Tensor]
SCHEDULES: Registry[Schedule] = Registry("t-schedule")


@SCHEDULES.register("uniform")
def uniform(u: torch.Tensor) -> torch.Tensor:
    return u


@SCHEDULES.register("ease-in-out")
def ease_in_out(u: torch.Tensor) -> torch.Tensor:
    """Cosine ease: zero speed at both ends, for videos and loops that pause on each keyframe."""
    w = (1 - torch.cos(math.pi * u)) / 2
    return torch.where((u == 0) | (u == 1), u, w)


def get_schedule(name: str, caller: str) -> Schedule:
    """The schedule called `name`; an unknown one is the registry's did-you-mean error."""
    return lookup(SCHEDULES, name, "schedule", caller)


def schedule_ts(steps: int, schedule: str = "uniform", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(T,) values of t for `steps` frames, endpoints included."""
    check_params({"steps": [Interval(Integral, 2, MAX_STEPS)]}, {"steps": steps}, "schedule_ts")
    warp = get_schedule(schedule, "schedule_ts")
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InvalidParameterError(
            f"The 'dtype' parameter of schedule_ts must be a floating-point torch.dtype. Got {dtype!r} instead."
        )
    return warp(torch.linspace(0, 1, steps, dtype=torch.float64)).to(dtype)
