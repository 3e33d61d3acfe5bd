"""t-schedules: how the T frames are spread over [0, 1].

A schedule is a monotone warp w: [0, 1] -> [0, 1] with w(0) = 0 and w(1) = 1, applied to evenly
spaced u. A schedule that needs the decoder (spacing frames evenly in *decoded change*) is a
`DecodedSchedule` in the same registry: "even" (pipeline/spacing.py) comes in through the
`latentwalk.schedules` entry point, and the pipeline runs its `route` instead of a warp, so paths
stay free of models.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral
from typing import Any

import torch

from latentwalk.config import MAX_STEPS, Interval, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.paths.base import lookup
from latentwalk.registry import Registry

Warp = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class DecodedSchedule:
    """A schedule computed from the decoded walk; `route(model, method, path, inputs, codes, steps,
    loop, distance) -> MethodWalk` places the frames."""

    description: str
    route: Callable[..., Any]


Schedule = Warp | DecodedSchedule
SCHEDULES: Registry[Schedule] = Registry("t-schedule", group="latentwalk.schedules")


@SCHEDULES.register("uniform")
def uniform(u: torch.Tensor) -> torch.Tensor:
    return u


@SCHEDULES.register("ease-in-out")
def ease_in_out(u: torch.Tensor) -> torch.Tensor:
    """Cosine ease: zero speed at both ends, for videos and loops that pause on each keyframe."""
    w = (1 - torch.cos(math.pi * u)) / 2
    return torch.where((u == 0) | (u == 1), u, w)


def get_schedule(name: str, caller: str) -> Warp:
    """The warp called `name`; an unknown one is the registry's did-you-mean error, and one that
    needs the decoder says where to use it."""
    schedule = lookup(SCHEDULES, name, "schedule", caller)
    if isinstance(schedule, DecodedSchedule):
        raise InvalidParameterError(
            f"The '{name}' schedule is computed from decoded frames ({schedule.description}); {caller} has no "
            "model. Use it in a walk: latentwalk.walk(..., schedule='even') or `latentwalk walk --schedule even`."
        )
    return schedule


def schedule_ts(steps: int, schedule: str = "uniform", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(T,) values of t for `steps` frames, endpoints included."""
    check_params({"steps": [Interval(Integral, 2, MAX_STEPS)]}, {"steps": steps}, "schedule_ts")
    warp = get_schedule(schedule, "schedule_ts")
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InvalidParameterError(
            f"The 'dtype' parameter of schedule_ts must be a floating-point torch.dtype. Got {dtype!r} instead."
        )
    return warp(torch.linspace(0, 1, steps, dtype=torch.float64)).to(dtype)
