"""Geodesic paths: the shortest walk under the metric the decoder induces.

A decoder f pulls the data-space metric back onto the latent space, M(z) = J_f(z)^T J_f(z)
(Shao, Kumar, Fletcher, "The Riemannian geometry of deep generative models", CVPR-W 2018;
Arvanitidis, Hansen, Hauberg, "Latent space oddity: on the curvature of deep generative
models", ICLR 2018). A shortest curve from z0 to z1 minimises the curve energy, which we
discretise on N + 1 nodes z_0 = z0, ..., z_N = z1 (Shao et al. 2018, eq. 7):

    E = N * sum_i || f(z_{i+1}) - f(z_i) ||^2,      L = sum_i || f(z_{i+1}) - f(z_i) ||

By Cauchy-Schwarz E >= L^2, with equality when the decoded steps are equal, so minimising E
gives a short curve walked at an even decoded speed. This is the energy that stochman's
`EmbeddedManifold.curve_energy` evaluates on its cubic spline. Our curve is the straight line
(or the arc, `init="slerp"`) plus a sine series per segment, z(tau) = (1 - tau) a + tau b +
sum_j c_j sin(j pi tau), j = 1..n_basis: smooth, endpoints fixed by construction, few numbers
to fit (a spectral discretisation of the curve). We fit the coefficients with L-BFGS (strong
Wolfe line search; Nocedal & Wright 2006), every curve of the batch at once, each curve's
energy measured relative to its starting value so that tolerances are scale-free. Waypoints
split the curve into segments that meet at them.

What the caller gets, and the policy on failure:
- the curve at the asked t, evaluated exactly on the smooth curve, placed by decoded arc
  length (`parametrize="arclength"`, the default: t = 0.5 is halfway in decoded change,
  measured on a grid 4x finer than the energy's) or by the curve's parameter (`"uniform"`);
  endpoints exact, never NaN;
- never a curve longer than its initialisation (measured on that fine grid): a curve that came
  out longer, or not finite, is replaced by its initialisation, and the report says so;
- a `GeodesicReport` (converged, iterations, energy and length before/after). `geodesic_path`
  returns it; the registered method appends it to `reports=` when given (the walk does, and
  shows it as the metric "convergence"). An unconverged optimisation is never silent: it warns
  (`GeodesicWarning`) and reports `converged = 0`, or with `strict=True` raises
  `GeodesicNotConvergedError`;
- codes so large that their decoded start curve cannot be measured (its energy overflows, as for
  a float32 code near 1e38) are not optimised: their start is returned and the report says so.
  The straight base is written (1 - tau) a + tau b, since b - a overflows for such codes; the
  arc's sine coefficients are fitted on codes divided by a power of two (`unit_scale`), for the
  same reason; a curve that still comes out not finite walks its start with the pair method.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal, cast

import torch

from latentwalk.config import Interval, check_params
from latentwalk.errors import InvalidParameterError, LatentwalkError
from latentwalk.paths.base import (
    check_keywords,
    check_t,
    compute_dtype,
    pin_endpoints,
    register_path,
    unit_scale,
)
from latentwalk.paths.keyframes import route_at
from latentwalk.paths.lerp import lerp
from latentwalk.paths.slerp import slerp

Decoder = Callable[[torch.Tensor], torch.Tensor]
TINY = 1e-12
DENSE = 4  # lengths are measured on 4x the energy grid, and frames placed on it
NO_GRADIENTS = ("The decoder given to the geodesic passes no gradients (it runs under torch.no_grad); "
                "pass a differentiable decoder such as model.decode.")
NOT_FINITE = ("The decoded start curve of {n} of {b} pairs is too large to measure "
              "(codes too large for the decoder?); their start is returned.")


class GeodesicNotConvergedError(LatentwalkError):
    """The optimisation stopped at its iteration limit (raised only with strict=True)."""


class GeodesicWarning(UserWarning):
    """The geodesic did not converge; the returned curve is the best found, never longer than its start."""


@dataclass(frozen=True)
class GeodesicReport:
    """How the optimisation went, per curve of the batch (lists have B entries)."""

    converged: bool
    iterations: int
    evaluations: int
    energy_before: list[float]
    energy_after: list[float]
    length_before: list[float]
    length_after: list[float]
    reverted: list[bool]  # True: the optimised curve was longer, its initialisation is returned
    note: str = ""  # why it did not converge, when known

    def summary(self) -> dict[str, float]:
        ratios = [a / b if b > TINY else 1.0 for a, b in zip(self.length_after, self.length_before)]
        return {
            "converged": float(self.converged),
            "iterations": float(self.iterations),
            "length_before": float(sum(self.length_before) / len(self.length_before)),
            "length_after": float(sum(self.length_after) / len(self.length_after)),
            "length_ratio": float(sum(ratios) / len(ratios)),
            "energy_ratio": float(
                sum(a / b if b > TINY else 1.0 for a, b in zip(self.energy_after, self.energy_before))
                / len(self.energy_before)
            ),
            "reverted": float(sum(self.reverted)),
        }


@dataclass(frozen=True)
class GeodesicResult:
    z: torch.Tensor  # (B, T, *L)
    nodes: torch.Tensor  # (B, S * N + 1, *L) the optimised curve on the energy's grid
    report: GeodesicReport


# --- the curve: a straight (or arc) base plus a sine series per segment -----------------------


def _sines(tau: torch.Tensor, k: int) -> torch.Tensor:
    """(T,) local positions in [0, 1] -> (T, K) sin(j pi tau), j = 1..K: zero at both ends."""
    j = torch.arange(1, k + 1, dtype=tau.dtype, device=tau.device)
    return torch.sin(torch.pi * tau[:, None] * j)


def curve_at(anchors: torch.Tensor, coeffs: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """Anchors (B, S + 1, D), coefficients (B, S, K, D), positions s (T,) in [0, S] -> (B, T, D).

    Segment i runs straight from anchor i to anchor i + 1 plus sum_j c_ij sin(j pi tau): the
    curve is smooth, passes through every anchor, and has K * D free numbers per segment.
    """
    n_seg = coeffs.shape[1]
    seg = s.floor().clamp(0, n_seg - 1).long()
    tau = (s - seg).to(anchors.dtype)
    a, b = anchors[:, seg], anchors[:, seg + 1]  # (B, T, D)
    bend = torch.einsum("tk,btkd->btd", _sines(tau, coeffs.shape[2]), coeffs[:, seg])
    return _line(a, b, tau[None, :, None]) + bend


def _line(a: torch.Tensor, b: torch.Tensor, tau: torch.Tensor) -> torch.Tensor:
    """The straight base, written so that it cannot overflow between finite codes (b - a can)."""
    return (1 - tau) * a + tau * b


def _slerp_coeffs(anchors: torch.Tensor, k: int, n: int) -> torch.Tensor:
    """Sine coefficients (B, S, K, D) that bend each straight segment onto the arc (least squares).

    Fitted on the anchors divided by a power of two (the gap of huge codes would overflow, and
    lstsq fails on inf); a row whose coefficients overflow on the way back starts straight."""
    s = unit_scale(anchors)[:, None, None, None]  # (B, 1, 1, 1)
    p = anchors / s[:, 0]
    tau = torch.linspace(0, 1, n + 1, dtype=anchors.dtype)
    basis = _sines(tau, k)  # (n + 1, K)
    out = []
    for i in range(p.shape[1] - 1):
        a, b = p[:, i], p[:, i + 1]
        gap = slerp(a, b, tau) - _line(a[:, None], b[:, None], tau[None, :, None])  # (B, n + 1, D)
        out.append(torch.linalg.lstsq(basis.expand(a.shape[0], -1, -1), gap).solution)  # (B, K, D)
    c = torch.stack(out, dim=1) * s
    return torch.where(torch.isfinite(c).flatten(1).all(1)[:, None, None, None], c, torch.zeros_like(c))


def _decode_curve(decoder: Decoder, z: torch.Tensor, latent: tuple[int, ...]) -> torch.Tensor:
    """(B, T, D) -> (B, T, X) decoded and flattened."""
    b, t, _ = z.shape
    return decoder(z.reshape(b * t, *latent)).reshape(b, t, -1)


def energy_and_length(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Decoded points (B, N + 1, X) -> discrete energy (B,) and length (B,) (Shao et al. 2018)."""
    sq = (x[:, 1:] - x[:, :-1]).pow(2).sum(-1)  # (B, N)
    return sq.sum(1) * sq.shape[1], sq.clamp_min(0).sqrt().sum(1)


