"""The AE and VAE families (images; prior N(0, I) for the VAE).

VAE: Kingma & Welling 2014. Loss = Bernoulli reconstruction (summed over pixels) + beta * KL.
Walks start from the posterior mean (`encode(x).mode()`), never a random sample, so that the
same inputs give the same walk (pythae's `interpolate` samples, a defect we avoid).
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from latentwalk.config import Constraint, Interval, Options, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.models.base import DiagonalGaussian, PointMass, check_batch
from latentwalk.models.families import FAMILIES, MAX_DEPTH, MAX_LATENT_DIM, MAX_WIDTH, check_param_budget
from latentwalk.models.nets import (
    Decoder,
    DeepDecoder,
    DeepEncoder,
    Encoder,
    MLPDecoder,
    MLPEncoder,
    make_nets,
)

_CONSTRAINTS: dict[str, list[Constraint]] = {
    "channels": [Options(frozenset({1, 3}))],
    "size": [Interval(Integral, 8, 1024)],
    "latent_dim": [Interval(Integral, 1, MAX_LATENT_DIM)],
    "width": [Interval(Integral, 1, MAX_WIDTH)],
    "beta": [Interval(Real, 0, None, closed="left")],
    "arch": [Options(frozenset({"conv", "deep", "mlp"}))],
    "depth": [Interval(Integral, 1, MAX_DEPTH)],
}


@dataclass(frozen=True)
class ConvAEConfig:
    channels: int = 1
    size: int = 16
    latent_dim: int = 16
    width: int = 32
    beta: float = 1.0  # VAE only: weight of the KL term
    arch: str = "conv"  # "conv" (two layers), "deep" (down to 4x4, resize-convolutions) or "mlp"
    depth: int = 1  # mlp only: hidden layers in encoder and decoder

    def __post_init__(self) -> None:
        check_params(_CONSTRAINTS, vars(self), "ConvAEConfig")
        if self.size % 4:
            raise InvalidParameterError(f"The 'size' parameter of ConvAEConfig must be a multiple of 4. Got {self.size} instead.")
        side = self.size // 4
        if self.arch == "deep" and side & (side - 1):
            raise InvalidParameterError(f"The 'size' parameter of ConvAEConfig with arch 'deep' must be 4 times a power of two "
                                        f"(8, 16, 32, 64, ...). Got {self.size} instead.")
        # counted for the VAE, whose encoder (2 * latent_dim outputs) is the larger of the two
        check_param_budget("ConvAEConfig", lambda: nn.ModuleList(make_nets(
            self.arch, self.channels, self.size, self.width, 2 * self.latent_dim, self.latent_dim, self.depth)))


class _ConvBase(nn.Module):
    config_class: ClassVar[type] = ConvAEConfig
    version: ClassVar[int] = 1
    prior: str
    modality = "image"
    config: ConvAEConfig
    encoder: Encoder | MLPEncoder | DeepEncoder
    decoder: Decoder | MLPDecoder | DeepDecoder

    def _check(self, t: torch.Tensor, shape: tuple[int, ...], what: str) -> None:
        check_batch(t, shape, what)

    @property
    def data_shape(self) -> tuple[int, ...]:
        c = self.config
        return (c.channels, c.size, c.size)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.config.latent_dim,)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        self._check(z, self.latent_shape, "z")
        return self.decoder(z)

    def _recon_loss(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        logits = self.decoder.logits(z)
        return F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1).mean()


class PointObjective:
    """The plain autoencoder: encode to one code, train on reconstruction alone.

    Mixed into a family that provides `encoder`, `data_shape`, `_check` and `_recon_loss`
    (images here, sound in models/audio.py), so the objective is written once."""

    def encode(self, x: torch.Tensor) -> PointMass:
        self._check(x, self.data_shape, "x")  # type: ignore[attr-defined]
        return PointMass(self.encoder(x))  # type: ignore[attr-defined]

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        rec = self._recon_loss(x, self.encoder(x))  # type: ignore[attr-defined]
        return {"loss": rec, "recon": rec}


class GaussianObjective:
    """The VAE (Kingma & Welling 2014): q(z|x) = N(mean, diag(exp(logvar))), prior N(0, I),
    loss = reconstruction of a reparameterised sample + beta * KL. The encoder emits 2 * latent_dim."""

    def encode(self, x: torch.Tensor) -> DiagonalGaussian:
        self._check(x, self.data_shape, "x")  # type: ignore[attr-defined]
        mean, logvar = self.encoder(x).chunk(2, dim=1)  # type: ignore[attr-defined]
        return DiagonalGaussian(mean, logvar.clamp(-12, 8))

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        q = self.encode(x)
        rec = self._recon_loss(x, q.sample(generator))  # type: ignore[attr-defined]
        kl = q.kl().mean()
        return {"loss": rec + self.config.beta * kl, "recon": rec, "kl": kl}  # type: ignore[attr-defined]


@FAMILIES.register("ae")
class ConvAE(PointObjective, _ConvBase):
    family = "ae"
    prior = "none"

    def __init__(self, config: ConvAEConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.encoder, self.decoder = make_nets(c.arch, c.channels, c.size, c.width, c.latent_dim, c.latent_dim, c.depth)


@FAMILIES.register("vae")
class ConvVAE(GaussianObjective, _ConvBase):
    family = "vae"
    prior = "gaussian"

    def __init__(self, config: ConvAEConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.encoder, self.decoder = make_nets(c.arch, c.channels, c.size, c.width, 2 * c.latent_dim, c.latent_dim, c.depth)
