"""The path-method contract and its registry.

A path method maps `(z0, z1, t) -> z` with shapes `(B, *L), (B, *L), (T,) -> (B, T, *L)`.
It returns the endpoints exactly, never NaN, and keeps dtype and device (half precision is
computed in float32). A method knows nothing of models; the few that need a decoder
(`needs_decoder`) get it passed in as a keyword.

A method that walks through many keyframes at once, because each piece depends on the
neighbouring keyframes (a spline), also gives a `route` function
`route(keys (K, *L), s (T,), loop) -> (T, *L)`, where s is the position in keyframe units
(keyframe k at s = k; a loop wraps at s = K). `keyframe_walk` then calls `route` once for the
whole walk instead of calling the pair method per segment. The pair method stays the contract
for two codes.

Never NaN holds at the ends of the float range too: the methods divide the codes by a power of
two (`unit_scale`) before taking norms, and multiply back at the end (`unscale`).

The (B, T, *L) output is most of the cost (128 MiB at B=1024, T=64, d=512), so the pair methods
write it once, in chunks of pairs that stay in the cache (`write_frames`), and fold the power of
two into their (B, T) weights when that is exact (`folds`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import numpy as np
import torch

from latentwalk.config import MAX_STEPS
from latentwalk.errors import InvalidParameterError
from latentwalk.registry import Registry

Item = TypeVar("Item")
PathFn = Callable[..., torch.Tensor]
RouteFn = Callable[[torch.Tensor, torch.Tensor, bool], torch.Tensor]


@dataclass(frozen=True)
class PathMethod:
    name: str
    fn: PathFn
    description: str
    space: Literal["latent", "data"] = "latent"  # "data": mixes the inputs, not the codes
    needs_decoder: bool = False
    route: RouteFn | None = None  # walks all keyframes at once (see the module docstring)


PATHS: Registry[PathMethod] = Registry("path method", group="latentwalk.paths")


def register_path(
    name: str,
    description: str,
    space: Literal["latent", "data"] = "latent",
    needs_decoder: bool = False,
    route: RouteFn | None = None,
) -> Callable[[PathFn], PathFn]:
    def deco(fn: PathFn) -> PathFn:
        PATHS.add(name, PathMethod(name, fn, description, space, needs_decoder, route))
        return fn

    return deco


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """Half and bfloat16 inputs are computed in float32; float64 stays float64."""
    return torch.float64 if dtype == torch.float64 else torch.float32


def pin_endpoints(z: torch.Tensor, z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Set the exact endpoints where t == 0 or t == 1 (floating maths may be off by an ulp).

    Writes only those columns, in place on `z` (a fresh tensor of the caller's), one plain copy
    each (an index_put over a tensor of columns took several times as long)."""
    for i in (t == 0).nonzero().flatten().tolist():
        z[:, i] = z0
    for i in (t == 1).nonzero().flatten().tolist():
        z[:, i] = z1
    return z


# --- overflow: the maths runs on codes of size ~1 --------------------------------------------
# The norm of a finite float32 code near 1e38 overflows to inf (and of a subnormal one underflows
# to 0), which turned slerp and spline into NaN. Dividing every code of a pair by one power of two
# is exact, keeps every ratio the maths depends on, and brings the largest entry into [1, 2);
# `unscale` multiplies the size back (exact again) at the end.

SATURATE = 64  # ulps: a result this close above the largest float is rounding, not overflow


def unit_scale(*codes: torch.Tensor) -> torch.Tensor:
    """Codes (B, ...) -> (B,) powers of two s with max|code| / s in [1, 2); 1 where all are zero."""
    flat = [c.flatten(1) for c in codes]  # max|code| as max(max, -min): no (B, D) temporary
    m = torch.stack([torch.maximum(c.amax(1), -c.amin(1)) for c in flat]).amax(0)  # (B,)
    mantissa, _ = torch.frexp(m)  # m = mantissa * 2^e, mantissa in [0.5, 1)
    return torch.where(m > 0, m / (2 * mantissa), torch.ones_like(m))  # 2^(e - 1), exactly


