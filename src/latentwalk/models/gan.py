"""The GAN family: a generator, a spectrally normalised critic trained with the hinge loss, an
average of the generator's weights, and an encoder that starts inversion.

- Generator: upsampling (nearest) followed by 3x3 convolutions, not DCGAN's transposed convolutions,
  whose uneven overlap paints a checkerboard of high frequencies on every frame (Odena, Dumoulin &
  Olah, "Deconvolution and Checkerboard Artifacts", Distill 2016). Batch norm, ReLU.
- Discriminator: DCGAN's strided convolutions with spectral normalisation (Miyato et al., ICLR 2018)
  and the hinge loss (Lim & Ye 2017; Miyato et al. 2018): max(0, 1 - D(x)) + max(0, 1 + D(G(z)))
  for the critic, -D(G(z)) for the generator.
- What is kept is an exponential moving average of the generator's weights (Yazici et al., ICLR
  2019; Karras et al. 2018): the late iterates of a GAN circle, their average is smoother. Batch
  norm's statistics are then measured again for the averaged weights ("standing statistics",
  Brock et al., BigGAN, ICLR 2019).
- Encoder E: a GAN has no encoder of its own. After the game (the last `encoder_fraction` of the
  steps) E learns to invert the kept generator with two losses: z ~ E(G(z)) on prior samples and
  x ~ G(E(x)) on the training images (the encoder of Zhu et al., "In-Domain GAN Inversion", ECCV
  2020, without its adversarial term). `invert(x)` starts from E(x) and refines it by optimisation
  (models/inversion.py; Creswell & Bharath 2018); the error left is reported (`last_inversion`)
  and goes into the walk's manifest. `has_encoder` stays False: E is a start, not a posterior.

Training plugs the players into the shared loop (models/training.py) through hooks: one Adam per
player, a step that plays the game (then, in the last part of the run, trains E), the average
updated after each step.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Real
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from latentwalk.config import Interval, check_params
from latentwalk.errors import InvalidParameterError, UnsupportedOperationError
from latentwalk.models.base import check_batch, randn
from latentwalk.models.families import FAMILIES
from latentwalk.models.inversion import InversionConfig, invert_decoder
from latentwalk.models.nets import Encoder, MLPEncoder
from latentwalk.models.training import Losses, Optimization, Run, TrainConfig

# ----------------------------------------------------------------------------------------------
# The networks


@dataclass(frozen=True)
class GANConfig:
    channels: int = 1
    size: int = 16
    latent_dim: int = 16
    width: int = 32
    arch: str = "conv"  # "conv" (upsample + conv) or "mlp" (fully connected; 16 * width hidden units)

    def __post_init__(self) -> None:
        if self.arch not in ("conv", "mlp"):
            raise InvalidParameterError(f"`arch` must be 'conv' or 'mlp' but is {self.arch!r}.")
        if self.size % 4 or self.size < 8:
            raise InvalidParameterError(f"`size` has to be a multiple of 4 and >= 8 but is {self.size}.")
        if self.latent_dim < 1 or self.width < 1 or self.channels not in (1, 3):
            raise InvalidParameterError("`latent_dim` and `width` must be >= 1 and `channels` 1 or 3.")


def _up(c_in: int, c_out: int) -> list[nn.Module]:
    """x2 nearest upsampling, then a 3x3 convolution: every output pixel sees the same number of inputs."""
    return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]


class Generator(nn.Module):
    """z (B, d) -> image (B, C, S, S) in [0, 1]: linear to (2w, S/4, S/4), two upsample + conv blocks."""

    def __init__(self, c: GANConfig) -> None:
        super().__init__()
        self.side, self.width = c.size // 4, c.width
        self.fc = nn.Sequential(nn.Linear(c.latent_dim, 2 * c.width * self.side**2), nn.BatchNorm1d(2 * c.width * self.side**2), nn.ReLU())
        self.net = nn.Sequential(*_up(2 * c.width, c.width), *_up(c.width, c.width), nn.Conv2d(c.width, c.channels, 3, padding=1))
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


class _ImageEncoder(nn.Module):
    """image (B, C, S, S) in [0, 1] -> code (B, d), seen on the critic's [-1, 1] scale."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(2 * x - 1)  # (B, d)


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


def _encoder(c: GANConfig) -> nn.Module:
    if c.arch == "mlp":
        return _ImageEncoder(MLPEncoder(c.channels, c.size, 16 * c.width, c.latent_dim, depth=2))
    return _ImageEncoder(Encoder(c.channels, c.size, c.width, c.latent_dim))


# ----------------------------------------------------------------------------------------------
# Training


