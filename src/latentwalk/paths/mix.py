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
division by zero.
"""

from __future__ import annotations

from typing import Literal

import torch

from latentwalk.errors import InvalidParameterError

Mode = Literal["matched", "linear"]


def _check_mode(mode: str, caller: str) -> None:
    if mode not in ("matched", "linear"):
        raise InvalidParameterError(f"The 'mode' parameter of {caller} must be 'matched' or 'linear'. Got {mode!r} instead.")


def _check_codes(codes: torch.Tensor, caller: str, least: int = 1) -> None:
    if not isinstance(codes, torch.Tensor) or not codes.is_floating_point() or codes.dim() < 2:
        raise InvalidParameterError(f"`codes` of {caller} must be a floating-point tensor (N, *L).")
    if codes.shape[0] < least or not bool(torch.isfinite(codes).all()):
        raise InvalidParameterError(f"{caller} needs at least {least} finite codes; got {codes.shape[0]}.")


def mix(codes: torch.Tensor, weights: torch.Tensor, mode: Mode = "matched") -> torch.Tensor:
    """codes (N, *L), weights (N,) or (M, N) -> one mix (*L) or M mixes (M, *L)."""
    _check_codes(codes, "mix")
    _check_mode(mode, "mix")
    w = torch.as_tensor(weights, dtype=torch.float64)
    single = w.dim() == 1
    w = w[None] if single else w
    if w.dim() != 2 or w.shape[1] != codes.shape[0] or not bool(torch.isfinite(w).all()):
        raise InvalidParameterError(f"`weights` must be finite, (N,) or (M, N) with N = {codes.shape[0]}; got {tuple(w.shape)}.")
    norm = w.norm(dim=1, keepdim=True)  # (M, 1)
    if mode == "matched" and bool((norm == 0).any()):
        raise InvalidParameterError("A matched mix needs weights that are not all zero.")
    if mode == "matched":
        w = w / norm  # Agustsson et al. 2019: keeps N(0, I)
    z = (w.to(codes.dtype) @ codes.flatten(1)).reshape(w.shape[0], *codes.shape[1:])  # (M, *L)
    return z[0] if single else z


def analogy(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, mode: Mode = "matched") -> torch.Tensor:
    """a : b :: c : ? -> c + (b - a), divided by sqrt(3) when matched. Codes (*L) or (B, *L)."""
    codes = torch.stack([a, b, c])  # (3, ...)
    flat = codes.reshape(3, -1) if codes.dim() > 1 else codes[:, None]
    z = mix(flat, torch.tensor([-1.0, 1.0, 1.0]), mode)
    return z.reshape(a.shape)


def grid_weights(n_corners: int, rows: int, cols: int) -> torch.Tensor:
    """(rows, cols, n_corners) weights of corners A, B, C (, D) in each cell; each sums to 1."""
    if n_corners not in (3, 4):
        raise InvalidParameterError(f"A grid is spanned by 3 or 4 corners (A B C [D]); got {n_corners}.")
    if not (2 <= rows <= 64 and 2 <= cols <= 64):
        raise InvalidParameterError(f"A grid needs 2 to 64 rows and columns; got {rows} x {cols}.")
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
    _check_codes(corners, "corner_grid", 3)
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
