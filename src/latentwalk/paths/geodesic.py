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
  `GeodesicNotConvergedError`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, cast

import torch

from latentwalk.errors import InvalidParameterError, LatentwalkError
from latentwalk.paths.base import compute_dtype, pin_endpoints, register_path

Decoder = Callable[[torch.Tensor], torch.Tensor]
TINY = 1e-12
DENSE = 4  # lengths are measured on 4x the energy grid, and frames placed on it
NO_GRADIENTS = ("The decoder given to the geodesic passes no gradients (it runs under torch.no_grad); "
                "pass a differentiable decoder such as model.decode.")


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
    return a + tau[None, :, None] * (b - a) + bend


def _slerp_coeffs(anchors: torch.Tensor, k: int, n: int) -> torch.Tensor:
    """Sine coefficients (B, S, K, D) that bend each straight segment onto the arc (least squares)."""
    from latentwalk.paths.slerp import slerp

    tau = torch.linspace(0, 1, n + 1, dtype=anchors.dtype)
    basis = _sines(tau, k)  # (n + 1, K)
    out = []
    for i in range(anchors.shape[1] - 1):
        a, b = anchors[:, i], anchors[:, i + 1]
        gap = slerp(a, b, tau) - (a[:, None] + tau[None, :, None] * (b - a)[:, None])  # (B, n + 1, D)
        out.append(torch.linalg.lstsq(basis.expand(a.shape[0], -1, -1), gap).solution)  # (B, K, D)
    return torch.stack(out, dim=1)


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
        x = _decode_curve(decoder, curve_at(anchors, coeffs, s), latent)
        return (x[:, 1:] - x[:, :-1]).pow(2).sum(-1).sqrt()


def differentiable(decoder: Decoder, z: torch.Tensor) -> bool:
    """Does the decoder pass gradients back to the codes? (Not when it runs under no_grad.)"""
    with torch.enable_grad():
        return bool(decoder(z.detach().clone().requires_grad_(True)).requires_grad)


# --- optimisation ------------------------------------------------------------------------------


def _optimise(
    decoder: Decoder, anchors: torch.Tensor, start: torch.Tensor, grid: torch.Tensor, latent: tuple[int, ...],
    max_iter: int, tol: float,
) -> tuple[torch.Tensor, int, int, bool]:
    """L-BFGS on the sine coefficients; returns them, iterations, evaluations and convergence."""
    with torch.no_grad():
        scale = energy_and_length(_decode_curve(decoder, curve_at(anchors, start, grid), latent))[0].clamp_min(TINY)
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
    return torch.where(total > TINY, s, uniform)  # a curve that does not move: by parameter


# --- the method --------------------------------------------------------------------------------


