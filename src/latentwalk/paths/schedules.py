"""t-schedules: how the T frames are spread over [0, 1].

A schedule is a monotone warp w: [0, 1] -> [0, 1] with w(0) = 0 and w(1) = 1, applied to evenly
spaced u. Spacing frames evenly in *decoded change* needs the decoder, so it lives with the walk
(`latentwalk.walk`), not here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

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


def schedule_ts(steps: int, schedule: str = "uniform", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(T,) values of t for `steps` frames, endpoints included."""
    u = torch.linspace(0, 1, steps, dtype=torch.float64)
    return SCHEDULES.get(schedule)(u).to(dtype)
