"""Latent diffusion: a DDIM trained in the latent space of a frozen `AutoencoderKL`, walked in its x_T.

Rombach et al., "High-Resolution Image Synthesis with Latent Diffusion Models", CVPR 2022: the
first stage (the autoencoder, models/ldm.py) is trained alone and then frozen; the diffusion
model learns its scaled latent z_0 (C, H/f, W/f), which has about unit variance.

    invert:  x --AE encode (posterior mean)--> z_0 --DDIM inversion--> x_T
    decode:  x_T --DDIM sampling (eta 0)--> z_0 --AE decode--> x

x_T is shaped like z_0 and distributed N(0, I), so walks use slerp. Both maps are
deterministic; `invert` measures decode(invert(x)) against x per input into `last_inversion`
(it goes into the walk's manifest), with the autoencoder's own share of that error beside it.

The autoencoder's weights are part of this model (one self-contained checkpoint). Training
starts from the built-in named by `first_stage` (its trained weights and scaling factor) and
optimises the U-Net only; `first_stage=None` trains on the autoencoder as built (tests).
diffusers is an optional extra (`pip install 'latentwalk[diffusion]'`), imported lazily.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import torch
from torch import nn

from latentwalk.errors import CheckpointError, InvalidParameterError
from latentwalk.models.base import check_batch
from latentwalk.models.ddim import (
    BetaSchedule,
    DDIMConfig,
    NoiseLatent,
    Prediction,
    inversion_report,
    no_encoder_error,
)
from latentwalk.models.families import FAMILIES
from latentwalk.models.ldm import LatentDiffusionAE, LDMConfig
from latentwalk.models.training import Optimization, TrainConfig


@dataclass(frozen=True)
class LatentDDIMConfig:
    autoencoder: LDMConfig = field(default_factory=LDMConfig)  # the first stage, as trained (scaling factor included)
    first_stage: str | None = "digits-ldm-ae"  # built-in whose weights training starts from; None: as built
    width: int = 32  # the denoiser's U-Net on the latent, as DDIMConfig's
    channel_mult: tuple[int, ...] = (1,)
    layers_per_block: int = 1
    train_timesteps: int = 1000
    beta_schedule: BetaSchedule = "scaled_linear"
    sample_steps: int = 50
    prediction_type: Prediction = "epsilon"

    def __post_init__(self) -> None:
        if isinstance(self.autoencoder, dict):  # from a checkpoint's JSON
            ae: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in self.autoencoder.items()}
            object.__setattr__(self, "autoencoder", LDMConfig(**ae))
        if not isinstance(self.autoencoder, LDMConfig):
            raise InvalidParameterError(f"`autoencoder` must be an LDMConfig but is {type(self.autoencoder).__name__}.")
        if isinstance(self.channel_mult, list):
            object.__setattr__(self, "channel_mult", tuple(self.channel_mult))
        self.denoiser()  # checks the U-Net's numbers against the latent's shape

    def latent_shape(self) -> tuple[int, int, int]:
        a = self.autoencoder
        side = a.sample_size // 2 ** (len(a.block_out_channels) - 1)
        return (a.latent_channels, side, side)

    def denoiser(self) -> DDIMConfig:
        c, side, _ = self.latent_shape()
        return DDIMConfig(channels=c, size=side, width=self.width, channel_mult=self.channel_mult,
                          layers_per_block=self.layers_per_block, train_timesteps=self.train_timesteps,
                          beta_schedule=self.beta_schedule, sample_steps=self.sample_steps, prediction_type=self.prediction_type)


def _structure(c: LDMConfig) -> LDMConfig:
    """The config without the numbers training measures (the latent's scaling)."""
    return replace(c, scaling_factor=1.0, shift_factor=None)


@FAMILIES.register("ldm")
class LatentDDIM(nn.Module):
    """invert = AE encode (mean) then DDIM inversion; decode = DDIM sampling then the AE's decoder."""

    family = "ldm"
    version: ClassVar[int] = 1
    config_class: ClassVar[type] = LatentDDIMConfig
    prior = "gaussian"
    modality = "image"
    has_encoder = False  # x_T comes from `invert`, which measures and records its own error

    def __init__(self, config: LatentDDIMConfig) -> None:
        super().__init__()
        self.config = config
        self.autoencoder = LatentDiffusionAE(config.autoencoder)
        self.diffusion = NoiseLatent(config.denoiser())
        self.last_inversion: dict[str, Any] | None = None

    @property
    def data_shape(self) -> tuple[int, ...]:
        return self.autoencoder.data_shape

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return self.autoencoder.latent_shape  # x_T is shaped like the autoencoder's latent

    def encode(self, x: torch.Tensor) -> Any:
        raise no_encoder_error()

    @torch.no_grad()
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """x_T (B, c, h, w) -> z_0 (B, c, h, w) -> images (B, C, S, S) in [0, 1]."""
        check_batch(z, self.latent_shape, "z")
        return self.autoencoder.decode(self.diffusion.sample(z))

    @torch.no_grad()
    def invert(self, x: torch.Tensor, generator: torch.Generator | None = None, steps: int | None = None) -> torch.Tensor:
        """Images (K, C, S, S) in [0, 1] -> x_T (K, c, h, w), deterministically (`generator` is unused)."""
        check_batch(x, self.data_shape, "x")
        start = time.perf_counter()
        z0 = self.autoencoder.encode(x).mode()  # (K, c, h, w), scaled to about unit variance
        x_t = self.diffusion.invert(z0, steps)
        z0_back = self.diffusion.sample(x_t, steps)
        self.last_inversion = inversion_report(
            x, self.autoencoder.decode(z0_back), steps or self.config.sample_steps, time.perf_counter() - start,
            autoencoder_rmse=[round(float(v), 5) for v in _rms(self.autoencoder.decode(z0), x)],
            latent_rmse=[round(float(v), 5) for v in _rms(z0_back, z0)],
        )
        return x_t

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """L_simple on the frozen first stage's posterior means."""
        with torch.no_grad():
            z0 = self.autoencoder.encode(x).mode()
        return {"loss": self.diffusion.loss(z0, generator)}

    def configure_optimizers(self, cfg: TrainConfig, total_steps: int) -> Optimization:
        """The first stage is trained already and stays frozen: load it, and optimise the U-Net."""
        if self.config.first_stage is not None:
            self._load_first_stage(self.config.first_stage)
        self.autoencoder.requires_grad_(False)
        return self.diffusion.configure_optimizers(cfg, total_steps)

    def _load_first_stage(self, name: str) -> None:
        from latentwalk.models.builtin import load_builtin

        ae, _ = load_builtin(name, progress=False)
        if not isinstance(ae, LatentDiffusionAE) or _structure(ae.config) != _structure(self.config.autoencoder):
            raise CheckpointError(
                f"The first stage '{name}' does not fit this model's `autoencoder` config: give the config of '{name}'."
            )
        self.autoencoder.load_state_dict(ae.state_dict())
        self.autoencoder.config = ae.config
        self.autoencoder.vae.register_to_config(scaling_factor=ae.config.scaling_factor, shift_factor=ae.config.shift_factor)
        self.config = replace(self.config, autoencoder=ae.config)  # its scaling factor travels in the checkpoint


def _rms(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).pow(2).flatten(1).mean(1).sqrt()  # (K,)
