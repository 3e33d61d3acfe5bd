"""Inverting any decoder by optimisation: find z with decode(z) ~ x.

For models without an encoder: the GAN's generator, and `latentwalk.wrap` models given only a
`decode`. Creswell & Bharath, "Inverting the Generator of a GAN", IEEE TNNLS 2018 (survey: Xia et
al., "GAN Inversion: A Survey", TPAMI 2022): optimise z so that decode(z) reproduces x, with a
prior term that keeps z on the typical shell |z| ~ sqrt(d) of N(0, I), from a few random starts;
keep the best start per item. The error left is reported and goes into the walk's manifest.
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

    def __post_init__(self) -> None:
        if self.steps < 1 or self.restarts < 1 or not self.lr > 0 or self.prior_weight < 0:
            raise InvalidParameterError(
                f"Inversion needs steps >= 1, restarts >= 1, lr > 0 and prior_weight >= 0 but got {self}."
            )


def _shell_penalty(z: torch.Tensor) -> torch.Tensor:
    """(N, *L) -> (N,): (|z| / sqrt(d) - 1)^2. N(0, I) puts its mass near |z| = sqrt(d), not at 0,
    so pulling z towards the origin (the log-density) would make it atypical."""
    flat = z.flatten(1)
    return (flat.norm(dim=1) / math.sqrt(flat.shape[1]) - 1) ** 2


def _per_item_mse(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).pow(2).flatten(1).mean(1)  # (N,)


def _report(config: InversionConfig, mse: torch.Tensor, best: torch.Tensor, seconds: float) -> dict[str, Any]:
    return {
        "method": "optimisation (Creswell & Bharath 2018)",
        "steps": config.steps,
        "restarts": config.restarts,
        "lr": config.lr,
        "prior_weight": config.prior_weight,
        "mse": [round(float(v), 6) for v in mse],
        "rmse": [round(float(v.sqrt()), 5) for v in mse],
        "best_restart": best.tolist(),
        "seconds": round(seconds, 3),
    }


def invert_decoder(
    decode: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    latent_shape: tuple[int, ...],
    config: InversionConfig = InversionConfig(),
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """Find z with decode(z) ~ x: x (K, *X) -> (codes (K, *L), report).

    All restarts run as one batch (R*K codes); Adam is element-wise, so they do not interact.
    Gradients go to z only (`autograd.grad`), never into the decoder's parameters. The codes
    live on x's device; the starts are drawn where `generator` lives.
    """
    start = time.perf_counter()
    k, r = x.shape[0], config.restarts
    z = randn((r * k, *latent_shape), generator, x.device, x.dtype).requires_grad_(True)  # (R*K, *L)
    target = x.repeat(r, *([1] * (x.dim() - 1)))  # (R*K, *X)
    opt = torch.optim.Adam([z], lr=config.lr)
    with torch.enable_grad():
        for _ in range(config.steps):
            loss = (_per_item_mse(decode(z), target) + config.prior_weight * _shell_penalty(z)).sum()
            (z.grad,) = torch.autograd.grad(loss, z)
            opt.step()
    with torch.no_grad():
        err = _per_item_mse(decode(z), target).view(r, k)  # (R, K)
        best = err.argmin(dim=0)  # (K,)
        codes = z.detach().view(r, k, *latent_shape)[best, torch.arange(k, device=x.device)]  # (K, *L)
        mse = err[best, torch.arange(k, device=x.device)]
    return codes, _report(config, mse, best, time.perf_counter() - start)
