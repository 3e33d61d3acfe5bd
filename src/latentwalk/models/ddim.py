"""The diffusion noise latent: a small DDPM-trained denoiser, walked in DDIM's x_T.

Training is Ho, Jain & Abbeel, "Denoising Diffusion Probabilistic Models", NeurIPS 2020: predict
the noise eps in x_t = sqrt(a_t) x_0 + sqrt(1 - a_t) eps (a_t the cumulative product of
1 - beta, linear betas 1e-4 .. 0.02 over T = 1000 steps).

Song, Meng & Ermon, "Denoising Diffusion Implicit Models", ICLR 2021, eq. 12 with sigma = 0 make
sampling a deterministic map x_T -> x_0 (an ODE, their section 4.3), which can be run backwards:

    x0_hat = (x_t - sqrt(1 - a_t) eps(x_t, t)) / sqrt(a_t)
    x_s    = sqrt(a_s) x0_hat + sqrt(1 - a_s) eps(x_t, t)        (s the next level either way)

`encode` (DDIM inversion) runs it from the data to x_T; `decode` runs it back. x_T is shaped
like the image and distributed N(0, I), so walks use slerp (Song et al. 2021 section 5.3
interpolate x_T with slerp). The inversion is exact only in the limit of small steps: it reuses
eps at the level it leaves where sampling uses the level it arrives at; the error shrinks with
`sample_steps`.

Training runs in the shared loop (models/training.py): random batches for a fixed number of
steps, L_simple as the loss, and a cosine decay of the learning rate (the family's
`configure_optimizers` hook).

The denoiser is a compact U-Net written here (two resolutions down, skips up, time added in
every residual block) so the family needs no extra dependency and trains on 2 CPU cores.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from latentwalk.errors import InvalidParameterError
from latentwalk.models.base import PointMass, check_batch, draw_device, randn
from latentwalk.models.families import FAMILIES
from latentwalk.models.training import Optimization, TrainConfig


@dataclass(frozen=True)
class DDIMConfig:
    channels: int = 1
    size: int = 16
    width: int = 32  # channels of the first level; must be a multiple of 8 (group norm)
    patch: int = 2  # the U-Net starts on (S/patch)^2 patches: 16x16 digits are 8x8 upsampled
    train_timesteps: int = 1000
    beta_start: float = 1e-4
    beta_end: float = 0.02
    sample_steps: int = 50  # DDIM steps of inversion and of sampling

    def __post_init__(self) -> None:
        if self.patch not in (1, 2, 4) or self.size % (4 * self.patch):
            raise InvalidParameterError(
                f"`patch` must be 1, 2 or 4 and `size` a multiple of 4 * patch but they are {self.patch} and {self.size}."
            )
        if self.width % 8 or self.width < 8:
            raise InvalidParameterError(f"`width` has to be a multiple of 8 but is {self.width}.")
        if not 1 <= self.sample_steps <= self.train_timesteps:
            raise InvalidParameterError(
                f"`sample_steps` must be in [1, train_timesteps={self.train_timesteps}] but is {self.sample_steps}."
            )


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """(B,) -> (B, dim) sinusoidal features of the step, as in Vaswani et al. 2017 / Ho et al. 2020."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None]  # (B, half)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, t_dim: int) -> None:
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.time = nn.Linear(t_dim, c_out)
        self.norm2, self.conv2 = nn.GroupNorm(8, c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(e)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return h + self.skip(x)


class TinyUNet(nn.Module):
    """eps_theta(x_t, t): (B, C, S, S), (B,) -> (B, C, S, S). Levels P = S/patch, P/2, P/4."""

    def __init__(self, c: DDIMConfig) -> None:
        super().__init__()
        w, td = c.width, 4 * c.width
        self.w = w
        self.t_mlp = nn.Sequential(nn.Linear(w, td), nn.SiLU(), nn.Linear(td, td))
        self.inp = nn.Conv2d(c.channels, w, c.patch, stride=c.patch)  # patchify (B, w, P, P)
        self.down1, self.pool1 = ResBlock(w, w, td), nn.Conv2d(w, w, 3, stride=2, padding=1)
        self.down2, self.pool2 = ResBlock(w, 2 * w, td), nn.Conv2d(2 * w, 2 * w, 3, stride=2, padding=1)
        self.mid = ResBlock(2 * w, 2 * w, td)
        self.up2 = ResBlock(4 * w, 2 * w, td)
        self.up1 = ResBlock(3 * w, w, td)
        self.out = nn.Sequential(nn.GroupNorm(8, w), nn.SiLU(), nn.ConvTranspose2d(w, c.channels, c.patch, stride=c.patch))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        e = self.t_mlp(timestep_embedding(t, self.w))  # (B, 4w)
        h1 = self.down1(self.inp(x), e)  # (B, w, P, P)
        h2 = self.down2(self.pool1(h1), e)  # (B, 2w, P/2, P/2)
        m = self.mid(self.pool2(h2), e)  # (B, 2w, P/4, P/4)
        u2 = self.up2(torch.cat([F.interpolate(m, scale_factor=2.0), h2], 1), e)  # (B, 2w, P/2, P/2)
        u1 = self.up1(torch.cat([F.interpolate(u2, scale_factor=2.0), h1], 1), e)  # (B, w, P, P)
        return self.out(u1)  # (B, C, S, S)


@FAMILIES.register("ddim")
class DDIM(nn.Module):
    """encode = deterministic DDIM inversion to x_T; decode = deterministic DDIM sampling."""

    family = "ddim"
    version: ClassVar[int] = 1
    config_class: ClassVar[type] = DDIMConfig
    prior = "gaussian"
    modality = "image"
    alphas_cumprod: torch.Tensor  # a buffer, registered in __init__

    def __init__(self, config: DDIMConfig) -> None:
        super().__init__()
        self.config = config
        self.unet = TinyUNet(config)
        betas = torch.linspace(config.beta_start, config.beta_end, config.train_timesteps, dtype=torch.float64)
        self.register_buffer("alphas_cumprod", torch.cumprod(1 - betas, 0).float(), persistent=False)

    @property
    def data_shape(self) -> tuple[int, ...]:
        return (self.config.channels, self.config.size, self.config.size)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return self.data_shape  # x_T is shaped like the image

    def _check(self, t: torch.Tensor, what: str) -> None:
        check_batch(t, self.data_shape, what)

    def timesteps(self, steps: int | None = None) -> list[int]:
        """Ascending DDIM steps tau_1 < ... < tau_S = T - 1, evenly spaced."""
        s, big_t = steps or self.config.sample_steps, self.config.train_timesteps
        return [round((i + 1) * (big_t - 1) / s) for i in range(s)]

    def _alpha(self, t: int | None) -> torch.Tensor:
        return self.alphas_cumprod[t] if t is not None else self.alphas_cumprod.new_tensor(1.0)  # None: clean data

    def _ddim_step(self, x: torch.Tensor, eps: torch.Tensor, a_from: torch.Tensor, a_to: torch.Tensor) -> torch.Tensor:
        x0 = (x - (1 - a_from).sqrt() * eps) / a_from.sqrt()  # Song et al. 2021, eq. 12 ("predicted x0")
        return a_to.sqrt() * x0 + (1 - a_to).sqrt() * eps

    def _eps(self, x: torch.Tensor, t: int) -> torch.Tensor:
        return self.unet(x, torch.full((x.shape[0],), t, dtype=torch.long, device=x.device))

    @torch.no_grad()
    def invert(self, x0: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        """Images (B, C, S, S) in [0, 1] -> x_T (B, C, S, S), deterministically."""
        ts = self.timesteps(steps)
        x = 2 * x0 - 1
        levels: list[int | None] = [None, *ts]
        for t_from, t_to in itertools.pairwise(levels):
            eps = self._eps(x, ts[0] if t_from is None else t_from)  # at clean data, the first step's net
            x = self._ddim_step(x, eps, self._alpha(t_from), self._alpha(t_to))
        return x

    @torch.no_grad()
    def sample(self, x_t: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        """x_T (B, C, S, S) -> images in [0, 1], deterministically (eta = 0)."""
        ts = self.timesteps(steps)
        x = x_t
        levels: list[int | None] = [None, *ts]
        for t_from, t_to in zip(reversed(levels[1:]), reversed(levels[:-1])):
            eps = self._eps(x, t_from)  # type: ignore[arg-type]
            x = self._ddim_step(x, eps, self._alpha(t_from), self._alpha(t_to))
        return ((x + 1) / 2).clamp(0, 1)

    def encode(self, x: torch.Tensor) -> PointMass:
        self._check(x, "x")
        return PointMass(self.invert(x))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        self._check(z, "z")
        return self.sample(z)

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Ho et al. 2020, L_simple: || eps - eps_theta(sqrt(a_t) x0 + sqrt(1 - a_t) eps, t) ||^2."""
        x0 = 2 * x - 1
        t = torch.randint(0, self.config.train_timesteps, (len(x),), generator=generator,
                          device=draw_device(generator, x.device)).to(x.device)
        eps = randn(x0.shape, generator, x.device)
        a = self.alphas_cumprod[t][:, None, None, None]
        loss = F.mse_loss(self.unet(a.sqrt() * x0 + (1 - a).sqrt() * eps, t), eps)
        return {"loss": loss}

    def configure_optimizers(self, cfg: TrainConfig, total_steps: int) -> Optimization:
        """Adam with a cosine decay of the learning rate to 0 over the run (Loshchilov & Hutter 2017)."""
        opt = torch.optim.Adam(self.unet.parameters(), lr=cfg.lr)
        return Optimization({"unet": opt}, (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps),))


@dataclass(frozen=True)
class DDIMTrainConfig(TrainConfig):
    """Random batches for a fixed number of steps. L_simple on random t is too noisy to stop on, so
    the run is not stopped early and the final weights are kept; the report's loss is L_simple on
    a held-out 10% with fixed noise (lower is better)."""

    steps: int | None = 3000
    patience: int | None = None
