"""Typicality: do the walked codes look like draws from the N(0, I) prior?

In d dimensions a draw from N(0, I) has a norm that follows the chi distribution with d degrees
of freedom, concentrated on a thin shell of radius about sqrt(d). A straight line between two
such codes cuts inside the shell: for (near) orthogonal codes of equal norm the LERP midpoint
has norm |z0| / sqrt(2) (White 2016, "Sampling Generative Networks"), so its `norm_ratio` dips
to about 0.71, while SLERP keeps it at 1 and stays on the shell.
"""

from __future__ import annotations

import math

import torch

from latentwalk.metrics.base import MetricResult, WalkView, register_metric

SHELL_TAILS = (0.005, 0.995)  # the central 99% of chi(d): a code outside is atypical
TINY = 1e-12


def chi_shell(d: int) -> tuple[float, float]:
    """Norms between the 0.5% and 99.5% quantiles of chi(d), the norm of a N(0, I_d) draw."""
    # |z|^2 ~ chi2(d) = Gamma(d/2, scale 2), so the chi quantile is sqrt(2 * P^-1(d/2, q)).
    # scipy.special is imported instead of scipy.stats, which takes seconds to import.
    from scipy.special import gammaincinv

    low, high = (math.sqrt(2 * float(gammaincinv(d / 2, q))) for q in SHELL_TAILS)
    return low, high


def log_density_per_dim(z: torch.Tensor) -> torch.Tensor:
    """(T, d) -> (T,) log N(z; 0, I) / d = -log(2 pi) / 2 - |z|^2 / (2 d)."""
    d = z.shape[1]
    return -0.5 * math.log(2 * math.pi) - z.pow(2).sum(dim=1) / (2 * d)


def norm_ratio(norms: torch.Tensor, ts: torch.Tensor) -> torch.Tensor:
    """|z_t| / ((1 - t)|z_0| + t|z_1|): 1 when the norm moves straight between the endpoints'.

    The first and last codes are taken as the t = 0 and t = 1 endpoints.
    """
    t = ts.detach().to(torch.float64).cpu()
    reference = (1 - t) * norms[0] + t * norms[-1]
    return norms / reference.clamp_min(TINY)


def _nearest_to_half(ts: torch.Tensor) -> int:
    return int((ts.detach().to(torch.float64).cpu() - 0.5).abs().argmin())


@register_metric("typicality")
def typicality(walk: WalkView) -> MetricResult | None:
    """Norm, log-density and norm ratio per step, and how many steps stay on the chi(d) shell."""
    if walk.codes is None or walk.prior != "gaussian":
        return None
    z = walk.codes.detach().to(torch.float64).cpu().flatten(1)  # (T, d)
    norms = z.norm(dim=1)  # (T,)
    ratio = norm_ratio(norms, walk.ts)
    low, high = chi_shell(z.shape[1])
    in_shell = (norms >= low) & (norms <= high)
    summary = {
        "chi_low": low,
        "chi_high": high,
        "frac_in_shell": float(in_shell.to(torch.float64).mean()),
        "min_norm_ratio": float(ratio.min()),
        "mid_norm_ratio": float(ratio[_nearest_to_half(walk.ts)]),
    }
    profile = {
        "norm": norms.tolist(),
        "log_density": log_density_per_dim(z).tolist(),
        "norm_ratio": ratio.tolist(),
    }
    return MetricResult(summary, profile)
