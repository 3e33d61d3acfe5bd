"""New variants by mixing codes: n-point mixes, analogies and 2-D grids, matched to N(0, I).

Agustsson, Sage, Timofte, Van Gool, "Optimal transport maps for distribution preserving
operations on latent spaces of generative models", ICLR 2019: if z_1..z_n ~ N(0, I) are
independent, sum_i w_i z_i ~ N(0, |w|^2 I), so dividing the weighted sum by |w| (the norm of the
weights) keeps N(0, I). An analogy a : b :: c : ? is the mix c + b - a, weights (-1, 1, 1),
divided by sqrt(3) when matched.

The grid spanned by anchors is plat's gradient grid (White 2016, "Sampling Generative
Networks"): four corners A (top left), B (top right), C (bottom left), D (bottom right) are
mixed bilinearly; with three corners, D is the analogy B + C - A, which makes the grid an
analogy diagram (White's J-diagram). Every cell's weights sum to 1, so |w| >= 1/2: never a
division by zero. Codes are divided by a power of two before mixing (`unit_scale`), so that huge
float32 codes (near 1e38) cannot overflow on the way to a representable mix.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, Literal

import torch

from latentwalk.config import Constraint, Interval, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.paths.base import unit_scale, unscale

Mode = Literal["matched", "linear"]
MAX_SIDE = 64  # a grid is at most 64 x 64 cells: 4096 decodes, the walk's own frame limit
_GRID: dict[str, list[Constraint]] = {
    "rows": [Interval(Integral, 2, MAX_SIDE)],
    "cols": [Interval(Integral, 2, MAX_SIDE)],
}


def _check_mode(mode: str, caller: str) -> None:
    if not isinstance(mode, str) or mode not in ("matched", "linear"):
        raise InvalidParameterError(f"The 'mode' parameter of {caller} must be 'matched' or 'linear'. Got {mode!r} instead.")


def _check_codes(codes: torch.Tensor, caller: str, least: int = 1, name: str = "codes") -> None:
    if not isinstance(codes, torch.Tensor) or not codes.is_floating_point() or codes.dim() < 2 or codes.numel() == 0:
        got = f"shape {tuple(codes.shape)}" if isinstance(codes, torch.Tensor) else type(codes).__name__
        raise InvalidParameterError(
            f"The '{name}' parameter of {caller} must be a floating-point tensor (N, *L). Got {got} instead."
        )
    if codes.shape[0] < least or not bool(torch.isfinite(codes).all()):
        raise InvalidParameterError(f"{caller} needs at least {least} finite codes; got {codes.shape[0]}.")


def _as_weights(weights: Any, n: int) -> tuple[torch.Tensor, bool]:
    """A user's weights -> (M, N) finite float64 weights, and whether they were one mix (N,)."""
    try:
        w = torch.as_tensor(weights, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        w = None
    if w is None or w.dim() not in (1, 2) or w.shape[-1] != n or not bool(torch.isfinite(w).all()):
        shown = tuple(w.shape) if w is not None else repr(weights)
        raise InvalidParameterError(f"`weights` must be finite, (N,) or (M, N) with N = {n}; got {shown}.")
    return (w[None], True) if w.dim() == 1 else (w, False)


def mix(codes: torch.Tensor, weights: torch.Tensor, mode: Mode = "matched") -> torch.Tensor:
    """codes (N, *L), weights (N,) or (M, N) -> one mix (*L) or M mixes (M, *L)."""
    _check_codes(codes, "mix")
    _check_mode(mode, "mix")
    w, single = _as_weights(weights, codes.shape[0])  # (M, N)
    norm = w.norm(dim=1, keepdim=True)  # (M, 1)
    if mode == "matched" and bool((norm == 0).any()):
        raise InvalidParameterError("A matched mix needs weights that are not all zero.")
    if mode == "matched":
        w = w / norm  # Agustsson et al. 2019: keeps N(0, I)
    s = unit_scale(codes.flatten()[None])  # (1,) a power of two: huge codes would overflow in the sum
    z = unscale(w.to(codes.dtype) @ (codes.flatten(1) / s), s)  # (M, D)
    z = z.reshape(w.shape[0], *codes.shape[1:])  # (M, *L)
    return z[0] if single else z


def _check_analogy(a: Any, b: Any, c: Any) -> None:
    for name, z in (("a", a), ("b", b), ("c", c)):
        if not isinstance(z, torch.Tensor) or not z.is_floating_point():
            got = z.dtype if isinstance(z, torch.Tensor) else type(z).__name__
            raise InvalidParameterError(
                f"The '{name}' parameter of analogy must be a floating-point torch.Tensor. Got {got} instead."
            )
    if not (a.shape == b.shape == c.shape) or not (a.dtype == b.dtype == c.dtype):
        raise InvalidParameterError(
            f"`a`, `b` and `c` of analogy must share shape and dtype but are {tuple(a.shape)}/{a.dtype}, "
            f"{tuple(b.shape)}/{b.dtype} and {tuple(c.shape)}/{c.dtype}."
        )


def analogy(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, mode: Mode = "matched") -> torch.Tensor:
    """a : b :: c : ? -> c + (b - a), divided by sqrt(3) when matched. Codes (*L) or (B, *L)."""
    _check_analogy(a, b, c)
    codes = torch.stack([a, b, c])  # (3, ...)
    flat = codes.reshape(3, -1) if codes.dim() > 1 else codes[:, None]
    z = mix(flat, torch.tensor([-1.0, 1.0, 1.0]), mode)
    return z.reshape(a.shape)


def grid_weights(n_corners: int, rows: int, cols: int) -> torch.Tensor:
    """(rows, cols, n_corners) weights of corners A, B, C (, D) in each cell; each sums to 1."""
    if n_corners not in (3, 4):
        raise InvalidParameterError(f"A grid is spanned by 3 or 4 corners (A B C [D]); got {n_corners}.")
    check_params(_GRID, {"rows": rows, "cols": cols}, "corner_grid")
    v = torch.linspace(0, 1, rows, dtype=torch.float64)[:, None]  # down
    u = torch.linspace(0, 1, cols, dtype=torch.float64)[None, :]  # across
    if n_corners == 4:
        w = [(1 - u) * (1 - v), u * (1 - v), (1 - u) * v, u * v]
    else:  # D = B + C - A: the analogy corner
        w = [1 - u - v, u + 0 * v, v + 0 * u]
    return torch.stack(w, dim=-1)


def corner_grid(corners: torch.Tensor, rows: int = 5, cols: int = 5, mode: Mode = "matched") -> torch.Tensor:
    """Corners (3 or 4, *L) -> (rows, cols, *L) codes; cell (0, 0) is A, (0, -1) B, (-1, 0) C.

    With four corners (-1, -1) is D; with three it is the analogy B + C - A.
    """
    _check_codes(corners, "corner_grid", 3, name="corners")
    w = grid_weights(corners.shape[0], rows, cols)  # (R, K, n)
    z = mix(corners, w.reshape(rows * cols, -1), mode)  # (R*K, *L)
    z = z.reshape(rows, cols, *corners.shape[1:])
    return _pin_corners(z, corners)


def _pin_corners(z: torch.Tensor, corners: torch.Tensor) -> torch.Tensor:
    """The given corners are returned exactly (their weights are one-hot, so |w| = 1)."""
    z[0, 0], z[0, -1], z[-1, 0] = corners[0], corners[1], corners[2]
    if corners.shape[0] == 4:
        z[-1, -1] = corners[3]
    return z