def _steps(decoder: Decoder, anchors: torch.Tensor, coeffs: torch.Tensor, s: torch.Tensor, latent: tuple[int, ...]) -> torch.Tensor:
    """Decoded distances (B, T - 1) between the curve's points at positions s (T,)."""
    with torch.no_grad():
        x = _decode_curve(decoder, curve_at(anchors, coeffs, s), latent).double()  # float32 squares overflow
        return (x[:, 1:] - x[:, :-1]).pow(2).sum(-1).sqrt()


def differentiable(decoder: Decoder, z: torch.Tensor) -> bool:
    """Does the decoder pass gradients back to the codes? (Not when it runs under no_grad.)"""
    with torch.enable_grad():
        return bool(decoder(z.detach().clone().requires_grad_(True)).requires_grad)


# --- optimisation ------------------------------------------------------------------------------


def _start_energy(decoder: Decoder, anchors: torch.Tensor, start: torch.Tensor, grid: torch.Tensor,
                  latent: tuple[int, ...]) -> torch.Tensor:
    """(B,) energy of the start curves (inf where the decoded curve is too large to measure)."""
    with torch.no_grad():
        return energy_and_length(_decode_curve(decoder, curve_at(anchors, start, grid), latent))[0]


def _optimise(
    decoder: Decoder, anchors: torch.Tensor, start: torch.Tensor, grid: torch.Tensor, latent: tuple[int, ...],
    max_iter: int, tol: float, scale: torch.Tensor,
) -> tuple[torch.Tensor, int, int, bool]:
    """L-BFGS on the sine coefficients; returns them, iterations, evaluations and convergence.

    scale (B,): each curve's start energy, so that its loss starts at 1."""
    scale = scale.clamp_min(TINY)
    coeffs = start.clone().requires_grad_(True)
    max_eval = 3 * max_iter
    opt = torch.optim.LBFGS([coeffs], lr=1, max_iter=max_iter, max_eval=max_eval, history_size=20,
                            tolerance_grad=1e-9, tolerance_change=tol, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        energy = energy_and_length(_decode_curve(decoder, curve_at(anchors, coeffs, grid), latent))[0]
        loss = (energy / scale).sum()  # each curve relative to its start: 1 each at the start
        (coeffs.grad,) = torch.autograd.grad(loss, coeffs)
        return loss.detach()

    with torch.enable_grad():
        opt.step(closure)
    state = opt.state[coeffs]
    n_iter, n_eval = int(state.get("n_iter", 0)), int(state.get("func_evals", 0))
    return coeffs.detach(), n_iter, n_eval, n_iter < max_iter and n_eval < max_eval


def _positions(steps: torch.Tensor, dense: torch.Tensor, t: torch.Tensor, n_seg: int, parametrize: str) -> torch.Tensor:
    """(B, M - 1) decoded steps at dense positions (M,) -> (B, T) positions for the asked t.

    arclength: invert the cumulative decoded length (piecewise linear); uniform: s = t * S.
    """
    b = steps.shape[0]
    uniform = (t * n_seg).expand(b, -1)
    if parametrize == "uniform":
        return uniform
    cum = torch.cat([torch.zeros_like(steps[:, :1]), steps.cumsum(1)], dim=1)  # (B, M)
    total = cum[:, -1:]
    target = t.expand(b, -1) * total  # (B, T); t outside [0, 1] extrapolates on the end pieces
    i = (torch.searchsorted(cum.contiguous(), target.contiguous(), right=True) - 1).clamp(0, cum.shape[1] - 2)
    lo, hi = cum.gather(1, i), cum.gather(1, i + 1)
    w = torch.where(hi - lo > TINY, (target - lo) / (hi - lo).clamp_min(TINY), torch.zeros_like(target))
    d = dense.to(steps.dtype)
    s = d[i] + w * (d[i + 1] - d[i])
    moving = torch.isfinite(total) & (total > TINY)
    return torch.where(moving, s, uniform)  # a curve that does not move (or cannot be measured): by parameter


# --- the method --------------------------------------------------------------------------------


_CONSTRAINTS: dict[str, list[Any]] = {
    "n_nodes": [Interval(Integral, 2, 1024)],
    "n_basis": [Interval(Integral, 1, 64)],
    "max_iter": [Interval(Integral, 1, 100_000)],
    "tol": [Interval(Real, 0, 1, closed="right")],
    "strict": [bool],
}
_CHOICES = {"init": ("lerp", "slerp"), "parametrize": ("arclength", "uniform")}


def _check_choices(params: dict[str, Any]) -> None:
    for name, allowed in _CHOICES.items():
        if not isinstance(params[name], str) or params[name] not in allowed:
            raise InvalidParameterError(
                f"The '{name}' parameter of geodesic must be one of {', '.join(map(repr, allowed))}. "
                f"Got {params[name]!r} instead."
            )


def _check_pair(z0: Any, z1: Any) -> None:
    ok = all(isinstance(z, torch.Tensor) and z.is_floating_point() and z.dim() >= 2 and z.numel() > 0 for z in (z0, z1))
    if not ok or z0.shape != z1.shape or not bool(torch.isfinite(z0).all() & torch.isfinite(z1).all()):
        raise InvalidParameterError(
            "The geodesic needs z0 and z1 as finite floating-point tensors (B, *L) of one shape."
        )


def _check_waypoints(w: Any, z0: torch.Tensor) -> None:
    latent, n = tuple(z0.shape[1:]), z0.dim() - 1
    ok = isinstance(w, torch.Tensor) and w.is_floating_point() and w.dim() in (n + 1, n + 2)
    ok = ok and tuple(w.shape[w.dim() - n :]) == latent and (w.dim() == n + 1 or w.shape[0] in (1, z0.shape[0]))
    if not ok or not bool(torch.isfinite(w).all()):
        raise InvalidParameterError(
            f"`waypoints` must be a finite tensor (W, *L) or (B, W, *L) with L = {latent}."
        )


def _check(decoder: Decoder | None, params: dict[str, Any], z0: Any, z1: Any) -> None:
    if decoder is None or not callable(decoder):
        raise InvalidParameterError(
            "The geodesic needs the decoder: pass decoder=model.decode (run_walk does this for you)."
        )
    check_params(_CONSTRAINTS, params, "geodesic")
    _check_choices(params)
    _check_pair(z0, z1)
    if params["waypoints"] is not None:
        _check_waypoints(params["waypoints"], z0)


def _anchors(a: torch.Tensor, b: torch.Tensor, waypoints: torch.Tensor | None, latent: tuple[int, ...]) -> torch.Tensor:
    """(B, S + 1, D): start, waypoints in order, end."""
    if waypoints is None:
        return torch.stack([a, b], dim=1)
    w = waypoints.to(a.dtype).expand(a.shape[0], *waypoints.shape[-len(latent) - 1:]).flatten(2)
    return torch.cat([a[:, None], w, b[:, None]], dim=1)


def _fit(
    decoder: Decoder, anchors: torch.Tensor, start: torch.Tensor, grid: torch.Tensor, latent: tuple[int, ...],
    max_iter: int, tol: float,
) -> tuple[torch.Tensor, int, int, bool, str]:
    """Optimise the curves whose start can be measured.

    Returns the coefficients, iterations, evaluations, whether it converged, and a note on why not."""
    if not differentiable(decoder, anchors[:1, 0].reshape(1, *latent)):
        return start, 0, 0, False, NO_GRADIENTS  # nothing to optimise with: the start is returned
    e0 = _start_energy(decoder, anchors, start, grid, latent)
    ok = torch.isfinite(e0)  # (B,) not so for codes too large for the decoder (float32 near 1e38)
    note = "" if bool(ok.all()) else NOT_FINITE.format(n=int((~ok).sum()), b=len(ok))
    if not bool(ok.any()):
        return start, 0, 0, False, note
    fitted, n_iter, n_eval, converged = _optimise(
        decoder, anchors[ok], start[ok], grid, latent, max_iter, tol, e0[ok]
    )
    coeffs = start.clone()
    coeffs[ok] = fitted
    return coeffs, n_iter, n_eval, converged and not note, note


def _curve(
    anchors: torch.Tensor, coeffs: torch.Tensor, s: torch.Tensor, t: torch.Tensor, init: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T, D) points at positions s (B, T), and (B,) which rows fell back to the start path.

    A row whose bent curve is not finite (huge codes, where the sines' sum overflows) walks its
    start path instead, with the overflow-safe pair methods."""
    z = torch.stack([curve_at(anchors[i : i + 1], coeffs[i : i + 1], s[i])[0] for i in range(len(s))])
    bad = ~torch.isfinite(z).flatten(1).all(1)
    at = t.to(torch.float64) * (anchors.shape[1] - 1)  # by parameter, in anchor units
    for i in bad.nonzero().flatten().tolist():
        z[i] = route_at(anchors[i], at, slerp if init == "slerp" else lerp)
    return z, bad


def geodesic_path(
    z0: torch.Tensor,
    z1: torch.Tensor,
    t: torch.Tensor,
    decoder: Decoder | None = None,
    *,
    n_nodes: int = 32,
    n_basis: int = 8,  # 8 sines and 1000 iterations: shorter than stochman's best setting on lines-vae
    max_iter: int = 1000,  # (bench/bench_geodesic.py), at a fraction of its time
    tol: float = 1e-5,
    init: Literal["lerp", "slerp"] = "lerp",
    waypoints: torch.Tensor | None = None,
    parametrize: Literal["arclength", "uniform"] = "arclength",
    strict: bool = False,
) -> GeodesicResult:
    """The geodesic from z0 to z1 (B, *L) at t (T,) -> GeodesicResult with z (B, T, *L) and a report.

    n_nodes: points per segment where the energy is evaluated; n_basis: sine terms per segment
    (the curve's freedom); tol: stop when the relative energy changes by less than this in one
    iteration; waypoints: (W, *L) or (B, W, *L) codes the curve passes through, in order.
    """
    _check(decoder, {"n_nodes": n_nodes, "n_basis": n_basis, "max_iter": max_iter, "tol": tol, "init": init,
                    "parametrize": parametrize, "strict": strict, "waypoints": waypoints}, z0, z1)
    t = check_t(t, extrapolate=True, caller="geodesic")
    decoder = cast(Decoder, decoder)  # _check raised if it was None
    latent, dtype = tuple(z0.shape[1:]), compute_dtype(z0.dtype)
    anchors = _anchors(z0.flatten(1).to(dtype), z1.flatten(1).to(dtype), waypoints, latent)  # (B, S + 1, D)
    n_seg = anchors.shape[1] - 1
    grid = torch.linspace(0, n_seg, n_seg * n_nodes + 1, dtype=torch.float64)
    dense = torch.linspace(0, n_seg, n_seg * n_nodes * DENSE + 1, dtype=torch.float64)
    zeros = torch.zeros(anchors.shape[0], n_seg, n_basis, anchors.shape[2], dtype=dtype)
    start = _slerp_coeffs(anchors, n_basis, n_nodes) if init == "slerp" else zeros
    steps0 = _steps(decoder, anchors, start, dense, latent)
    coeffs, n_iter, n_eval, converged, note = _fit(decoder, anchors, start, grid, latent, max_iter, tol)
    steps1 = _steps(decoder, anchors, coeffs, dense, latent)
    len0, len1 = steps0.sum(1), steps1.sum(1)
    worse = ~torch.isfinite(len1) | (len1 > len0) | ~torch.isfinite(coeffs).flatten(1).all(1)
    coeffs = torch.where(worse[:, None, None, None], start, coeffs)
    steps1 = torch.where(worse[:, None], steps0, steps1)
    s = _positions(steps1, dense, t.to(torch.float64), n_seg, parametrize)  # (B, T)
    z, fell_back = _curve(anchors, coeffs, s, t, init)
    m = dense.numel() - 1
    report = GeodesicReport(
        converged=converged,
        iterations=n_iter,
        evaluations=n_eval,
        energy_before=(steps0.pow(2).sum(1) * m).tolist(),
        energy_after=(steps1.pow(2).sum(1) * m).tolist(),
        length_before=len0.tolist(),
        length_after=steps1.sum(1).tolist(),
        reverted=(worse | fell_back).tolist(),
        note=note,
    )
    _handle_convergence(report, max_iter, strict)
    z = z.reshape(z0.shape[0], t.shape[0], *latent).to(z0.dtype)
    nodes = curve_at(anchors, coeffs, grid).reshape(z0.shape[0], grid.numel(), *latent).to(z0.dtype)
    return GeodesicResult(pin_endpoints(z, z0, z1, t), nodes, report)


OPTIONS = [p.name for p in inspect.signature(geodesic_path).parameters.values() if p.kind is p.KEYWORD_ONLY]


def _handle_convergence(report: GeodesicReport, max_iter: int, strict: bool) -> None:
    if report.converged:
        return
    msg = report.note or (f"The geodesic did not converge in {max_iter} L-BFGS iterations (length ratio "
                          f"{report.summary()['length_ratio']:.3f}); raise max_iter or lower n_nodes.")
    if strict:
        raise GeodesicNotConvergedError(msg)
    warnings.warn(msg + " The best curve found is returned; it is never longer than its start.",
                  GeodesicWarning, stacklevel=3)


def geodesic(
    z0: torch.Tensor,
    z1: torch.Tensor,
    t: torch.Tensor,
    decoder: Decoder | None = None,
    reports: list[GeodesicReport] | None = None,
    **options: object,
) -> torch.Tensor:
    """The registered method: (B, *L), (B, *L), (T,) -> (B, T, *L); see `geodesic_path` for options.

    reports: a list to which the optimisation's `GeodesicReport` is appended.
    """
    check_keywords("geodesic", options, ["decoder", "reports", *OPTIONS])
    if reports is not None and not isinstance(reports, list):
        raise InvalidParameterError(
            f"The 'reports' parameter of geodesic must be a list or None. Got {type(reports).__name__} instead."
        )
    result = geodesic_path(z0, z1, t, decoder, **options)  # type: ignore[arg-type]
    if reports is not None:
        reports.append(result.report)
    return result.z


register_path(
    "geodesic",
    "shortest decoded path: minimises the decoder-induced curve energy (Shao et al. 2018), L-BFGS from the straight line",
    needs_decoder=True,
)(geodesic)
