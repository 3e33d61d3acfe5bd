"""The GAN family: a DCGAN-style generator and discriminator, and inversion instead of an encoder.

Architecture after Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep
Convolutional GANs", ICLR 2016: strided (transposed) convolutions, batch norm in the generator,
LeakyReLU(0.2) in the discriminator, Adam(2e-4, beta1 = 0.5). Loss: the non-saturating loss of
Goodfellow et al. 2014. Prior N(0, I).

A GAN has no encoder. A real input becomes a code by *inversion* (Creswell & Bharath, "Inverting
the Generator of a GAN", IEEE TNNLS 2018; survey: Xia et al., "GAN Inversion: A Survey", TPAMI
2022): optimise z so that G(z) reproduces x, with a prior term that keeps z on the typical shell
|z| ~ sqrt(d) of N(0, I), from a few random starts; keep the best start per item. The error left
is reported (`last_inversion`) and goes into the walk's manifest.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from latentwalk.errors import InvalidParameterError, UnsupportedOperationError
from latentwalk.models.base import check_batch
from latentwalk.models.families import FAMILIES
from latentwalk.models.training import TrainReport

# ----------------------------------------------------------------------------------------------
# Inversion by optimisation: shared by the GAN and by `latentwalk.wrap` models without an encoder.


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


def invert_decoder(
    decode: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    latent_shape: tuple[int, ...],
    config: InversionConfig = InversionConfig(),
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, dict[str, Any]]:
    """Find z with decode(z) ~ x: x (K, *X) -> (codes (K, *L), report).

    All restarts run as one batch (R*K codes); Adam is element-wise, so they do not interact.
    Gradients go to z only (`autograd.grad`), never into the decoder's parameters.
    """
    start = time.perf_counter()
    k, r = x.shape[0], config.restarts
    z0 = torch.randn((r * k, *latent_shape), generator=generator, dtype=x.dtype)  # (R*K, *L)
    target = x.repeat(r, *([1] * (x.dim() - 1)))  # (R*K, *X)
    z = z0.clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=config.lr)
    with torch.enable_grad():
        for _ in range(config.steps):
            loss = (_per_item_mse(decode(z), target) + config.prior_weight * _shell_penalty(z)).sum()
            (z.grad,) = torch.autograd.grad(loss, z)
            opt.step()
    with torch.no_grad():
        err = _per_item_mse(decode(z), target).view(r, k)  # (R, K)
        best = err.argmin(dim=0)  # (K,)
        codes = z.detach().view(r, k, *latent_shape)[best, torch.arange(k)]  # (K, *L)
        mse = err[best, torch.arange(k)]
    report = {
        "method": "optimisation (Creswell & Bharath 2018)",
        "steps": config.steps,
        "restarts": r,
        "lr": config.lr,
        "prior_weight": config.prior_weight,
        "mse": [round(float(v), 6) for v in mse],
        "rmse": [round(float(v.sqrt()), 5) for v in mse],
        "best_restart": best.tolist(),
        "seconds": round(time.perf_counter() - start, 3),
    }
    return codes, report


# ----------------------------------------------------------------------------------------------
# The networks


@dataclass(frozen=True)
class GANConfig:
    channels: int = 1
    size: int = 16
    latent_dim: int = 16
    width: int = 32
    arch: str = "conv"  # "conv" (DCGAN) or "mlp" (fully connected; 16 * width hidden units)

    def __post_init__(self) -> None:
        if self.arch not in ("conv", "mlp"):
            raise InvalidParameterError(f"`arch` must be 'conv' or 'mlp' but is {self.arch!r}.")
        if self.size % 4 or self.size < 8:
            raise InvalidParameterError(f"`size` has to be a multiple of 4 and >= 8 but is {self.size}.")
        if self.latent_dim < 1 or self.width < 1 or self.channels not in (1, 3):
            raise InvalidParameterError("`latent_dim` and `width` must be >= 1 and `channels` 1 or 3.")


class Generator(nn.Module):
    """z (B, d) -> image (B, C, S, S) in [0, 1]: linear to (2w, S/4, S/4), two up-convolutions."""

    def __init__(self, c: GANConfig) -> None:
        super().__init__()
        self.side, self.width = c.size // 4, c.width
        self.fc = nn.Sequential(nn.Linear(c.latent_dim, 2 * c.width * self.side**2), nn.BatchNorm1d(2 * c.width * self.side**2), nn.ReLU())
        self.net = nn.Sequential(
            nn.ConvTranspose2d(2 * c.width, c.width, 4, stride=2, padding=1),
            nn.BatchNorm2d(c.width),
            nn.ReLU(),
            nn.ConvTranspose2d(c.width, c.channels, 4, stride=2, padding=1),
        )
        with torch.no_grad():  # start near black, as the data mostly is: a grey start is too easy to spot
            self.net[-1].bias.fill_(-3.0)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.fc(z).view(-1, 2 * self.width, self.side, self.side)  # (B, 2w, S/4, S/4)
        return torch.sigmoid(self.net(h))  # (B, C, S, S)


class Discriminator(nn.Module):
    """image (B, C, S, S) -> logit (B,). DCGAN's layout, with spectral normalisation (Miyato et al.
    2018) instead of batch norm: on these tiny sets a batch-normed critic won within a few hundred
    steps and the generator collapsed (lines) or stalled."""

    def __init__(self, c: GANConfig) -> None:
        super().__init__()
        sn = nn.utils.parametrizations.spectral_norm
        self.net = nn.Sequential(
            sn(nn.Conv2d(c.channels, c.width, 4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
            sn(nn.Conv2d(c.width, 2 * c.width, 4, stride=2, padding=1)),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
            sn(nn.Linear(2 * c.width * (c.size // 4) ** 2, 1)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(2 * x - 1).squeeze(1)  # (B,)


def _mlp_generator(c: GANConfig) -> nn.Module:
    h, d = 16 * c.width, c.channels * c.size**2
    return nn.Sequential(
        nn.Linear(c.latent_dim, h), nn.BatchNorm1d(h), nn.ReLU(),
        nn.Linear(h, 2 * h), nn.BatchNorm1d(2 * h), nn.ReLU(),
        nn.Linear(2 * h, d), nn.Sigmoid(), nn.Unflatten(1, (c.channels, c.size, c.size)),
    )


def _mlp_discriminator(c: GANConfig) -> nn.Module:
    h, d, sn = 16 * c.width, c.channels * c.size**2, nn.utils.parametrizations.spectral_norm
    return nn.Sequential(
        nn.Flatten(), sn(nn.Linear(d, 2 * h)), nn.LeakyReLU(0.2), sn(nn.Linear(2 * h, h)), nn.LeakyReLU(0.2),
        sn(nn.Linear(h, 1)), nn.Flatten(0),
    )


@FAMILIES.register("gan")
class DCGAN(nn.Module):
    """Generator + discriminator. `decode` is the generator; `encode` does not exist: use `invert`."""

    family = "gan"
    version: ClassVar[int] = 1
    config_class: ClassVar[type] = GANConfig
    prior = "gaussian"
    modality = "image"
    has_encoder = False

    def __init__(self, config: GANConfig, inversion: InversionConfig = InversionConfig()) -> None:
        super().__init__()
        self.config = config
        self.inversion = inversion
        mlp = config.arch == "mlp"  # sparse 32x32 lines: the conv GAN collapsed there within minutes
        self.generator = _mlp_generator(config) if mlp else Generator(config)
        self.discriminator = _mlp_discriminator(config) if mlp else Discriminator(config)
        self.last_inversion: dict[str, Any] | None = None

    @property
    def data_shape(self) -> tuple[int, ...]:
        return (self.config.channels, self.config.size, self.config.size)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.config.latent_dim,)

    def _check(self, t: torch.Tensor, shape: tuple[int, ...], what: str) -> None:
        check_batch(t, shape, what)

    def encode(self, x: torch.Tensor) -> Any:
        raise UnsupportedOperationError(
            "A GAN has no encoder: use `model.invert(x)` (optimises z so that G(z) matches x); "
            "`latentwalk walk` does this for you."
        )

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        self._check(z, self.latent_shape, "z")
        return self.generator(z)

    def sample_latents(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n codes from the prior N(0, I): (n, d)."""
        return torch.randn((n, *self.latent_shape), generator=generator)

    def invert(self, x: torch.Tensor, generator: torch.Generator | None = None, config: InversionConfig | None = None) -> torch.Tensor:
        """Real images (K, C, S, S) -> codes (K, d); the error left is in `self.last_inversion`."""
        self._check(x, self.data_shape, "x")
        was_training = self.training
        self.eval()  # batch norm must use its running statistics, not the batch's
        try:
            codes, report = invert_decoder(self.decode, x, self.latent_shape, config or self.inversion, generator)
        finally:
            self.train(was_training)
        self.last_inversion = report
        return codes


