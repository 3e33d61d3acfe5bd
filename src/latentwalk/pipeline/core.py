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

from latentwalk.config import MAX_SEED, MAX_STEPS, Constraint, Interval, Options, check_budget, check_params
from latentwalk.data import Item
from latentwalk.errors import InvalidParameterError, ModelOutputError, note
from latentwalk.metrics import FRAME_DISTANCES, MetricResult, WalkView, compute_metrics
from latentwalk.models.base import LatentModel
from latentwalk.models.model import Model, as_model, device_of
from latentwalk.paths import PATHS, SCHEDULES, keyframe_walk
from latentwalk.paths.base import PathMethod
from latentwalk.paths.schedules import DecodedSchedule

Posterior = Literal["mean", "sample"]
DECODE_BATCH = 256


@dataclass
class MethodWalk:
    """One method's walk: (T,) positions, (T, *L) codes (None in data space), (T, *X) frames.

    The route: frame i lies between keyframes a = floor(s) and a + 1 (mod K on a loop) at weight
    s - floor(s), where s = ts[i] * segments (see `segment_weights`), so a consumer that needs the
    mix (a crossfade of waveforms) reads it here instead of guessing it back from the frames."""

    method: str
    ts: torch.Tensor
    codes: torch.Tensor | None
    frames: torch.Tensor
    metrics: dict[str, MetricResult] = field(default_factory=dict)
    keyframes: int = 2
    loop: bool = False
    schedule: str = "uniform"  # the warp inside each segment; "uniform" when ts are the positions already
    cache: dict[str, Any] = field(default_factory=dict, repr=False)  # derived data (e.g. waveforms), per walk

    def route_positions(self) -> torch.Tensor:
        """(T,) positions in keyframe units (keyframe k at s = k), the schedule's warp applied."""
        from latentwalk.paths.schedules import get_schedule

        segments = self.keyframes if self.loop else self.keyframes - 1
        p = self.ts.detach().cpu().double() * segments
        seg = p.floor().clamp(0, segments - 1)
        return seg + get_schedule(self.schedule, "segment_weights")(p - seg)

    def segment_weights(self) -> list[tuple[int, int, float]]:
        """(keyframe a, keyframe b, weight of b) for every frame of the route."""
        out = []
        for s in self.route_positions().tolist():
            a = min(int(s), (self.keyframes if self.loop else self.keyframes - 1) - 1)
            out.append((a % self.keyframes, (a + 1) % self.keyframes, s - a))
        return out


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


def check_finite(x: torch.Tensor, what: str, unit: str = "step") -> None:
    """Raise ModelOutputError naming the first of x's leading entries that holds NaN or inf."""
    bad = ~torch.isfinite(x.reshape(len(x), -1)).all(dim=1) if x.numel() else torch.zeros(0, dtype=torch.bool)
    if bool(bad.any()):
        i = int(bad.nonzero()[0])
        raise ModelOutputError(
            f"{what} holds NaN or inf at {unit} {i} of {len(x)}; the model's weights or code are broken "
            "(check them, or retrain); nothing was written."
        )


def clamp_frames(frames: torch.Tensor, what: str) -> torch.Tensor:
    """Frames are promised in [0, 1]; a model whose range is wider is clamped, and says so once."""
    lo, hi = float(frames.min()), float(frames.max())
    if lo < -1e-3 or hi > 1 + 1e-3:
        note(f"{what}: the model decoded values in [{lo:.3g}, {hi:.3g}]; frames are clamped to [0, 1].")
    return frames.clamp(0, 1)


@torch.no_grad()
def decode_batched(model: LatentModel, z: torch.Tensor, batch: int = DECODE_BATCH) -> torch.Tensor:
    """(N, *L) -> (N, *X) on the CPU, decoded on the model's device in batches so that long walks
    keep memory flat; NaN is an error."""
    device = device_of(model)  # a bare decoder (even spacing, geodesic tests) need not meet the whole contract
    x = torch.cat([model.decode(z[i : i + batch].to(device)).cpu() for i in range(0, len(z), batch)])
    check_finite(x, "The decoded walk", "frame")
    return x


def encode_items(model: LatentModel, x: torch.Tensor, posterior: Posterior, generator: torch.Generator | None) -> torch.Tensor:
    """x (K, *X) -> codes (K, *L). Models without an encoder (a GAN) set `has_encoder = False` and
    provide `invert(x, generator=...) -> (K, *L)`, which may optimise (so no no_grad here)."""
    m = as_model(model)
    x = x.to(m.device)
    if not m.has_encoder:
        z = m.invert(x, generator=generator).detach()
    else:
        with torch.no_grad():
            dist = m.encode(x)
            z = dist.mode() if posterior == "mean" else dist.sample(generator)
    check_finite(z, "The code of an input", "input")
    return z.cpu()  # path maths and metrics run on the CPU; only the model runs on its device


def check_walk_request(methods: list[str], steps: int, schedule: str, distance: str,
                       data_shape: tuple[int, ...] | None = None) -> None:
    """Names, ranges and the work budget of a walk, before anything heavy runs."""
    check_params({"steps": _CONSTRAINTS["steps"]}, {"steps": steps}, "walk")
    if not methods:
        raise InvalidParameterError("Give at least one path method (e.g. 'slerp').")
    for name in methods:
        PATHS.get(name)
    SCHEDULES.get(schedule)
    FRAME_DISTANCES.get(distance)
    if data_shape is not None:
        per_frame = 1
        for n in data_shape:
            per_frame *= int(n)
        check_budget(len(set(methods)) * steps * per_frame, f"{len(set(methods))} method(s) x {steps} steps",
                     "use fewer --steps or methods")