_GAN_TRAIN_CONSTRAINTS: dict[str, list[Any]] = {
    "beta1": [Interval(Real, 0, 1, closed="left")],
    "ema": [Interval(Real, 0, 1, closed="left")],
    "encoder_fraction": [Interval(Real, 0, 1, closed="left")],
    "encoder_lr": [Interval(Real, 0, None, closed="neither")],
    "encoder_pixel_weight": [Interval(Real, 0, None, closed="left")],
}


@dataclass(frozen=True)
class GANTrainConfig(TrainConfig):
    """Adam(2e-4, beta1 = 0.5) on random batches. No early stopping: no loss says when a GAN is
    good. The last `encoder_fraction` of the steps train the encoder against the kept (averaged)
    generator, with Adam(`encoder_lr`). With a held-out split (`val_fraction` > 0) each round
    reports the encoder's pixel MSE |G(E(x)) - x|^2 on it as `val_loss`; without one, the report's
    loss is the round's mean training "loss" (the critic's, then the encoder's)."""

    steps: int | None = 2000
    lr: float = 2e-4
    patience: int | None = None
    val_fraction: float = 0.0
    beta1: float = 0.5  # DCGAN: 0.9 made training oscillate
    ema: float = 0.999  # decay of the generator's average (warmed up: min(ema, (1 + t) / (10 + t))); 0: keep the last
    encoder_fraction: float = 0.25  # share of the steps that train the encoder, after the game
    encoder_lr: float = 1e-3
    encoder_pixel_weight: float = 10.0  # weight of |G(E(x)) - x|^2 against |E(G(z)) - z|^2 (per value)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_params(_GAN_TRAIN_CONSTRAINTS, vars(self), type(self).__name__)


def hinge_d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The critic's hinge loss (Lim & Ye 2017): mean max(0, 1 - D(x)) + mean max(0, 1 + D(G(z)))."""
    return F.relu(1 - real_logits).mean() + F.relu(1 + fake_logits).mean()


def hinge_g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """The generator's side of the hinge game: -mean D(G(z))."""
    return -fake_logits.mean()


def _ema_decay(decay: float, step: int) -> float:
    """The average's decay after `step` updates, warmed up so that a short run is not its initial weights
    (as TensorFlow's ExponentialMovingAverage with num_updates)."""
    return min(decay, (1 + step) / (10 + step))


def _encoder_steps(cfg: TrainConfig, total_steps: int) -> int:
    """How many of the run's last steps train the encoder (none for a one-step run)."""
    share = getattr(cfg, "encoder_fraction", GANTrainConfig.encoder_fraction)
    return min(round(total_steps * share), total_steps - 1) if total_steps > 1 else 0


GAN_INVERSION = InversionConfig(steps=300, restarts=4, lr=0.05, prior_weight=0.05, ssim_weight=0.05)
"""The GAN's inversion: from E(x) and three prior draws, Adam on pixel MSE + 0.05 (1 - SSIM) +
the typical-shell prior term; the best start per item is kept."""


