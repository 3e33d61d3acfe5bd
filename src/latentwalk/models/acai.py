"""ACAI: the adversarially constrained autoencoder interpolation family ("acai", "audio-acai").

Berthelot, Raffel, Roy, Goodfellow, "Understanding and Improving Interpolation in Autoencoders
via an Adversarial Regularizer", ICLR 2019, section 2 (equations 1 and 2):

- a plain autoencoder x_hat = g(f(x)) with a critic d that sees decoded *mixes*: for a code
  pair (z1, z2) and alpha ~ U[0, 1/2], x_alpha = g(alpha z1 + (1 - alpha) z2);
- the critic learns to tell the mixing coefficient:  L_d = |d(x_alpha) - alpha|^2
  + |d(gamma x + (1 - gamma) x_hat)|^2  (the second term shows it realistic data, blended with
  its reconstruction so that the critic cannot win on reconstruction error alone);
- the autoencoder learns to reconstruct and to make every mix look like alpha = 0, i.e. like
  real data:  L_f,g = |x - x_hat|^2 + lambda |d(x_alpha)|^2.

The paper's values are the defaults: lambda = 0.5, gamma = 0.2, the squared errors measured on
data scaled to [-1, 1] and averaged over its values, alpha drawn per pair and z2 the batch
reversed. The critic has the encoder's architecture with one output (the paper averages the
critic's last feature map). Two Adam optimisers, one per player, as in the paper. The critic
exists only while training (it is drawn from the training seed when training starts and dropped at
the end), so a checkpoint holds the autoencoder alone: walks never need the critic.

For CPU-sized training the recipe may add what the paper does without: a cosine decay of the
learning rate (`lr_final`) and an exponential moving average of the autoencoder's weights (`ema`),
which the walks then use (the average of late iterates is smoother than the last one). Walks start
from the code f(x); there is no prior (mixes are made realistic instead).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Any, ClassVar

import torch
from torch import nn

from latentwalk.config import Constraint, Interval, check_params
from latentwalk.models.audio import AudioAE, AudioAEConfig, pool_frames
from latentwalk.models.autoencoders import ConvAE, ConvAEConfig
from latentwalk.models.base import PointMass
from latentwalk.models.families import FAMILIES
from latentwalk.models.nets import DeepEncoder, Encoder, MLPEncoder, mlp
from latentwalk.models.training import Losses, Optimization, Run, TrainConfig

_ACAI_CONSTRAINTS: dict[str, list[Constraint]] = {
    "lam": [Interval(Real, 0, None, closed="left")],
    "gamma": [Interval(Real, 0, 1, closed="both")],
    "ema": [Interval(Real, 0, 1, closed="left")],
}


@dataclass(frozen=True)
class ACAIConfig(ConvAEConfig):
    """The image autoencoder's fields (`beta` is not used) and ACAI's own."""

    lam: float = 0.5  # lambda: weight of the critic's verdict in the autoencoder's loss (paper: 0.5)
    gamma: float = 0.2  # blend of data and reconstruction shown to the critic as alpha = 0 (paper: 0.2)
    ema: float = 0.0  # decay of the moving average of the autoencoder's weights; 0: no average

    def __post_init__(self) -> None:
        super().__post_init__()
        check_params(_ACAI_CONSTRAINTS, vars(self), type(self).__name__)


@dataclass(frozen=True)
class AudioACAIConfig(AudioAEConfig):
    """The sound autoencoder's fields (`beta` is not used) and ACAI's own."""

    lam: float = 0.5
    gamma: float = 0.2
    ema: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        check_params(_ACAI_CONSTRAINTS, vars(self), type(self).__name__)


@dataclass(frozen=True)
class ACAITrainConfig(TrainConfig):
    """Random batches for a fixed number of steps (no early stopping: the critic's game has no
    loss that says when to stop); the learning rate decays along a cosine to `lr * lr_final`."""

    steps: int | None = 20_000
    lr: float = 5e-4
    patience: int | None = None
    val_fraction: float = 0.05
    lr_final: float = 1.0  # 1: constant, as in the paper

    def __post_init__(self) -> None:
        super().__post_init__()
        check_params({"lr_final": [Interval(Real, 0, 1, closed="both")]}, vars(self), type(self).__name__)


def _scaled(x: torch.Tensor) -> torch.Tensor:
    """[0, 1] -> [-1, 1], the scale of the paper's losses and critic inputs."""
    return 2 * x - 1


