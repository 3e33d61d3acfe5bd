"""The diffusion noise latent: a DDPM-trained U-Net, walked in DDIM's x_T.

Training is Ho, Jain & Abbeel, "Denoising Diffusion Probabilistic Models", NeurIPS 2020: predict
the noise eps in x_t = sqrt(a_t) x_0 + sqrt(1 - a_t) eps, a_t the cumulative product of 1 - beta.
The betas are "scaled_linear" (sqrt-linear from 1e-4 to 0.02, Stable Diffusion's shape): a_t ends
at 7e-4, so x_T is N(0, I) to 3% of the signal, and keeps more signal at mid t than the linear
schedule (a_500 = 0.33 vs 0.08). Not the cosine schedule: its a_{T-1} = 2e-9, and the first
sampling step divides by sqrt(a_{T-1}) (x 20,000), which blows up the difference between the eps
that inversion used and the one sampling sees (measured on digits: round-trip RMSE 0.53). With
`prediction_type="v_prediction"` (Salimans & Ho 2022) the U-Net predicts v = sqrt(a) eps -
sqrt(1 - a) x_0 instead, and x0_hat = sqrt(a) x_t - sqrt(1 - a) v divides by nothing: a briefly
trained model then decodes random x_T to digits where the eps model gave noise.

Song, Meng & Ermon, "Denoising Diffusion Implicit Models", ICLR 2021, eq. 12 with sigma = 0 (eta 0)
make sampling a deterministic map x_T -> x_0 (an ODE, their section 4.3), which can be run
backwards (DDIM inversion): `invert` runs it from the data to x_T, `decode` runs it back. x_T is
shaped like the data and distributed N(0, I), so walks use slerp (Song et al. 2021 section 5.3).
Inversion is exact only in the limit of small steps (it evaluates eps at the level it arrives at
with the sample of the level it leaves), so the error left is measured on every call and kept in
`last_inversion` (it goes into the walk's manifest), per input.

The pieces are diffusers' (the `[diffusion]` extra, imported lazily): `UNet2DModel` as eps_theta
(nearest-neighbour upsampling + 3x3 convolutions: no transposed-convolution checkerboards),
`DDIMScheduler` for sampling and `DDIMInverseScheduler` for inversion, both with "trailing"
spacing (Lin et al. 2024, table 2) so that the last level is t = T - 1, where x_T is N(0, I).

`NoiseLatent` is the diffusion part alone, on any (C, S, S) tensor in the model's own scale;
the `ddim` family puts it on images in [0, 1], the `ldm` family (models/latent_diffusion.py) on
an autoencoder's latent. Training runs in the shared loop (models/training.py): random batches for
a fixed number of steps, L_simple, and a cosine decay of the learning rate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

import torch
import torch.nn.functional as F
from torch import nn

from latentwalk.errors import InvalidParameterError, UnsupportedOperationError, require
from latentwalk.models.base import check_batch, draw_device, randn
from latentwalk.models.families import FAMILIES
from latentwalk.models.training import Optimization, TrainConfig

BetaSchedule = Literal["linear", "scaled_linear", "squaredcos_cap_v2"]
Prediction = Literal["epsilon", "v_prediction"]


def _diffusers() -> Any:
    return require("diffusers", "diffusion")


@dataclass(frozen=True)
class DDIMConfig:
    channels: int = 1
    size: int = 16
    width: int = 32  # channels of the U-Net's first level; a multiple of 8 (group norm)
    channel_mult: tuple[int, ...] = (1, 2, 2)  # one level each, width * mult channels; all but the last halve the side
    layers_per_block: int = 1
    train_timesteps: int = 1000
    beta_schedule: BetaSchedule = "scaled_linear"  # see the module docstring
    sample_steps: int = 50  # DDIM steps of inversion and of sampling
    prediction_type: Prediction = "epsilon"  # what the U-Net predicts: the noise, or v (Salimans & Ho 2022)

    def __post_init__(self) -> None:
        if isinstance(self.channel_mult, list):  # from JSON
            object.__setattr__(self, "channel_mult", tuple(self.channel_mult))
        if self.width % 8 or self.width < 8:
            raise InvalidParameterError(f"`width` has to be a multiple of 8 but is {self.width}.")
        if not self.channel_mult or any(m < 1 for m in self.channel_mult):
            raise InvalidParameterError(f"`channel_mult` must be one or more positive ints but is {self.channel_mult}.")
        f = 2 ** (len(self.channel_mult) - 1)
        if self.size % f:
            raise InvalidParameterError(
                f"`size` has to be divisible by {f} (2 ** (levels - 1)) but is {self.size} with {len(self.channel_mult)} levels."
            )
        if self.beta_schedule not in get_args(BetaSchedule):
            raise InvalidParameterError(f"`beta_schedule` must be one of {get_args(BetaSchedule)} but is {self.beta_schedule!r}.")
        if self.prediction_type not in get_args(Prediction):
            raise InvalidParameterError(f"`prediction_type` must be one of {get_args(Prediction)} but is {self.prediction_type!r}.")
        if not 1 <= self.sample_steps <= self.train_timesteps:
            raise InvalidParameterError(
                f"`sample_steps` must be in [1, train_timesteps={self.train_timesteps}] but is {self.sample_steps}."
            )

    def unet_kwargs(self) -> dict[str, Any]:
        n = len(self.channel_mult)
        return {
            "sample_size": self.size,
            "in_channels": self.channels,
            "out_channels": self.channels,
            "block_out_channels": tuple(self.width * m for m in self.channel_mult),
            "down_block_types": ("DownBlock2D",) * n,
            "up_block_types": ("UpBlock2D",) * n,
            "layers_per_block": self.layers_per_block,
            "norm_num_groups": 8,
            "add_attention": False,  # 16x16 digits and 4x4 latents: convolutions see enough
        }

    def scheduler_kwargs(self) -> dict[str, Any]:
        return {
            "num_train_timesteps": self.train_timesteps,
            "beta_schedule": self.beta_schedule,
            "clip_sample": False,  # clipping x0_hat would break the inverse map
            "set_alpha_to_one": True,  # the last sampling step lands on clean data, a_0 = 1
            "timestep_spacing": "trailing",  # tau_S = T - 1: x_T is N(0, I)
            "prediction_type": self.prediction_type,
        }


class NoiseLatent(nn.Module):
    """eps_theta and the DDIM maps between x_0 (B, C, S, S), roughly in [-1, 1], and x_T (B, C, S, S)."""

    def __init__(self, config: DDIMConfig) -> None:
        super().__init__()
        d = _diffusers()
        self.config = config
        # diffusers modules: typed Any, as diffusers' lazy exports do not resolve for mypy
        self.unet: Any = d.UNet2DModel(**config.unet_kwargs())
        self.scheduler: Any = d.DDIMScheduler(**config.scheduler_kwargs())
        self.inverse_scheduler: Any = d.DDIMInverseScheduler(**config.scheduler_kwargs())

    def predict(self, x: torch.Tensor, t: torch.Tensor | int) -> torch.Tensor:
        """The U-Net at x_t: eps or v (`prediction_type`); (B, C, S, S) and one level or (B,) levels -> (B, C, S, S)."""
        t = torch.as_tensor(t, device=x.device)
        return self.unet(x, t.expand(x.shape[0]) if t.dim() == 0 else t).sample

    def timesteps(self, steps: int | None = None) -> list[int]:
        """Ascending inversion levels tau_1 < ... < tau_S = T - 1 (sampling visits them backwards)."""
        self.inverse_scheduler.set_timesteps(steps or self.config.sample_steps)
        return [int(t) for t in self.inverse_scheduler.timesteps]

    @torch.no_grad()
    def invert(self, x0: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        """x_0 -> x_T: DDIMInverseScheduler, eps evaluated at each level it arrives at."""
        x = x0
        for t in self.timesteps(steps):
            x = self.inverse_scheduler.step(self.predict(x, t), t, x).prev_sample
        return x

    @torch.no_grad()
    def sample(self, x_t: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        """x_T -> x_0 with DDIMScheduler, eta = 0 (deterministic)."""
        self.scheduler.set_timesteps(steps or self.config.sample_steps)
        x = x_t
        for t in self.scheduler.timesteps:
            x = self.scheduler.step(self.predict(x, int(t)), int(t), x, eta=0.0).prev_sample
        return x

    def loss(self, x0: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Ho et al. 2020, L_simple: || eps - eps_theta(sqrt(a_t) x0 + sqrt(1 - a_t) eps, t) ||^2, or the
        same on v = sqrt(a_t) eps - sqrt(1 - a_t) x0 (Salimans & Ho 2022, section 4)."""
        t = torch.randint(0, self.config.train_timesteps, (len(x0),), generator=generator,
                          device=draw_device(generator, x0.device)).to(x0.device)
        eps = randn(x0.shape, generator, x0.device, x0.dtype)
        target = eps if self.config.prediction_type == "epsilon" else self.scheduler.get_velocity(x0, eps, t)
        return F.mse_loss(self.predict(self.scheduler.add_noise(x0, eps, t), t), target)

    def configure_optimizers(self, cfg: TrainConfig, total_steps: int) -> Optimization:
        """Adam with a cosine decay of the learning rate to 0 over the run (Loshchilov & Hutter 2017)."""
        opt = torch.optim.Adam(self.unet.parameters(), lr=cfg.lr)
        return Optimization({"unet": opt}, (torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps),))


