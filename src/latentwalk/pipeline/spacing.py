"""Even spacing: frames placed evenly in decoded change, for any path method.

A walk whose codes move at an even pace can still look uneven: the decoder may hold one picture
for half the walk and then switch (the "linger then jump" of a straight line across an empty
region). We reparametrise by the cumulative frame distance instead (arc length in data space):
walk the route densely (`oversample` times the asked frames), measure the distance between
adjacent decoded frames, and invert the cumulative distance so that the asked frames fall at
equal shares of it. The frames are then computed on the method's own path at those positions,
so they are exact points of the path, not blends of the dense frames.

This is the discrete arc-length reparametrisation that the geodesic literature uses to make
curves constant-speed (e.g. stochman's `constant_speed`; Shao, Kumar, Fletcher 2018), applied
to every method here. The walk asks for it with the schedule name "even" (`run_walk(...,
schedule="even")`, `latentwalk walk --schedule even`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from numbers import Integral
from typing import Any, cast

import numpy as np
import torch

from latentwalk.config import MAX_STEPS, Constraint, Interval, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.metrics import step_distances
from latentwalk.models.model import device_of
from latentwalk.paths import PATHS
from latentwalk.paths.base import PathMethod
from latentwalk.paths.keyframes import route_at
from latentwalk.paths.schedules import DecodedSchedule
from latentwalk.pipeline.core import MethodWalk, decode_batched

PairPath = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
TINY = 1e-12

_CONSTRAINTS: dict[str, list[Constraint]] = {
    "steps": [Interval(Integral, 2, MAX_STEPS)],
    "oversample": [Interval(Integral, 1, 256)],
}


def invert_cumulative(cum: np.ndarray, s: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Positions where the cumulative distance reaches each target (piecewise linear inverse).

    cum (N,) non-decreasing from 0, s (N,) positions, targets (T,) in [0, cum[-1]].
    Flat stretches (no change at all) are crossed in one go.
    """
    if cum[-1] <= TINY:
        return np.linspace(s[0], s[-1], len(targets))
    keep = np.concatenate([[True], np.diff(cum) > 0])  # np.interp needs increasing x
    return np.interp(targets, cum[keep], s[keep])


def _frames_at(model: Any, m: PathMethod, path: PairPath, keys: torch.Tensor, s: torch.Tensor, loop: bool) -> tuple[torch.Tensor | None, torch.Tensor]:
    """Codes (or None in data space) and frames of the route at positions s (keyframe units)."""
    z = route_at(keys, s, path, loop, m.route).detach()
    if m.space == "data":
        return None, z.clamp(0, 1)
    return z, decode_batched(model, z)


def even_route(
    model: Any, m: PathMethod, path: PairPath, inputs: torch.Tensor, codes: torch.Tensor,
    steps: int, loop: bool = False, distance: str = "rms", oversample: int = 8,
) -> MethodWalk:
    """A keyframe route (K codes, or K inputs for a data-space method) with evenly spaced frames."""
    check_params(_CONSTRAINTS, {"steps": steps, "oversample": oversample}, "even_spacing")
    keys = inputs if m.space == "data" else codes
    segments = keys.shape[0] if loop else keys.shape[0] - 1
    dense = torch.linspace(0, segments, (steps - 1) * oversample + 1, dtype=torch.float64)
    _, frames = _frames_at(model, m, path, keys, dense, loop)
    if loop:  # the closing step back to the first frame counts too
        frames = torch.cat([frames, frames[:1]])
        dense = torch.cat([dense, torch.tensor([float(segments)], dtype=torch.float64)])
    cum = np.concatenate([[0.0], np.cumsum(step_distances(frames, distance).numpy())])
    targets = np.linspace(0.0, cum[-1], steps + 1 if loop else steps)[: steps]
    s = torch.from_numpy(invert_cumulative(cum, dense.numpy(), targets))
    s[0] = 0.0
    if not loop:
        s[-1] = float(segments)
    z, out = _frames_at(model, m, path, keys, s, loop)
    return MethodWalk(m.name, (s / segments).to(torch.float32), z, out)


def even_spacing(
    model: Any,
    z0: torch.Tensor,
    z1: torch.Tensor,
    method: str = "slerp",
    steps: int = 16,
    distance: str = "rms",
    oversample: int = 8,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Codes z0, z1 (*L) -> (T, *L) codes, (T, *X) frames and (T,) t, evenly spaced in decoded change.

    Works with every latent path method; a method that needs the decoder gets `model.decode`.
    """
    m = PATHS.get(method)
    if m.space == "data":
        raise InvalidParameterError(
            f"'{method}' mixes inputs, not codes; use run_walk(..., schedule='even') with the items instead."
        )
    if not isinstance(z0, torch.Tensor) or z0.shape != z1.shape or tuple(z0.shape) != tuple(model.latent_shape):
        raise InvalidParameterError(f"`z0` and `z1` must both be codes of shape {tuple(model.latent_shape)}.")
    path = pair_path(model, m)
    keys = torch.stack([z0, z1])
    mw = even_route(model, m, path, keys, keys, steps, False, distance, oversample)
    return cast(torch.Tensor, mw.codes), mw.frames, mw.ts  # a latent method always has codes


def pair_path(model: Any, m: PathMethod, reports: list[Any] | None = None, options: dict[str, Any] | None = None) -> PairPath:
    """The method as (a, b, t) -> codes; methods that need the decoder get it (and `reports`),
    and `options` (e.g. {"max_iter": 80} for geodesic) as keywords."""
    opts = dict(options or {})
    if not m.needs_decoder:
        return (lambda a, b, t: m.fn(a, b, t, **opts)) if opts else m.fn
    takes_reports = reports is not None and "reports" in inspect.signature(m.fn).parameters
    extra = {"reports": reports} if takes_reports else {}
    device = device_of(model)

    def decoder(z: torch.Tensor) -> torch.Tensor:  # codes live on the CPU, the model on its device
        return model.decode(z.to(device)).to(z.device)

    return lambda a, b, t: m.fn(a, b, t, decoder=decoder, **extra, **opts)


# Registered through the `latentwalk.schedules` entry-point group (pyproject.toml), the way a
# plug-in package would add a schedule: paths, lower in the layers, never imports the pipeline.
EVEN = DecodedSchedule("frames evenly spaced in decoded change; needs the model", even_route)