def unscale(y: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    """y (B, ...) in units of s (B,) -> y * s.

    A value that lands within a few ulps above the largest float (the true answer is the largest
    float; rounding pushed it over) is saturated to it instead of becoming inf."""
    s = s.reshape(-1, *([1] * (y.dim() - 1)))
    z = y * s
    over = torch.isinf(z)
    if bool(over.any()):
        info = torch.finfo(z.dtype)
        limit = (info.max / s) * (1 + SATURATE * info.eps)  # exact division: s is a power of two
        z = torch.where(over & (y.abs() <= limit), torch.sign(y) * info.max, z)
    return z


def folds(s: torch.Tensor, peak: torch.Tensor) -> bool:
    """Whether multiplying (B, T) weights of largest size `peak` (B,) by the powers of two s (B,)
    gives the same frames as multiplying the frames by s (`unscale`), with one pass fewer.

    It does while the weights stay normal floats (exact products) and the frames stay below a
    quarter of the largest float (no saturation to handle): for every pair but subnormal-sized
    codes (s < 2^-103 in float32) and codes whose norm nears the largest float."""
    info = torch.finfo(s.dtype)
    return bool(((s >= info.tiny / info.eps) & (peak * s < info.max / 4)).all())


def near_overflow(s: torch.Tensor) -> bool:
    """Whether any pair's codes (largest entry < 2 s, see unit_scale) reach an eighth of the largest
    float: there a weighted sum of two codes, or their difference, may round past it."""
    return bool((s > torch.finfo(s.dtype).max / 16).any())


# --- writing the (B, T, D) frames: once, a cache-sized chunk of pairs at a time ------------------
# A pair method does two multiply-adds per output value, so its time is the output's memory. Two
# costs dominated (B=1024, T=64, d=512: 128 MiB): the first write to fresh memory faults in one
# 4 KiB page at a time (about 50 ms, as long as torch.lerp takes in all), and every extra pass
# over the output (a temporary, a rescale, a cast) reads and writes 128 MiB again.

# A chunk's frames stay in the last-level cache, so its second pass and its cast read the cache.
# Not smaller: each op on a chunk starts the thread team once, and on a busy machine a team of 2
# waited milliseconds for its second thread (1 MiB chunks, 256 ops: 2 s instead of 50 ms).
CHUNK_BYTES = 8 << 20
HUGE_PAGES_FROM = 4 << 20  # numpy asks for huge pages for arrays from 4 MiB on


def new_frames(shape: tuple[int, ...], dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """An uninitialised tensor; a large CPU one on transparent huge pages.

    numpy (>= 1.16, Linux) advises the kernel to back arrays of 4 MiB or more with 2 MiB pages
    (madvise MADV_HUGEPAGE), which makes the first write to them several times cheaper; torch's
    own allocator does not (unless THP_MEM_ALLOC_ENABLE=1 is set before it starts)."""
    nbytes = math.prod(shape) * dtype.itemsize
    if device.type != "cpu" or nbytes < HUGE_PAGES_FROM:
        return torch.empty(shape, dtype=dtype, device=device)
    return torch.from_numpy(np.empty(nbytes, dtype=np.uint8)).view(dtype).view(shape)


Fill = Callable[[slice, torch.Tensor | None], torch.Tensor]  # (rows, out or None) -> frames of those rows


def write_frames(
    shape: tuple[int, int, int],
    dtype: torch.dtype,
    device: torch.device,
    compute: torch.dtype,
    fill: Fill,
    scale: torch.Tensor | None = None,
    grad: bool = False,
) -> torch.Tensor:
    """(B, T, D) frames of `dtype` from `fill(rows, out)`, which computes the pairs `rows` in
    `compute` precision into `out` (C, T, D) (or into a new tensor when out is None).

    Chunks of pairs small enough to stay in the cache: nothing of size (B, T, D) but the output is
    ever built. scale (B,): fill works in those units, and each chunk is multiplied back (`unscale`)
    on its way out. grad: the inputs need gradients, which `out=` does not keep: one plain pass."""
    if grad:
        z = fill(slice(None), None)
        return (z if scale is None else unscale(z, scale)).to(dtype)
    b, t, d = shape
    step = max(1, CHUNK_BYTES // (t * d * compute.itemsize))
    out = new_frames(shape, dtype, device)
    direct = dtype == compute and scale is None
    buf = None if direct else torch.empty(min(step, b), t, d, dtype=compute, device=device)
    for i in range(0, b, step):
        rows = slice(i, min(i + step, b))
        if buf is None:
            fill(rows, out[rows])
            continue
        chunk = fill(rows, buf[: rows.stop - i])
        out[rows].copy_(chunk if scale is None else unscale(chunk, scale[rows]))
    return out


def needs_grad(*tensors: torch.Tensor) -> bool:
    return torch.is_grad_enabled() and any(x.requires_grad for x in tensors)


# --- names and keywords at the public entry points -------------------------------------------


def lookup(registry: Registry[Item], name: Any, param: str, caller: str) -> Item:
    """registry.get for a user's value: a non-string is an InvalidParameterError, not a TypeError."""
    if not isinstance(name, str):
        raise InvalidParameterError(
            f"The '{param}' parameter of {caller} must be a str among {', '.join(registry.names())}. "
            f"Got {name!r} instead."
        )
    return registry.get(name)


def check_keywords(method: str, given: dict[str, Any], valid: list[str]) -> None:
    """Unknown keyword arguments for a path method -> an error naming them and the valid ones."""
    unknown = sorted(set(given) - set(valid))
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        allowed = ", ".join(valid) if valid else "none"
        raise InvalidParameterError(
            f"The path method '{method}' got unexpected keyword argument(s) {names}; "
            f"its valid keywords: {allowed}."
        )


# --- t ----------------------------------------------------------------------------------------

T_KIND = f"a 1-D sequence or tensor of 1 to {MAX_STEPS} real numbers"


def _bad_t(t: Any, caller: str) -> InvalidParameterError:
    shown = repr(t) if len(repr(t)) <= 60 else repr(t)[:57] + "..."
    return InvalidParameterError(f"The 't' parameter of {caller} must be {T_KIND}. Got {shown} instead.")


def _as_t(t: Any, caller: str) -> torch.Tensor:
    """A user's t -> a real tensor; strings, None, booleans and complex numbers are refused."""
    if isinstance(t, torch.Tensor):
        tt = t
    elif t is None or isinstance(t, (str, bytes, bool, complex, dict, set)):
        raise _bad_t(t, caller)
    else:
        if isinstance(t, (list, tuple)) and any(isinstance(v, (bool, str, bytes)) for v in t):
            raise _bad_t(t, caller)  # torch would read True as 1.0 and fail on a string with a TypeError
        try:
            tt = torch.as_tensor(t)
        except (TypeError, ValueError, RuntimeError, OverflowError):
            raise _bad_t(t, caller) from None
    if tt.dtype == torch.bool or tt.is_complex():
        raise _bad_t(t, caller)
    return tt if tt.is_floating_point() else tt.to(torch.float64)


def check_t(t: Any, extrapolate: bool = False, caller: str = "interpolate") -> torch.Tensor:
    """A user's t -> a 1-D real tensor of 1 to MAX_STEPS finite values (in [0, 1] unless extrapolating)."""
    t = _as_t(t, caller)
    if t.dim() != 1 or not (1 <= t.numel() <= MAX_STEPS):
        raise InvalidParameterError(
            f"The 't' parameter of {caller} must be {T_KIND}. Got shape {tuple(t.shape)} instead."
        )
    if not bool(torch.isfinite(t).all()):
        raise InvalidParameterError(
            f"The 't' parameter of {caller} contains NaN or inf values; t must be finite."
        )
    if not extrapolate and bool(((t < 0) | (t > 1)).any()):
        raise InvalidParameterError(
            f"The 't' parameter of {caller} must lie in [0, 1] but ranges over "
            f"[{float(t.min()):g}, {float(t.max()):g}]; pass extrapolate=True to walk beyond the endpoints."
        )
    return t
