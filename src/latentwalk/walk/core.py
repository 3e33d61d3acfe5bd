"""One walk: encode the items, walk between their codes with each method, decode, measure.

The pipeline knows models and path methods only through their contracts: `encode(x).mode()`
(or `.sample(generator)` when asked), a registered path function, and `decode(z)`. The
data-space crossfade goes through the same route on the inputs themselves, so it is measured
and rendered exactly like the latent walks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, Literal

import torch

from latentwalk.config import MAX_STEPS, Interval, Options, check_params
from latentwalk.data import Item
from latentwalk.errors import InvalidParameterError
from latentwalk.metrics import MetricResult, WalkView, compute_metrics
from latentwalk.paths import PATHS, SCHEDULES, keyframe_walk

Posterior = Literal["mean", "sample"]
DECODE_BATCH = 256


@dataclass
class MethodWalk:
    """One method's walk: (T,) positions, (T, *L) codes (None in data space), (T, *X) frames."""

    method: str
    ts: torch.Tensor
    codes: torch.Tensor | None
    frames: torch.Tensor
    metrics: dict[str, MetricResult] = field(default_factory=dict)


@dataclass
class WalkResult:
    items: list[Item]
    inputs: torch.Tensor  # (K, *X)
    codes: torch.Tensor  # (K, *L) the keyframes' codes
    recon: torch.Tensor  # (K, *X) decode(codes)
    walks: dict[str, MethodWalk]
    params: dict[str, Any]


def _check_inputs(x: torch.Tensor, data_shape: tuple[int, ...]) -> None:
    if tuple(x.shape[1:]) != tuple(data_shape):
        raise InvalidParameterError(
            f"Inputs have shape {tuple(x.shape[1:])} but the model takes {tuple(data_shape)}."
        )
    if not bool(torch.isfinite(x).all()):
        raise InvalidParameterError("An input contains NaN or inf values; inputs must be finite.")


@torch.no_grad()
def decode_batched(model: Any, z: torch.Tensor, batch: int = DECODE_BATCH) -> torch.Tensor:
    """(N, *L) -> (N, *X), in batches so that long walks keep memory flat."""
    return torch.cat([model.decode(z[i : i + batch]) for i in range(0, len(z), batch)])


def encode_items(model: Any, x: torch.Tensor, posterior: Posterior, generator: torch.Generator | None) -> torch.Tensor:
    """x (K, *X) -> codes (K, *L). Models without an encoder (a GAN) set `has_encoder = False` and
    provide `invert(x, generator=...) -> (K, *L)`, which may optimise (so no no_grad here)."""
    if not getattr(model, "has_encoder", True):
        return model.invert(x, generator=generator).detach()
    with torch.no_grad():
        dist = model.encode(x)
        return dist.mode() if posterior == "mean" else dist.sample(generator)


_CONSTRAINTS = {
    "steps": [Interval(Integral, 2, MAX_STEPS)],
    "posterior": [Options(frozenset({"mean", "sample"}))],
    "loop": [bool],
    "seed": [Interval(Integral, 0, 2**63 - 1)],
}


def _view(model: Any, mw: MethodWalk, inputs: torch.Tensor, recon: torch.Tensor, ground_truth: Any, reference: Any = None) -> WalkView:
    return WalkView(
        frames=mw.frames,
        ts=mw.ts,
        codes=mw.codes,
        prior=getattr(model, "prior", "none") if mw.codes is not None else "none",
        inputs=inputs[[0, -1]],
        recon=recon[[0, -1]],
        decode=lambda z: decode_batched(model, z),
        ground_truth=ground_truth,
        method=mw.method,
        reference=reference,
        extra={"modality": getattr(model, "modality", "image")},
    )


EVEN = "even"  # the t-schedule that spaces frames evenly in decoded change (walk/spacing.py)


