"""The GAN family: a DCGAN-style generator and discriminator, and inversion instead of an encoder.

Architecture after Radford, Metz & Chintala, "Unsupervised Representation Learning with Deep
Convolutional GANs", ICLR 2016: strided (transposed) convolutions, batch norm in the generator,
LeakyReLU(0.2) in the discriminator, Adam(2e-4, beta1 = 0.5). Loss: the non-saturating loss of
Goodfellow et al. 2014. Prior N(0, I).

A GAN has no encoder. A real input becomes a code by *inversion* (Creswell & Bharath 2018, see
models/inversion.py): optimise z so that G(z) reproduces x. The error left is reported
(`last_inversion`) and goes into the walk's manifest.

Training plugs the two players into the shared loop (models/training.py) through hooks: one Adam
per player, and a step that updates the discriminator, then the generator against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from latentwalk.errors import InvalidParameterError, UnsupportedOperationError
from latentwalk.models.base import check_batch, randn
from latentwalk.models.families import FAMILIES
from latentwalk.models.inversion import InversionConfig, invert_decoder
from latentwalk.models.training import Losses, Optimization, Run, TrainConfig

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
            self.net[-1].get_parameter("bias").fill_(-3.0)

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


@dataclass(frozen=True)
class GANTrainConfig(TrainConfig):
    """DCGAN's recipe: Adam(2e-4, beta1 = 0.5) on random batches of all the data. No held-out split
    and no early stopping: no loss says when a GAN is good. The report's loss is the
    discriminator's over the last round (near 2 ln 2 = 1.39 when neither side wins)."""

    steps: int | None = 2000
    lr: float = 2e-4
    patience: int | None = None
    val_fraction: float = 0.0
    beta1: float = 0.5  # DCGAN: 0.9 made training oscillate

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0 <= self.beta1 < 1:
            raise InvalidParameterError(f"The 'beta1' parameter of GANTrainConfig must be in [0, 1). Got {self.beta1} instead.")


def _d_loss(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    # softplus(-l) = -log sigmoid(l): real -> 1, fake -> 0
    return F.softplus(-discriminator(real)).mean() + F.softplus(discriminator(fake)).mean()


@FAMILIES.register("gan")
class DCGAN(nn.Module):
    """Generator + discriminator. `decode` is the generator; `encode` does not exist: use `invert`."""

    family = "gan"
    version: ClassVar[int] = 1
    config_class: ClassVar[type] = GANConfig
    prior = "gaussian"
    modality = "image"
    has_encoder = False

    def __init__(self, config: GANConfig, inversion: InversionConfig | None = None) -> None:
        super().__init__()
        self.config = config
        self.inversion = inversion or InversionConfig()
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
        """n codes from the prior N(0, I): (n, d), on the model's device."""
        return randn((n, *self.latent_shape), generator, next(self.parameters()).device)

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

    # Training hooks (models/training.py): two players, one Adam each.

    def configure_optimizers(self, cfg: TrainConfig, total_steps: int) -> Optimization:
        betas = (getattr(cfg, "beta1", GANTrainConfig.beta1), 0.999)
        return Optimization({
            "discriminator": torch.optim.Adam(self.discriminator.parameters(), cfg.lr, betas),
            "generator": torch.optim.Adam(self.generator.parameters(), cfg.lr, betas),
        })

    def training_step(self, real: torch.Tensor, run: Run) -> Losses:
        """One round of the game (Goodfellow et al. 2014): the discriminator learns real from fake,
        then the generator learns to fool the updated discriminator."""
        fake = self.generator(self.sample_latents(len(real), run.generator))
        loss_d = _d_loss(self.discriminator, real, fake.detach())
        run.optimise(loss_d, "discriminator")
        loss_g = F.softplus(-self.discriminator(fake)).mean()  # non-saturating: -log D(G(z))
        run.optimise(loss_g, "generator")
        return {"loss": loss_d, "loss_g": loss_g}  # "loss", the one watched, is the discriminator's
