"""Inverting any decoder by optimisation: find z with decode(z) ~ x.

For models without an encoder: the GAN's generator, and `latentwalk.wrap` models given only a
`decode`. Creswell & Bharath, "Inverting the Generator of a GAN", IEEE TNNLS 2018 (survey: Xia et
al., "GAN Inversion: A Survey", TPAMI 2022): optimise z so that decode(z) reproduces x, with a
prior term that keeps z on the typical shell |z| ~ sqrt(d) of N(0, I), from a few random starts;
keep the best start per item. The error left is reported and goes into the walk's manifest.

A model with an inversion encoder (the GAN) passes its guess E(x) as `start`: the first start is
then E(x) and the others random, and a short refinement suffices (Zhu et al., "In-Domain GAN
Inversion", ECCV 2020). For images, `ssim_weight` adds a structural term, 1 - SSIM (Wang et al.
2004) with a uniform 7x7 window, to the pixel error.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.models.base import randn


@dataclass(frozen=True)
class InversionConfig:
    steps: int = 300
    restarts: int = 4
    lr: float = 0.05
    prior_weight: float = 0.05  # weight of the typical-shell term; 0 for a model without a prior
    ssim_weight: float = 0.0  # weight of 1 - SSIM (images (C, H, W) only); 0: pixel MSE alone

    def __post_init__(self) -> None:
        if self.steps < 1 or self.restarts < 1 or not self.lr > 0 or self.prior_weight < 0 or self.ssim_weight < 0:
            raise InvalidParameterError(
                f"Inversion needs steps >= 1, restarts >= 1, lr > 0, prior_weight >= 0 and ssim_weight >= 0 but got {self}."
            )


def _shell_penalty(z: torch.Tensor) -> torch.Tensor:
    """(N, *L) -> (N,): (|z| / sqrt(d) - 1)^2. N(0, I) puts its mass near |z| = sqrt(d), not at 0,
    so pulling z towards the origin (the log-density) would make it atypical."""
    flat = z.flatten(1)
    return (flat.norm(dim=1) / math.sqrt(flat.shape[1]) - 1) ** 2


def _per_item_mse(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).pow(2).flatten(1).mean(1)  # (N,)


def ssim_distance(a: torch.Tensor, b: torch.Tensor, window: int = 7) -> torch.Tensor:
    """1 - SSIM per image, differentiable: (N, C, H, W) in [0, 1] twice -> (N,).

    Wang et al. 2004 with a uniform window (scikit-image's default, 7, or the largest odd size
    that fits) and no padding; the constants for a data range of 1."""
    if a.dim() != 4:
        raise InvalidParameterError(f"The structural term needs images (N, C, H, W) but got shape {tuple(a.shape)}.")
    w = min(window, a.shape[-1] - (a.shape[-1] + 1) % 2, a.shape[-2] - (a.shape[-2] + 1) % 2)
    c1, c2 = 0.01**2, 0.03**2

    def pool(t: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.avg_pool2d(t, w, stride=1)

    mu_a, mu_b = pool(a), pool(b)
    var_a, var_b, cov = pool(a * a) - mu_a**2, pool(b * b) - mu_b**2, pool(a * b) - mu_a * mu_b
    ssim = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return 1 - ssim.flatten(1).mean(1)


def _objective(config: InversionConfig, out: torch.Tensor, target: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """The per-item loss (N,): pixel MSE, + ssim_weight * (1 - SSIM), + prior_weight * shell penalty."""
    loss = _per_item_mse(out, target) + config.prior_weight * _shell_penalty(z)
    return loss + config.ssim_weight * ssim_distance(out, target) if config.ssim_weight else loss


def _report(config: InversionConfig, mse: torch.Tensor, best: torch.Tensor, seconds: float,
            start_mse: torch.Tensor | None) -> dict[str, Any]:
    report = {
        "method": "optimisation (Creswell & Bharath 2018)",
        "steps": config.steps,
        "restarts": config.restarts,
        "lr": config.lr,
        "prior_weight": config.prior_weight,
        "ssim_weight": config.ssim_weight,
        "mse": [round(float(v), 6) for v in mse],
        "rmse": [round(float(v.sqrt()), 5) for v in mse],
        "best_restart": best.tolist(),
        "seconds": round(seconds, 3),
    }
    if start_mse is not None:  # how far the given start (an encoder's guess) was, before refinement
        report["start_rmse"] = [round(float(v.sqrt()), 5) for v in start_mse]
    return report


def invert_decoder(
    decode: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    latent_shape: tuple[int, ...],
    config: InversionConfig = InversionConfig(),
    generator: torch.Generator | None = None,
    start: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """Find z with decode(z) ~ x: x (K, *X) -> (codes (K, *L), report).

    `start` (K, *L), e.g. an encoder's guess, is the first restart's starting point; the other
    restarts (all of them without it) start from N(0, I) draws. All restarts run as one batch
    (R*K codes); Adam is element-wise, so they do not interact. Gradients go to z only
    (`autograd.grad`), never into the decoder's parameters. The codes live on x's device; the
    starts are drawn where `generator` lives. The best restart per item is the one with the
    lowest pixel MSE.
    """
    t0 = time.perf_counter()
    k, r = x.shape[0], config.restarts
    drawn = randn(((r - (start is not None)) * k, *latent_shape), generator, x.device, x.dtype)
    z0 = drawn if start is None else torch.cat([start.detach().to(x.device, x.dtype), drawn])  # (R*K, *L)
    z = z0.clone().requires_grad_(True)
    target = x.repeat(r, *([1] * (x.dim() - 1)))  # (R*K, *X)
    opt = torch.optim.Adam([z], lr=config.lr)
    with torch.enable_grad():
        for _ in range(config.steps):
            loss = _objective(config, decode(z), target, z).sum()
            (z.grad,) = torch.autograd.grad(loss, z)
            opt.step()
    with torch.no_grad():
        err = _per_item_mse(decode(z), target).view(r, k)  # (R, K)
        best = err.argmin(dim=0)  # (K,)
        codes = z.detach().view(r, k, *latent_shape)[best, torch.arange(k, device=x.device)]  # (K, *L)
        mse = err[best, torch.arange(k, device=x.device)]
        start_mse = None if start is None else _per_item_mse(decode(z0[:k]), x)
    return codes, _report(config, mse, best, time.perf_counter() - t0, start_mse)