_CONSTRAINTS: dict[str, list[Constraint]] = {
    "steps": [Interval(Integral, 2, MAX_STEPS)],
    "posterior": [Options(frozenset({"mean", "sample"}))],
    "loop": [bool],
    "seed": [Interval(Integral, 0, MAX_SEED)],
}


def _view(model: Model, mw: MethodWalk, inputs: torch.Tensor, recon: torch.Tensor, ground_truth: Any, reference: Any = None) -> WalkView:
    return WalkView(
        frames=mw.frames,
        ts=mw.ts,
        codes=mw.codes,
        prior=model.prior if mw.codes is not None else "none",
        inputs=inputs[[0, -1]],
        recon=recon[[0, -1]],
        decode=lambda z: decode_batched(model, z),
        ground_truth=ground_truth,
        method=mw.method,
        reference=reference,
        extra={"modality": model.modality, "route": mw.segment_weights(), "cache": mw.cache},
    )




def _reports_metric(reports: list[Any]) -> dict[str, MetricResult]:
    """What an optimising method measured of itself (the geodesic's convergence), one metric."""
    if not reports:
        return {}
    rows = [r.summary() for r in reports]
    summary = {k: float(sum(r[k] for r in rows) / len(rows)) for k in rows[0]}
    summary["converged"] = float(min(r["converged"] for r in rows))
    return {"convergence": MetricResult(summary)}


def walk_one(model: Model, method: str, inputs: torch.Tensor, codes: torch.Tensor, steps: int, schedule: str, loop: bool,
             distance: str = "rms", options: dict[str, Any] | None = None) -> MethodWalk:
    from latentwalk.pipeline.spacing import pair_path

    m = PATHS.get(method)
    reports: list[Any] = []
    path = pair_path(model, m, reports, options)  # e.g. geodesic: optimises through the decoder, so gradients are on
    sched = SCHEDULES.get(schedule)
    if isinstance(sched, DecodedSchedule):
        mw = sched.route(model, m, path, inputs, codes, steps, loop, distance)
    elif m.needs_decoder or options:
        z, ts = keyframe_walk(codes, steps, path, schedule, loop, m.route)
        mw = MethodWalk(method, ts, z.detach(), decode_batched(model, z.detach()))
    else:
        mw = _walk_plain(model, m, inputs, codes, steps, schedule, loop)
    mw.metrics.update(_reports_metric(reports))
    return mw


@torch.no_grad()
def _walk_plain(model: Model, m: PathMethod, inputs: torch.Tensor, codes: torch.Tensor, steps: int, schedule: str, loop: bool) -> MethodWalk:
    method = m.name
    if m.space == "data":
        frames, ts = keyframe_walk(inputs, steps, m.fn, schedule, loop)
        return MethodWalk(method, ts, None, frames.clamp(0, 1))
    z, ts = keyframe_walk(codes, steps, m.fn, schedule, loop, m.route)
    return MethodWalk(method, ts, z, decode_batched(model, z))


def run_walk(
    model: LatentModel,
    items: list[Item],
    methods: list[str],
    steps: int = 16,
    schedule: str = "uniform",
    loop: bool = False,
    posterior: Posterior = "mean",
    seed: int = 0,
    distance: str = "rms",
    ground_truth: Any = None,
    metrics: list[str] | None = None,
    reference: torch.Tensor | None = None,
    method_options: dict[str, dict[str, Any]] | None = None,
    generator: torch.Generator | None = None,
) -> WalkResult:
    """Walk through `items` (A, B or A, C, ..., B) with every method; measure each walk.

    `method_options` passes keywords to a method, e.g. {"geodesic": {"max_iter": 80}}."""
    check_params(_CONSTRAINTS, {"steps": steps, "posterior": posterior, "loop": loop, "seed": seed}, "walk")
    m = as_model(model)
    if len(items) < 2:
        raise InvalidParameterError(f"A walk needs at least 2 items but got {len(items)}.")
    check_walk_request(methods, steps, schedule, distance, tuple(m.data_shape))
    x = torch.stack([it.x for it in items])  # (K, *X)
    _check_inputs(x, tuple(m.data_shape))
    if generator is None:
        generator = torch.Generator(m.device).manual_seed(seed)
    codes = encode_items(m, x, posterior, generator)  # (K, *L)
    recon = decode_batched(m, codes)
    walks: dict[str, MethodWalk] = {}
    for name in dict.fromkeys(methods):
        mw = walk_one(m, name, x, codes, steps, schedule, loop, distance, (method_options or {}).get(name))
        mw.keyframes, mw.loop = len(items), loop
        # a decoded schedule's ts are the route's positions already
        mw.schedule = "uniform" if isinstance(SCHEDULES.get(schedule), DecodedSchedule) else schedule
        mw.frames = clamp_frames(mw.frames, f"the '{name}' walk")
        with torch.no_grad():
            mw.metrics = {**mw.metrics, **compute_metrics(_view(m, mw, x, recon, ground_truth, reference), metrics, distance)}
        walks[name] = mw
    params = {"steps": steps, "schedule": schedule, "loop": loop, "posterior": posterior, "seed": seed, "distance": distance,
              "method_options": method_options or {}}
    report = m.last_inversion  # what `invert` measured, if it ran
    if not m.has_encoder and report is not None:
        params["inversion"] = report
    return WalkResult(items, x, codes, recon, walks, params)
