"""The sound AE and VAE families ("audio-ae", "audio-vae"): log-magnitude spectrograms (1, F, T).

Spectrograms are not square (257 bins x 63 frames), so these families take (bins, frames)
instead of the image families' `size`. The nets see the spectrogram averaged over `pool` frames
and the decoder's T/pool columns are interpolated back to 63. Two architectures (`arch`):

- "mlp": fully connected, `depth` hidden layers each way (`hidden` units) around a `latent_dim`
  code, on the linear-frequency bins. Its last layer is a sum of at most `hidden` fixed spectra,
  too few to draw a sharp harmonic comb at each of hundreds of pitches: between two tones it
  decodes a blend of combs (two pitches) more often than a comb in between.
- "logconv" (LogFreqNets): 1-D convolutions over a log-frequency axis, where a pitch change is a
  shift of the same comb, so one set of kernels draws it at every pitch. Measured on the tones
  set (see the tones recipes in models/builtin.py): sharper tones and cries, and walks whose f0
  moves through the interval, though still with an octave jump on wide intervals.

Loss as the image families: Bernoulli cross-entropy on values in [0, 1] summed over bins (+ beta
* KL for the VAE, Kingma & Welling 2014). Walks start from the posterior mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from latentwalk.config import Constraint, Interval, Options, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.modalities.audio import N_BINS, N_FRAMES, SAMPLE_RATE
from latentwalk.models.autoencoders import GaussianObjective, PointObjective
from latentwalk.models.base import check_batch
from latentwalk.models.families import FAMILIES, MAX_DEPTH, MAX_LATENT_DIM, MAX_WIDTH, check_param_budget
from latentwalk.models.nets import mlp

INIT_LOGIT = -1.7  # sigmoid(-1.7) = 0.15
ARCHS = ("mlp", "logconv")
LOG_F_MIN = 50.0  # Hz: lowest centre of the log-frequency axis (below the lowest f0 of the data, 60 Hz)
N_DOWN = 3  # stride-2 stages of the log-frequency convolutions


_CONSTRAINTS: dict[str, list[Constraint]] = {
    "bins": [Interval(Integral, 2, 4096)],
    "frames": [Interval(Integral, 2, 4096)],
    "latent_dim": [Interval(Integral, 1, MAX_LATENT_DIM)],
    "hidden": [Interval(Integral, 1, MAX_WIDTH)],
    "depth": [Interval(Integral, 1, MAX_DEPTH)],
    "beta": [Interval(Real, 0, None, closed="left")],
    "pool": [Interval(Integral, 1, 4096)],
    "arch": [Options(frozenset(ARCHS))],
    "channels": [Interval(Integral, 1, MAX_WIDTH)],
    "bins_per_octave": [Interval(Integral, 4, 256)],
}


@dataclass(frozen=True)
class AudioAEConfig:
    bins: int = N_BINS
    frames: int = N_FRAMES
    latent_dim: int = 8
    hidden: int = 128
    depth: int = 2  # hidden layers in encoder and decoder
    beta: float = 1.0  # VAE only: weight of the KL term
    pool: int = 3  # frames averaged into one inside the nets (decoded back by linear interpolation)
    # "mlp": fully connected on the linear-frequency spectrogram; "logconv": 1-D convolutions over a
    # log-frequency axis (see LogFreqNets), where a change of pitch is a shift.
    arch: str = "mlp"
    channels: int = 32  # logconv only: feature maps of the convolutions
    bins_per_octave: int = 32  # logconv only: resolution of the log-frequency axis

    def __post_init__(self) -> None:
        check_params(_CONSTRAINTS, vars(self), "AudioAEConfig")
        if self.frames % self.pool:
            raise InvalidParameterError(
                f"The 'pool' parameter of AudioAEConfig must divide 'frames' ({self.frames}). Got {self.pool} instead."
            )
        check_param_budget("AudioAEConfig", lambda: AudioVAE(self))  # the VAE is the larger of the two


def log_axis(config: AudioAEConfig) -> torch.Tensor:
    """Centres (Hz) of the log-frequency axis: LOG_F_MIN * 2^(k / bins_per_octave) up to Nyquist,
    as many as a multiple of 2^N_DOWN so that the stride-2 stages divide evenly."""
    nyquist = SAMPLE_RATE / 2
    n = int(config.bins_per_octave * math.log2(nyquist / LOG_F_MIN)) + 1
    n -= n % (2**N_DOWN)
    return LOG_F_MIN * 2 ** (torch.arange(n, dtype=torch.float64, device="cpu") / config.bins_per_octave)


def lin_to_log_matrix(config: AudioAEConfig) -> torch.Tensor:
    """(L, F): each log bin as a triangular average of the linear STFT bins around its centre
    (as a mel/constant-Q filterbank, e.g. Brown 1991), at least one linear bin wide at the bottom."""
    centres = log_axis(config)
    lin = torch.linspace(0, SAMPLE_RATE / 2, config.bins, dtype=torch.float64, device="cpu")
    step = SAMPLE_RATE / 2 / (config.bins - 1)
    half = (centres * (2 ** (1 / config.bins_per_octave) - 1)).clamp_min(step)  # (L,)
    w = (1 - (lin[None] - centres[:, None]).abs() / half[:, None]).clamp_min(0)  # (L, F)
    return (w / w.sum(1, keepdim=True)).to(torch.float32)


def log_to_lin_index(config: AudioAEConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """For each linear STFT bin, its fractional position on the log axis: (lower index, weight of
    the upper one), to interpolate a log-frequency spectrum back onto the linear bins."""
    n = len(log_axis(config))
    lin = torch.linspace(0, SAMPLE_RATE / 2, config.bins, dtype=torch.float64, device="cpu").clamp_min(LOG_F_MIN)
    pos = (config.bins_per_octave * torch.log2(lin / LOG_F_MIN)).clamp(0, n - 1)
    lo = pos.floor().long().clamp(max=n - 2)
    return lo, (pos - lo).to(torch.float32)


class LogFreqNets(nn.Module):
    """Encoder and decoder that see the spectrum on a log-frequency axis, where a harmonic tone is
    the same comb of peaks at every pitch, only shifted (the constant-Q idea, Brown 1991): 1-D
    convolutions over that axis (the time columns are their channels) can draw the comb at any
    position, which the last layer of an MLP (rank <= hidden) cannot do for hundreds of pitches.

    encode: (B, F, T/p) linear bins -> triangular filterbank -> (B, T/p, L) -> N_DOWN stride-2
    convolutions -> a linear layer -> code. decode mirrors it (linear upsampling + convolutions)
    and interpolates the log-frequency logits back onto the F linear bins.
    """

    to_log: torch.Tensor  # buffers, registered in __init__
    lo: torch.Tensor
    frac: torch.Tensor

    def __init__(self, config: AudioAEConfig, code_dim: int) -> None:
        super().__init__()
        c, cols = config.channels, config.frames // config.pool
        self.register_buffer("to_log", lin_to_log_matrix(config), persistent=False)
        lo, frac = log_to_lin_index(config)
        self.register_buffer("lo", lo, persistent=False)
        self.register_buffer("frac", frac, persistent=False)
        self.n_log = self.to_log.shape[0]
        self.coarse = self.n_log // 2**N_DOWN
        self.c = c
        down: list[nn.Module] = []
        for i in range(N_DOWN):
            down += [nn.Conv1d(cols if i == 0 else c, c, 5, stride=2, padding=2), nn.SiLU()]
        self.enc_conv = nn.Sequential(*down)
        self.enc_fc = mlp([c * self.coarse, config.hidden, code_dim])
        self.dec_fc = nn.Sequential(mlp([config.latent_dim, config.hidden, c * self.coarse]), nn.SiLU())
        up: list[nn.Module] = []
        for _ in range(N_DOWN):
            up += [nn.Upsample(scale_factor=2, mode="linear", align_corners=False), nn.Conv1d(c, c, 5, padding=2), nn.SiLU()]
        self.dec_conv = nn.Sequential(*up, nn.Conv1d(c, cols, 5, padding=2))
        with torch.no_grad():
            self.dec_conv[-1].get_parameter("bias").fill_(INIT_LOGIT)

    def encode(self, pooled: torch.Tensor) -> torch.Tensor:
        logf = torch.einsum("lf,bft->btl", self.to_log, pooled)  # (B, T/p, L)
        return self.enc_fc(self.enc_conv(logf).flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = self.dec_fc(z).view(-1, self.c, self.coarse)
        logits = self.dec_conv(h)  # (B, T/p, L)
        lin = logits[..., self.lo] * (1 - self.frac) + logits[..., self.lo + 1] * self.frac  # (B, T/p, F)
        return lin.transpose(1, 2)  # (B, F, T/p)


def pool_frames(x: torch.Tensor, c: AudioAEConfig) -> torch.Tensor:
    """(B, 1, F, T) spectrograms -> (B, F, T/pool): every `pool` frames averaged into one."""
    return x.reshape(x.shape[0], c.bins, c.frames // c.pool, c.pool).mean(-1)


class _AudioBase(nn.Module):
    config_class: ClassVar[type] = AudioAEConfig
    version: ClassVar[int] = 1
    modality = "audio"
    prior: str

    def _build(self, config: AudioAEConfig, code_dim: int) -> None:
        self.config = config
        if config.arch == "logconv":
            self.nets = LogFreqNets(config, code_dim)
            return
        d = config.bins * (config.frames // config.pool)
        self.encoder_net = mlp([d, *[config.hidden] * config.depth, code_dim])
        self.decoder_net = mlp([config.latent_dim, *[config.hidden] * config.depth, d])
        with torch.no_grad():  # start at the level most bins sit at (v ~ 0.15, -68 dB), not at v = 0.5
            self.decoder_net[-1].get_parameter("bias").fill_(INIT_LOGIT)

    def encoder(self, x: torch.Tensor) -> torch.Tensor:
        c = self.config
        pooled = pool_frames(x, c)
        if c.arch == "logconv":
            return self.nets.encode(pooled)
        return self.encoder_net(pooled.flatten(1))  # (B, code_dim)

    @property
    def data_shape(self) -> tuple[int, ...]:
        return (1, self.config.bins, self.config.frames)

    @property
    def latent_shape(self) -> tuple[int, ...]:
        return (self.config.latent_dim,)

    def _check(self, x: torch.Tensor, shape: tuple[int, ...], what: str) -> None:
        check_batch(x, shape, what, " Sound goes in as a spectrogram (see latentwalk.modalities.audio.to_spectrogram).")

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        c = self.config
        if c.arch == "logconv":
            coarse = self.nets.decode(z)
        else:
            coarse = self.decoder_net(z).view(-1, c.bins, c.frames // c.pool)  # (B, F, T/p)
        if c.pool > 1:
            coarse = F.interpolate(coarse, size=c.frames, mode="linear", align_corners=False)
        return coarse[:, None]  # (B, 1, F, T)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        self._check(z, self.latent_shape, "z")
        return torch.sigmoid(self.logits(z))

    def _recon_loss(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return F.binary_cross_entropy_with_logits(self.logits(z), x, reduction="none").flatten(1).sum(1).mean()


@FAMILIES.register("audio-ae")
class AudioAE(PointObjective, _AudioBase):
    family = "audio-ae"
    prior = "none"

    def __init__(self, config: AudioAEConfig) -> None:
        super().__init__()
        self._build(config, config.latent_dim)


@FAMILIES.register("audio-vae")
class AudioVAE(GaussianObjective, _AudioBase):
    family = "audio-vae"
    prior = "gaussian"

    def __init__(self, config: AudioAEConfig) -> None:
        super().__init__()
        self._build(config, 2 * config.latent_dim)