# ----------------------------------------------------------------------------------------------
# Training: two players, so the GAN has its own loop instead of `training.train`.


@dataclass(frozen=True)
class GANTrainConfig:
    steps: int = 2000
    batch_size: int = 64
    lr: float = 2e-4
    beta1: float = 0.5  # DCGAN: 0.9 made training oscillate
    seed: int = 0
    threads: int | None = 1

    @property
    def epochs(self) -> int:
        """Passes over ~1,800 items, so that `prepare_builtins` can order jobs by cost."""
        return max(1, self.steps * self.batch_size // 1800)


def _d_loss(model: DCGAN, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    # softplus(-l) = -log sigmoid(l): real -> 1, fake -> 0
    return F.softplus(-model.discriminator(real)).mean() + F.softplus(model.discriminator(fake)).mean()


def _gan_step(model: DCGAN, opts: tuple[torch.optim.Optimizer, ...], real: torch.Tensor, g: torch.Generator) -> tuple[float, float]:
    opt_g, opt_d = opts
    z = torch.randn(len(real), model.config.latent_dim, generator=g)
    fake = model.generator(z)
    loss_d = _d_loss(model, real, fake.detach())
    opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    opt_d.step()
    loss_g = F.softplus(-model.discriminator(fake)).mean()  # non-saturating (Goodfellow et al. 2014)
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    return float(loss_d.detach()), float(loss_g.detach())


def fit_gan(model: DCGAN, x: torch.Tensor, cfg: GANTrainConfig, progress: bool = True, desc: str = "train gan") -> TrainReport:
    """Train a DCGAN on x (N, C, S, S) in place, seeded; the global RNG is not touched.

    There is no validation loss that says a GAN is good; the report's `best_val_loss` is the
    discriminator's loss over the last 10% of steps (near 2 ln 2 = 1.39 when neither side wins).
    """
    from tqdm.auto import tqdm

    before = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    g = torch.Generator().manual_seed(cfg.seed)
    betas = (cfg.beta1, 0.999)
    opts = (torch.optim.Adam(model.generator.parameters(), cfg.lr, betas), torch.optim.Adam(model.discriminator.parameters(), cfg.lr, betas))
    history: list[dict[str, float]] = []
    model.train()
    try:
        bar = tqdm(range(cfg.steps), desc=desc, disable=not progress, file=sys.stderr, leave=False)
        for step in bar:
            idx = torch.randint(0, len(x), (cfg.batch_size,), generator=g)
            ld, lg = _gan_step(model, opts, x[idx], g)
            history.append({"step": step, "loss_d": ld, "loss_g": lg})
            if step % 50 == 0:
                bar.set_postfix(loss_d=f"{ld:.2f}", loss_g=f"{lg:.2f}")
        bar.close()
    finally:
        torch.set_num_threads(before)
    model.eval()
    tail = history[-max(1, cfg.steps // 10):]
    return TrainReport(cfg.steps, sum(h["loss_d"] for h in tail) / len(tail), False, history[:: max(1, cfg.steps // 100)])
