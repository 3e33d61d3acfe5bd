"""Perceptual path length (PPL).

Karras, Laine, Aila, "A Style-Based Generator Architecture for Generative Adversarial
Networks", CVPR 2019, section 3 (and NVlabs/stylegan metrics/perceptual_path_length.py):

    l_Z = E[ (1/eps^2) d(G(slerp(z1, z2; t)), G(slerp(z1, z2; t + eps))) ],
    z1, z2 ~ N(0, I),  t ~ U(0, 1) ("full") or t in {0, 1} ("end"),  eps = 1e-4,

and the mean is taken after dropping the samples below the 1st and above the 99th percentile
(numpy's "lower" and "higher" percentile rules, as their code does).

Their d is LPIPS, a weighted *squared* difference of deep features, so d shrinks like eps^2
and the 1/eps^2 factor gives a finite number. Our "rms" is a root mean square pixel difference, which shrinks
like eps; PPL therefore uses its square, the mean squared pixel difference, so the units match
the formula. 1 - SSIM is already quadratic near a perfect match (SSIM is maximal there) and is
used as it is.

Our differences from their setup: G is any decoder; the interpolation is any latent path
method of `latentwalk.paths` (default "slerp"; their slerp also normalises the codes because
StyleGAN's mapping network does, ours moves the norm linearly between the endpoints'); no
face crop or VGG resizing; "end" samples t = 0 only, as their code does — with z1, z2 drawn
independently, t = 1 stepping back by eps has the same distribution.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch

from latentwalk.config import Interval, Options, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.metrics.base import FRAME_DISTANCES, FrameDistance, MetricResult, WalkView, register_metric
from latentwalk.paths.base import PATHS, PathMethod, compute_dtype

EPSILON = 1e-4
SQUARED_FOR_PPL = frozenset({"rms"})  # distances linear in the difference: squared to match LPIPS
TRIM_PERCENTILES = (1, 99)

Decoder = Callable[[torch.Tensor], torch.Tensor]

_CONSTRAINTS: dict[str, list[Any]] = {
    "n_samples": [Interval(Integral, 1, None)],
    "epsilon": [Interval(Real, 0, 1, closed="neither")],
    "sampling": [Options(frozenset({"full", "end"}))],
    "batch_size": [Interval(Integral, 1, None)],
    "generator": [torch.Generator, None],
}


def ppl_distance(name: str) -> FrameDistance:
    """The frame distance PPL uses for `name`: squared for "rms" (see the module docstring)."""
    fn = FRAME_DISTANCES.get(name)
    if name in SQUARED_FOR_PPL:
        return lambda a, b: fn(a, b).pow(2)
    return fn


def trim_outliers(samples: np.ndarray) -> np.ndarray:
    """Keep samples within [1st percentile ("lower"), 99th percentile ("higher")], as StyleGAN."""
    lo = np.percentile(samples, TRIM_PERCENTILES[0], method="lower")
    hi = np.percentile(samples, TRIM_PERCENTILES[1], method="higher")
    return samples[(samples >= lo) & (samples <= hi)]


def _latent_method(name: str) -> PathMethod:
    method = PATHS.get(name)
    if method.space != "latent":
        raise InvalidParameterError(
            f"PPL walks in latent space but '{name}' mixes data; use a latent method such as 'slerp'."
        )
    return method


def _path_fn(method: PathMethod, decode: Decoder) -> Callable[..., torch.Tensor]:
    kwargs = {"decoder": decode} if method.needs_decoder else {}
    return lambda z0, z1, t: method.fn(z0, z1, t, **kwargs)


def _t_pair(
    t: torch.Tensor, epsilon: float, dtype: torch.dtype
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """t and t + eps rounded to the codes' precision, and the eps that rounding leaves: (K,) each.

    Dividing by the eps actually applied keeps float32 rounding of t out of the 1/eps^2 factor.
    """
    cd = compute_dtype(dtype)
    t0, t1 = t.to(cd), (t.to(torch.float64) + epsilon).to(cd)
    return t0, t1, (t1.to(torch.float64) - t0.to(torch.float64))


def _decode(decode: Decoder, z: torch.Tensor, batch_size: int) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([decode(chunk) for chunk in z.split(batch_size)])


def _pair_codes(
    path: Callable[..., torch.Tensor], z0: torch.Tensor, z1: torch.Tensor, t0: torch.Tensor, t1: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Codes at (t0_i, t1_i) on the path z0_i -> z1_i: (B, *L) each.

    A path method shares one t-vector over its batch, so per-sample t needs one call per pair;
    when every t is the same ("end" sampling) a single call does the whole batch.
    """
    if bool((t0 == t0[0]).all()):
        z = path(z0, z1, torch.stack([t0[0], t1[0]]))  # (B, 2, *L)
        return z[:, 0], z[:, 1]
    pairs = [path(z0[i : i + 1], z1[i : i + 1], torch.stack([t0[i], t1[i]]))[0] for i in range(z0.shape[0])]
    z = torch.stack(pairs)  # (B, 2, *L)
    return z[:, 0], z[:, 1]


def _check_latent_shape(latent_shape: Any) -> tuple[int, ...]:
    shape = tuple(latent_shape) if isinstance(latent_shape, (tuple, list, torch.Size)) else None
    if not shape or not all(isinstance(s, Integral) and not isinstance(s, bool) and int(s) > 0 for s in shape):
        raise InvalidParameterError(
            f"The 'latent_shape' parameter of perceptual_path_length must be a tuple of positive ints. "
            f"Got {latent_shape!r} instead."
        )
    return tuple(int(s) for s in shape)