def _check(decoder: Decoder | None, n_nodes: int, n_basis: int, max_iter: int, init: str, parametrize: str,
           waypoints: torch.Tensor | None, z0: torch.Tensor) -> None:
    if decoder is None or not callable(decoder):
        raise InvalidParameterError(
            "The geodesic needs the decoder: pass decoder=model.decode (run_walk does this for you)."
        )
    for name, value, low, high in (("n_nodes", n_nodes, 2, 1024), ("n_basis", n_basis, 1, 64), ("max_iter", max_iter, 1, 100_000)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InvalidParameterError(
                f"The '{name}' parameter of geodesic must be an int in the range [{low}, {high}]. Got {value!r} instead."
            )
    if init not in ("lerp", "slerp") or parametrize not in ("arclength", "uniform"):
        raise InvalidParameterError(
            f"geodesic takes init 'lerp' or 'slerp' and parametrize 'arclength' or 'uniform'; got {init!r} and {parametrize!r}."
        )
    if waypoints is not None:
        w = waypoints
        ok = isinstance(w, torch.Tensor) and w.dim() >= 2 and tuple(w.shape[-z0.dim() + 1:]) == tuple(z0.shape[1:])
        if not ok or not bool(torch.isfinite(w).all()):
            raise InvalidParameterError(
                f"`waypoints` must be a finite tensor (W, *L) or (B, W, *L) with L = {tuple(z0.shape[1:])}."
            )


def _anchors(a: torch.Tensor, b: torch.Tensor, waypoints: torch.Tensor | None, latent: tuple[int, ...]) -> torch.Tensor:
    """(B, S + 1, D): start, waypoints in order, end."""
    if waypoints is None:
        return torch.stack([a, b], dim=1)
    w = waypoints.to(a.dtype).expand(a.shape[0], *waypoints.shape[-len(latent) - 1:]).flatten(2)
    return torch.cat([a[:, None], w, b[:, None]], dim=1)


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
    _check(decoder, n_nodes, n_basis, max_iter, init, parametrize, waypoints, z0)
    decoder = cast(Decoder, decoder)  # _check raised if it was None
    latent, dtype = tuple(z0.shape[1:]), compute_dtype(z0.dtype)
    anchors = _anchors(z0.flatten(1).to(dtype), z1.flatten(1).to(dtype), waypoints, latent)  # (B, S + 1, D)
    n_seg = anchors.shape[1] - 1
    grid = torch.linspace(0, n_seg, n_seg * n_nodes + 1, dtype=torch.float64)
    dense = torch.linspace(0, n_seg, n_seg * n_nodes * DENSE + 1, dtype=torch.float64)
    zeros = torch.zeros(anchors.shape[0], n_seg, n_basis, anchors.shape[2], dtype=dtype)
    start = _slerp_coeffs(anchors, n_basis, n_nodes) if init == "slerp" else zeros
    steps0 = _steps(decoder, anchors, start, dense, latent)
    note = "" if differentiable(decoder, anchors[:1, 0].reshape(1, *latent)) else NO_GRADIENTS
    if note:  # nothing to optimise with: the start is returned and reported as not converged
        coeffs, n_iter, n_eval, converged = start, 0, 0, False
    else:
        coeffs, n_iter, n_eval, converged = _optimise(decoder, anchors, start, grid, latent, max_iter, tol)
    steps1 = _steps(decoder, anchors, coeffs, dense, latent)
    len0, len1 = steps0.sum(1), steps1.sum(1)
    worse = ~torch.isfinite(len1) | (len1 > len0) | ~torch.isfinite(coeffs).flatten(1).all(1)
    coeffs = torch.where(worse[:, None, None, None], start, coeffs)
    steps1 = torch.where(worse[:, None], steps0, steps1)
    m = dense.numel() - 1
    report = GeodesicReport(
        converged=converged,
        iterations=n_iter,
        evaluations=n_eval,
        energy_before=(steps0.pow(2).sum(1) * m).tolist(),
        energy_after=(steps1.pow(2).sum(1) * m).tolist(),
        length_before=len0.tolist(),
        length_after=steps1.sum(1).tolist(),
        reverted=worse.tolist(),
        note=note,
    )
    _handle_convergence(report, max_iter, strict)
    s = _positions(steps1, dense, t.to(torch.float64), n_seg, parametrize)  # (B, T)
    z = torch.stack([curve_at(anchors[i : i + 1], coeffs[i : i + 1], s[i])[0] for i in range(len(s))])
    z = z.reshape(z0.shape[0], t.shape[0], *latent).to(z0.dtype)
    nodes = curve_at(anchors, coeffs, grid).reshape(z0.shape[0], grid.numel(), *latent).to(z0.dtype)
    return GeodesicResult(pin_endpoints(z, z0, z1, t), nodes, report)


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
    result = geodesic_path(z0, z1, t, decoder, **options)  # type: ignore[arg-type]
    if reports is not None:
        reports.append(result.report)
    return result.z


register_path(
    "geodesic",
    "shortest decoded path: minimises the decoder-induced curve energy (Shao et al. 2018), L-BFGS from the straight line",
    needs_decoder=True,
)(geodesic)