def _reports_metric(reports: list[Any]) -> dict[str, MetricResult]:
    """What an optimising method measured of itself (the geodesic's convergence), one metric."""
    if not reports:
        return {}
    rows = [r.summary() for r in reports]
    summary = {k: float(sum(r[k] for r in rows) / len(rows)) for k in rows[0]}
    summary["converged"] = float(min(r["converged"] for r in rows))
    return {"convergence": MetricResult(summary)}


def walk_one(model: Any, method: str, inputs: torch.Tensor, codes: torch.Tensor, steps: int, schedule: str, loop: bool,
             distance: str = "l2", options: dict[str, Any] | None = None) -> MethodWalk:
    from latentwalk.walk.spacing import even_route, pair_path

    m = PATHS.get(method)
    reports: list[Any] = []
    path = pair_path(model, m, reports, options)  # e.g. geodesic: optimises through the decoder, so gradients are on
    if schedule == EVEN:
        mw = even_route(model, m, path, inputs, codes, steps, loop, distance)
    elif m.needs_decoder or options:
        z, ts = keyframe_walk(codes, steps, path, schedule, loop, m.route)
        mw = MethodWalk(method, ts, z.detach(), decode_batched(model, z.detach()))
    else:
        mw = _walk_plain(model, m, inputs, codes, steps, schedule, loop)
    mw.metrics.update(_reports_metric(reports))
    return mw


@torch.no_grad()
def _walk_plain(model: Any, m: Any, inputs: torch.Tensor, codes: torch.Tensor, steps: int, schedule: str, loop: bool) -> MethodWalk:
    method = m.name
    if m.space == "data":
        frames, ts = keyframe_walk(inputs, steps, m.fn, schedule, loop)
        return MethodWalk(method, ts, None, frames.clamp(0, 1))
    z, ts = keyframe_walk(codes, steps, m.fn, schedule, loop, m.route)
    return MethodWalk(method, ts, z, decode_batched(model, z))


def run_walk(
    model: Any,
    items: list[Item],
    methods: list[str],
    steps: int = 16,
    schedule: str = "uniform",
    loop: bool = False,
    posterior: Posterior = "mean",
    seed: int = 0,
    distance: str = "l2",
    ground_truth: Any = None,
    metrics: list[str] | None = None,
    reference: torch.Tensor | None = None,
    method_options: dict[str, dict[str, Any]] | None = None,
) -> WalkResult:
    """Walk through `items` (A, B or A, C, ..., B) with every method; measure each walk.

    `method_options` passes keywords to a method, e.g. {"geodesic": {"max_iter": 80}}."""
    check_params(_CONSTRAINTS, {"steps": steps, "posterior": posterior, "loop": loop, "seed": seed}, "walk")
    if len(items) < 2:
        raise InvalidParameterError(f"A walk needs at least 2 items but got {len(items)}.")
    if not methods:
        raise InvalidParameterError("Give at least one path method (e.g. 'slerp').")
    for name in methods:
        PATHS.get(name)
    if schedule != EVEN:
        SCHEDULES.get(schedule)
    x = torch.stack([it.x for it in items])  # (K, *X)
    _check_inputs(x, tuple(model.data_shape))
    generator = torch.Generator().manual_seed(seed)
    codes = encode_items(model, x, posterior, generator)  # (K, *L)
    recon = decode_batched(model, codes)
    walks: dict[str, MethodWalk] = {}
    for name in dict.fromkeys(methods):
        mw = walk_one(model, name, x, codes, steps, schedule, loop, distance, (method_options or {}).get(name))
        with torch.no_grad():
            mw.metrics = {**mw.metrics, **compute_metrics(_view(model, mw, x, recon, ground_truth, reference), metrics, distance)}
        walks[name] = mw
    params = {"steps": steps, "schedule": schedule, "loop": loop, "posterior": posterior, "seed": seed, "distance": distance,
              "method_options": method_options or {}}
    report = getattr(model, "last_inversion", None)  # what `invert` measured, if it ran
    if not getattr(model, "has_encoder", True) and report is not None:
        params["inversion"] = report
    return WalkResult(items, x, codes, recon, walks, params)