class AdversarialObjective:
    """ACAI's two-player training, mixed into an autoencoder family that provides `encoder(x)`,
    `_logits(z)`, `_make_critic() -> module (B, *X) -> (B,)`, `config` (lam, gamma, ema) and `data_shape`."""

    config: Any
    critic: nn.Module

    def _make_critic(self) -> nn.Module:
        raise NotImplementedError

    def _logits(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _code(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)  # type: ignore[attr-defined]

    def encode(self, x: torch.Tensor) -> PointMass:
        self._check(x, self.data_shape, "x")  # type: ignore[attr-defined]
        return PointMass(self._code(x))

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None = None) -> Losses:
        """The reconstruction term alone (what validation compares between rounds)."""
        rec = self._recon(x, self._logits(self._code(x)))
        return {"loss": rec, "recon": rec}

    @staticmethod
    def _recon(x: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        return (_scaled(torch.sigmoid(logits)) - _scaled(x)).pow(2).mean()

    def _autoencoder_parameters(self) -> list[nn.Parameter]:
        critic = {id(p) for p in self.critic.parameters()} if hasattr(self, "critic") else set()
        return [p for p in self.parameters() if id(p) not in critic]  # type: ignore[attr-defined]

    def configure_optimizers(self, cfg: TrainConfig, total_steps: int) -> Optimization:
        device = next(self.parameters()).device  # type: ignore[attr-defined]
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(cfg.seed + 1)  # the critic's weights: a function of the training seed alone
            self.critic = self._make_critic().to(device)
        ae = torch.optim.Adam(self._autoencoder_parameters(), cfg.lr)
        critic = torch.optim.Adam(self.critic.parameters(), cfg.lr)
        final = getattr(cfg, "lr_final", 1.0)

        def cosine(step: int) -> float:
            return final + (1 - final) * 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / max(total_steps, 1)))

        schedulers = () if final == 1.0 else tuple(torch.optim.lr_scheduler.LambdaLR(o, cosine) for o in (ae, critic))
        return Optimization({"autoencoder": ae, "critic": critic}, schedulers)

    def training_step(self, x: torch.Tensor, run: Run) -> Losses:
        c = self.config
        z = self._code(x)
        x_hat = torch.sigmoid(self._logits(z))
        alpha = 0.5 * torch.rand((len(x), *[1] * (z.dim() - 1)), generator=run.generator, device=z.device)
        x_mix = torch.sigmoid(self._logits(alpha * z + (1 - alpha) * z.flip(0)))
        rec = (_scaled(x_hat) - _scaled(x)).pow(2).mean()
        fooled = self.critic(_scaled(x_mix)).pow(2).mean()
        loss_ae = rec + c.lam * fooled
        run.optimise(loss_ae, "autoencoder")
        blend = c.gamma * x + (1 - c.gamma) * x_hat.detach()
        loss_critic = (self.critic(_scaled(x_mix.detach())) - alpha.flatten()).pow(2).mean() + self.critic(_scaled(blend)).pow(2).mean()
        run.optimise(loss_critic, "critic")
        return {"loss": loss_ae.detach(), "recon": rec.detach(), "critic": loss_critic.detach()}

    # The moving average of the autoencoder's weights (Polyak averaging; off when ema == 0).

    def on_step_end(self, run: Run) -> None:
        decay = self.config.ema
        if not decay:
            return
        now = self._averaged_parameters()
        held = self.__dict__.get("_average")  # plain tensors, outside the module's state
        if held is None:
            self.__dict__["_average"] = [p.detach().clone() for p in now]
            return
        with torch.no_grad():
            for avg, p in zip(held, now, strict=True):
                avg.lerp_(p.detach(), 1 - decay)

    def _averaged_parameters(self) -> list[nn.Parameter]:
        return self._autoencoder_parameters()

    def on_fit_end(self, x: torch.Tensor) -> None:
        if hasattr(self, "critic"):
            del self.critic  # walks never need it; the checkpoint holds the autoencoder alone
        held = self.__dict__.pop("_average", None)
        if held is None:
            return
        with torch.no_grad():
            for p, avg in zip(self._averaged_parameters(), held, strict=True):
                p.copy_(avg)


def _image_critic(c: ACAIConfig) -> nn.Module:
    if c.arch == "mlp":
        return MLPEncoder(c.channels, c.size, c.width, 1, c.depth)
    if c.arch == "deep":
        return DeepEncoder(c.channels, c.size, c.width, 1)
    return Encoder(c.channels, c.size, c.width, 1)


class _Flat(nn.Module):
    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).reshape(len(x))


@FAMILIES.register("acai")
class ACAI(AdversarialObjective, ConvAE):
    """The image autoencoder (its nets as `ae`'s) trained with ACAI's critic; `encode(x)` is a point."""

    family = "acai"
    version: ClassVar[int] = 1
    config_class: ClassVar[type] = ACAIConfig
    prior = "none"

    def _make_critic(self) -> nn.Module:
        return _Flat(_image_critic(self.config))

    def _logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder.logits(z)



class _SpectrogramCritic(nn.Module):
    """(B, 1, F, T) -> (B,): the spectrogram averaged over `pool` frames, then an MLP."""

    def __init__(self, c: AudioAEConfig) -> None:
        super().__init__()
        self.c = c
        self.net = mlp([c.bins * (c.frames // c.pool), c.hidden, c.hidden, 1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(pool_frames(x, self.c).flatten(1)).reshape(len(x))


@FAMILIES.register("audio-acai")
class AudioACAI(AdversarialObjective, AudioAE):
    """The sound autoencoder (log-magnitude spectrograms, `audio-ae`'s nets) trained with ACAI's critic."""

    family = "audio-acai"
    config_class: ClassVar[type] = AudioACAIConfig
    prior = "none"

    def _make_critic(self) -> nn.Module:
        return _SpectrogramCritic(self.config)

    def _logits(self, z: torch.Tensor) -> torch.Tensor:
        return self.logits(z)