def _ppl_batch(
    decode: Decoder,
    path: Callable[..., torch.Tensor],
    dist: FrameDistance,
    n: int,
    shape: tuple[int, ...],
    opts: dict[str, Any],
) -> np.ndarray:
    """(n,) PPL samples for one batch of n random pairs."""
    g, dtype, device = opts["generator"], opts["dtype"], opts["device"]
    z = torch.randn((2, n, *shape), generator=g, device=g.device, dtype=dtype).to(device)
    t = torch.rand(n, generator=g, device=g.device, dtype=torch.float64).cpu()
    t = t if opts["sampling"] == "full" else torch.zeros_like(t)
    t0, t1, eps = _t_pair(t, opts["epsilon"], dtype)
    za, zb = _pair_codes(path, z[0], z[1], t0.to(device), t1.to(device))
    x = _decode(decode, torch.cat([za, zb]), opts["batch_size"])
    return (dist(x[:n], x[n:]) / eps.pow(2)).numpy()


def ppl_samples(
    decode: Decoder,
    latent_shape: tuple[int, ...],
    n_samples: int = 10_000,
    epsilon: float = EPSILON,
    sampling: str = "full",
    distance: str = "rms",
    space_method: str = "slerp",
    generator: torch.Generator | None = None,
    batch_size: int = 256,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> np.ndarray:
    """(n_samples,) untrimmed PPL samples (1/eps^2) d(G(z(t)), G(z(t + eps))); arguments as in
    `perceptual_path_length`."""
    check_params(_CONSTRAINTS, locals(), "perceptual_path_length")
    if not callable(decode):
        raise InvalidParameterError(
            f"`decode` must be callable (B, *L) -> (B, *X), got {type(decode).__name__}."
        )
    shape = _check_latent_shape(latent_shape)
    dist, path = ppl_distance(distance), _path_fn(_latent_method(space_method), decode)
    opts = {
        "generator": generator if generator is not None else torch.Generator().manual_seed(0),
        "dtype": dtype,
        "device": torch.device(device or "cpu"),
        "sampling": sampling,
        "epsilon": float(epsilon),
        "batch_size": batch_size,
    }
    sizes = [min(batch_size, n_samples - i) for i in range(0, n_samples, batch_size)]
    return np.concatenate([_ppl_batch(decode, path, dist, n, shape, opts) for n in sizes])


def perceptual_path_length(
    decode: Decoder,
    latent_shape: tuple[int, ...],
    n_samples: int = 10_000,
    epsilon: float = EPSILON,
    sampling: str = "full",
    distance: str = "rms",
    space_method: str = "slerp",
    generator: torch.Generator | None = None,
    batch_size: int = 256,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float32,
) -> dict[str, float]:
    """StyleGAN's PPL of a decoder over codes z ~ N(0, I) of `latent_shape` (no batch axis).

    Returns {"mean": trimmed mean (the number StyleGAN reports), "mean_untrimmed", "n_samples",
    "n_kept", "n_trimmed"}. `sampling` is "full" (t ~ U(0, 1)) or "end" (t = 0); `distance` any
    FRAME_DISTANCES name ("rms" is squared, see the module docstring); `space_method` a latent
    path method. Randomness comes only from `generator` (None: a new one seeded 0, so repeated
    calls agree); the same generator state and batch_size give the same result.
    """
    samples = ppl_samples(
        decode,
        latent_shape,
        n_samples,
        epsilon,
        sampling,
        distance,
        space_method,
        generator,
        batch_size,
        device,
        dtype,
    )
    kept = trim_outliers(samples)
    return {
        "mean": float(kept.mean()),
        "mean_untrimmed": float(samples.mean()),
        "n_samples": float(samples.size),
        "n_kept": float(kept.size),
        "n_trimmed": float(samples.size - kept.size),
    }


@register_metric("ppl")
def ppl(walk: WalkView, distance: str = "rms", epsilon: float = EPSILON) -> MetricResult | None:
    """PPL along the walk's own path: (1/eps^2) d(x(t_i), x(t_i + eps)) at every step t_i < 1.

    The path is `PATHS[walk.method]` between the walk's first and last codes, so a walk through
    keyframes is measured as the direct path between its ends. Profile `ppl` has one value per
    step with t < 1 and `t` says which. Not computed for methods that optimise through the
    decoder (geodesic): re-running the optimisation at t + eps would measure a different curve.
    """
    if walk.codes is None or walk.decode is None or walk.method not in PATHS:
        return None
    method = PATHS.get(walk.method)
    ts = walk.ts.detach().to(torch.float64).cpu()
    if method.space != "latent" or method.needs_decoder or not bool((ts < 1).any()):
        return None
    t = ts[ts < 1]  # (K,)
    z0, z1 = walk.codes[:1], walk.codes[-1:]  # (1, *L) each
    t0, t1, eps = _t_pair(t, epsilon, z0.dtype)
    z = _path_fn(method, walk.decode)(z0, z1, torch.cat([t0, t1]).to(z0.device))[0]  # (2K, *L)
    x = _decode(walk.decode, z, batch_size=256)
    k = t.numel()
    d = ppl_distance(distance)(x[:k], x[k:]) / eps.pow(2)  # (K,)
    return MetricResult({"mean": float(d.mean())}, {"ppl": d.tolist(), "t": t.tolist()})