def inversion_report(x: torch.Tensor, rec: torch.Tensor, steps: int, seconds: float, **extra: Any) -> dict[str, Any]:
    """What a walk's manifest records of an inversion: the per-input RMS error of decode(invert(x))."""
    rmse = (rec - x).pow(2).flatten(1).mean(1).sqrt()
    return {"method": "DDIM inversion (Song et al. 2021, eta 0)", "steps": steps, **extra,
            "rmse": [round(float(v), 5) for v in rmse], "seconds": round(seconds, 3)}


def no_encoder_error() -> UnsupportedOperationError:
    return UnsupportedOperationError(
        "A DDIM model has no encoder: use `model.invert(x)` (deterministic DDIM inversion to x_T, its error "
        "measured per input); `latentwalk walk` does this for you."
    )


@FAMILIES.register("ddim")
class DDIM(nn.Module):
    """invert = DDIM inversion of images in [0, 1] to x_T; decode = deterministic DDIM sampling."""

    family = "ddim"
    version: ClassVar[int] = 2  # 2: diffusers' UNet2DModel and DDIM schedulers (1 was a patch-2 U-Net of its own)
    config_class: ClassVar[type] = DDIMConfig
    prior = "gaussian"
    modality = "image"
    has_encoder = False  # x_T comes from `invert`, which measures and records its own error

    def __init__(self, config: DDIMConfig) -> None:
        super().__init__()
        self.config = config
        self.diffusion = NoiseLatent(config)
        self.last_inversion: dict[str, Any] | None = None

    @property
    def unet(self) -> Any:
        return self.diffusion.unet

    @property
    def data_shape(self) -> tuple[int, ...]:
        return (self.config.channels, self.config.size, self.config.size)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return self.data_shape  # x_T is shaped like the image

    def encode(self, x: torch.Tensor) -> Any:
        raise no_encoder_error()

    def timesteps(self, steps: int | None = None) -> list[int]:
        return self.diffusion.timesteps(steps)

    def sample(self, x_t: torch.Tensor, steps: int | None = None) -> torch.Tensor:
        """x_T (B, C, S, S) -> images in [0, 1]."""
        return ((self.diffusion.sample(x_t, steps) + 1) / 2).clamp(0, 1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        check_batch(z, self.latent_shape, "z")
        return self.sample(z)

    def invert(self, x: torch.Tensor, generator: torch.Generator | None = None, steps: int | None = None) -> torch.Tensor:
        """Images (K, C, S, S) in [0, 1] -> x_T (K, C, S, S), deterministically (`generator` is unused:
        nothing is drawn). decode(invert(x)) is measured against x into `self.last_inversion`."""
        check_batch(x, self.data_shape, "x")
        start = time.perf_counter()
        x_t = self.diffusion.invert(2 * x - 1, steps)
        self.last_inversion = inversion_report(x, self.sample(x_t, steps), steps or self.config.sample_steps,
                                               time.perf_counter() - start)
        return x_t

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        return {"loss": self.diffusion.loss(2 * x - 1, generator)}

    def configure_optimizers(self, cfg: TrainConfig, total_steps: int) -> Optimization:
        return self.diffusion.configure_optimizers(cfg, total_steps)


@dataclass(frozen=True)
class DDIMTrainConfig(TrainConfig):
    """Random batches for a fixed number of steps. L_simple on random t is too noisy to stop on, so
    the run is not stopped early and the final weights are kept; the report's loss is L_simple on
    a held-out 10% with fixed noise (lower is better)."""

    steps: int | None = 3000
    patience: int | None = None