@FAMILIES.register("gan")
class DCGAN(nn.Module):
    """Generator + critic + encoder. `decode` is the generator; `encode` does not exist: use `invert`."""

    family = "gan"
    version: ClassVar[int] = 2  # 2: upsample + conv generator, encoder
    config_class: ClassVar[type] = GANConfig
    prior = "gaussian"
    modality = "image"
    has_encoder = False

    def __init__(self, config: GANConfig, inversion: InversionConfig | None = None) -> None:
        super().__init__()
        self.config = config
        self.inversion = inversion or GAN_INVERSION
        mlp = config.arch == "mlp"  # sparse 32x32 lines: the conv GAN collapsed there within minutes
        self.generator = _mlp_generator(config) if mlp else Generator(config)
        self.discriminator = _mlp_discriminator(config) if mlp else Discriminator(config)
        self.encoder = _encoder(config)
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
            "A GAN has no encoder: use `model.invert(x)` (optimises z so that G(z) matches x, from "
            "its inversion encoder's guess); `latentwalk walk` does this for you."
        )

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        self._check(z, self.latent_shape, "z")
        return self.generator(z)

    def sample_latents(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n codes from the prior N(0, I): (n, d), on the model's device."""
        return randn((n, *self.latent_shape), generator, next(self.parameters()).device)

    def invert(self, x: torch.Tensor, generator: torch.Generator | None = None, config: InversionConfig | None = None) -> torch.Tensor:
        """Real images (K, C, S, S) -> codes (K, d), refined from E(x); the error left is in `self.last_inversion`."""
        self._check(x, self.data_shape, "x")
        was_training = self.training
        self.eval()  # batch norm must use its running statistics, not the batch's
        try:
            with torch.no_grad():
                start = self.encoder(x)  # (K, d)
            codes, report = invert_decoder(self.decode, x, self.latent_shape, config or self.inversion, generator, start=start)
        finally:
            self.train(was_training)
        self.last_inversion = {**report, "start": "encoder E(x) (restart 0), prior draws (the others)"}
        return codes

    # Training hooks (models/training.py): three players, one Adam each.

    def configure_optimizers(self, cfg: TrainConfig, total_steps: int) -> Optimization:
        self.__dict__["_game_steps"] = total_steps - _encoder_steps(cfg, total_steps)  # plain ints, outside the state
        self.__dict__["_average"] = None
        betas = (getattr(cfg, "beta1", GANTrainConfig.beta1), 0.999)
        return Optimization({
            "discriminator": torch.optim.Adam(self.discriminator.parameters(), cfg.lr, betas),
            "generator": torch.optim.Adam(self.generator.parameters(), cfg.lr, betas),
            "encoder": torch.optim.Adam(self.encoder.parameters(), getattr(cfg, "encoder_lr", GANTrainConfig.encoder_lr)),
        })

    def training_step(self, real: torch.Tensor, run: Run) -> Losses:
        if run.step < self.__dict__["_game_steps"]:
            return self._game_step(real, run)
        return self._encoder_step(real, run)

    def _game_step(self, real: torch.Tensor, run: Run) -> Losses:
        """One round of the game: the critic learns real from fake, then the generator learns to
        fool the updated critic."""
        fake = self.generator(self.sample_latents(len(real), run.generator))
        loss_d = hinge_d_loss(self.discriminator(real), self.discriminator(fake.detach()))
        run.optimise(loss_d, "discriminator")
        loss_g = hinge_g_loss(self.discriminator(fake))
        run.optimise(loss_g, "generator")
        return {"loss": loss_d, "loss_g": loss_g}  # "loss", the one watched, is the critic's

    def encoder_losses(self, real: torch.Tensor, z: torch.Tensor) -> Losses:
        """E's two losses, per value: latent |E(G(z)) - z|^2 on prior codes z (B, d), and pixel
        |G(E(x)) - x|^2 on real images x (B, *X). The generator is held fixed (no_grad for G(z))."""
        with torch.no_grad():
            fake = self.generator(z)  # (B, *X)
        latent = (self.encoder(fake) - z).pow(2).mean()
        pixel = (self.generator(self.encoder(real)) - real).pow(2).mean()
        return {"latent": latent, "pixel": pixel}

    def _encoder_step(self, real: torch.Tensor, run: Run) -> Losses:
        self.generator.eval()  # the kept generator, with its standing statistics
        losses = self.encoder_losses(real, self.sample_latents(len(real), run.generator))
        pixel_weight = getattr(run.cfg, "encoder_pixel_weight", GANTrainConfig.encoder_pixel_weight)
        loss = losses["latent"] + pixel_weight * losses["pixel"]
        run.optimise(loss, "encoder")
        self.generator.zero_grad(set_to_none=True)  # the pixel loss went through G; G is not trained here
        return {"loss": loss.detach(), "encoder_latent": losses["latent"].detach(), "encoder_pixel": losses["pixel"].detach()}

    def on_step_end(self, run: Run) -> None:
        game = self.__dict__["_game_steps"]
        if run.step <= game:
            self._update_average(getattr(run.cfg, "ema", GANTrainConfig.ema), run.step)
        if run.step == game:
            self._keep_average(run.generator)

    def _update_average(self, decay: float, step: int) -> None:
        now = [p.detach() for p in self.generator.parameters()]
        held = self.__dict__.get("_average")
        if held is None or not decay:
            self.__dict__["_average"] = [p.clone() for p in now]
            return
        with torch.no_grad():
            for avg, p in zip(held, now, strict=True):
                avg.lerp_(p, 1 - _ema_decay(decay, step))

    def _keep_average(self, generator: torch.Generator, batches: int = 16, batch_size: int = 256) -> None:
        """Put the averaged weights into the generator, then measure batch norm's statistics for them."""
        held = self.__dict__.pop("_average")
        with torch.no_grad():
            for p, avg in zip(self.generator.parameters(), held, strict=True):
                p.copy_(avg)
            norms = [m for m in self.generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
            for m in norms:
                m.reset_running_stats()
                m.momentum = None  # a plain average over the batches below
            self.generator.train()
            for _ in range(batches):
                self.generator(self.sample_latents(batch_size, generator))
            for m in norms:
                m.momentum = 0.1

    @torch.no_grad()
    def validation_loss(self, x: torch.Tensor, generator: torch.Generator) -> float:
        """The encoder's pixel MSE |G(E(x)) - x|^2 on held-out images (before refinement)."""
        err = sum(float((self.generator(self.encoder(xb)) - xb).pow(2).sum()) for xb in x.split(256))
        return err / x.numel()
