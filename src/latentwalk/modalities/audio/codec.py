"""Mono clips <-> the model's log-magnitude spectrogram, and back to sound by Griffin-Lim.

Clips are mono, SAMPLE_RATE = 16 kHz, CLIP_SECONDS = 1.0 s (16,000 samples).

The model sees a log-magnitude STFT shaped (1, F, T) = (1, 257, 63): a 512-sample Hann window
(32 ms, 31.25 Hz per bin) every 256 samples (16 ms), centred frames. Each magnitude |X| is put on
a dB scale whose 0 dB is the peak bin of a full-scale sine (|X| = N_FFT / 4 for a Hann window),
    v = (20 log10(|X| / REF + 10^(FLOOR_DB / 20)) - FLOOR_DB) / -FLOOR_DB,   FLOOR_DB = -80 dB,
and clipped to [0, 1]. So v = 1 is a full-scale partial, v = 0 is silence (the offset makes
v = 0 decode to an exact zero magnitude, not to a hiss at -80 dB), and each 0.1 of v is 8 dB.
A log scale is what lets a quiet room noise (-45 dB) weigh in the model's loss beside a cry.

The way back is Griffin-Lim phase recovery (Griffin & Lim 1984) with the momentum of the "fast
Griffin-Lim" (Perraudin, Balazs & Sondergaard 2013), written with torch.stft / torch.istft. Not
torchaudio (its wheels pin their own torch build and cannot install beside the CPU torch here)
and not librosa (its numba code compiles for ~30 s on the first call, longer than a whole walk);
this problem is 257 x 63 bins, so 32 iterations of plain torch take tens of milliseconds per clip.
"""

from __future__ import annotations

import math

import numpy as np
import torch

SAMPLE_RATE = 16_000
CLIP_SECONDS = 1.0
CLIP_SAMPLES = int(SAMPLE_RATE * CLIP_SECONDS)
N_FFT = 512
HOP = 256
N_BINS = N_FFT // 2 + 1  # 257
N_FRAMES = CLIP_SAMPLES // HOP + 1  # 63 (centred frames)
SPEC_SHAPE = (1, N_BINS, N_FRAMES)
FLOOR_DB = -80.0
REF = N_FFT / 4  # |X| of a full-scale sine's peak bin under a Hann window: 0 dB
GL_ITERS = 32  # measured on tones, a cry and noise: f0, pitch count, loudness and flatness equal those at 64
# iterations (mean |v error| 0.015 vs 0.010) at half the time; 16 iterations miscount a buzzy 120 Hz tone
GL_MOMENTUM = 0.99
TINY = 1e-12
FLOOR_AMP = 10 ** (FLOOR_DB / 20)


def hann_window(device: torch.device | None = None) -> torch.Tensor:
    return torch.hann_window(N_FFT, periodic=True, dtype=torch.float32, device=device)


def as_batch(wave: torch.Tensor | np.ndarray) -> torch.Tensor:
    """(N,) or (B, N) clips -> a float32 (B, N) tensor."""
    if isinstance(wave, torch.Tensor):
        w = wave.to(torch.float32)
    else:  # a copy: shared walk waveforms are read-only, and torch warns on those
        w = torch.from_numpy(np.array(wave, dtype=np.float32))
    return w[None] if w.dim() == 1 else w  # (B, N)


def stft(wave: torch.Tensor) -> torch.Tensor:
    """(B, N) waveforms -> (B, F, T) complex STFT with the fixed window and hop."""
    return torch.stft(wave, N_FFT, HOP, window=hann_window(wave.device), center=True, return_complex=True)


def magnitude_to_spec(mag: torch.Tensor) -> torch.Tensor:
    """|X| -> v in [0, 1] on the dB scale of the module docstring."""
    db = 20 * torch.log10(mag / REF + FLOOR_AMP)
    return ((db - FLOOR_DB) / -FLOOR_DB).clamp(0, 1)


def spec_to_magnitude(spec: torch.Tensor) -> torch.Tensor:
    """v in [0, 1] -> |X|; v = 0 is an exact zero (silence)."""
    db = FLOOR_DB + spec.clamp(0, 1) * -FLOOR_DB
    return REF * (10 ** (db / 20) - FLOOR_AMP).clamp_min(0)


def to_spectrogram(wave: torch.Tensor | np.ndarray) -> torch.Tensor:
    """(N,) or (B, N) clips of CLIP_SAMPLES -> (B, 1, F, T) in [0, 1]."""
    return magnitude_to_spec(stft(as_batch(wave)).abs())[:, None]  # (B, 1, F, T)


def griffin_lim(spec: torch.Tensor, n_iter: int = GL_ITERS, generator: torch.Generator | None = None) -> torch.Tensor:
    """(B, 1, F, T) or (B, F, T) spectrograms -> (B, CLIP_SAMPLES) waveforms.

    Fast Griffin-Lim (Perraudin et al. 2013, eq. 3): alternate between "the STFT of a real signal"
    and "the given magnitudes", extrapolating each new estimate by `momentum` along its last
    change. The starting phases are one random (F, T) draw from `generator` (seeded 0 when None)
    shared by every clip of the batch, so a clip decodes to the same waveform alone or in any batch.
    """
    # contiguous: vectorised and strided kernels round differently, and a clip must sound the same either way
    mag = spec_to_magnitude(spec.detach().to(torch.float32).reshape(-1, N_BINS, N_FRAMES).contiguous())  # (B, F, T)
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    phase = torch.rand((N_BINS, N_FRAMES), generator=g) * (2 * math.pi)
    angles = torch.polar(torch.ones_like(mag), phase.expand_as(mag))
    window = hann_window()
    prev = torch.zeros_like(angles)
    for _ in range(n_iter):
        wave = torch.istft(mag * angles, N_FFT, HOP, window=window, center=True, length=CLIP_SAMPLES)
        rebuilt = torch.stft(wave, N_FFT, HOP, window=window, center=True, return_complex=True)
        angles = rebuilt - (GL_MOMENTUM / (1 + GL_MOMENTUM)) * prev
        prev = rebuilt
        angles = angles / angles.abs().clamp_min(TINY)
    wave = torch.istft(mag * angles, N_FFT, HOP, window=window, center=True, length=CLIP_SAMPLES)
    return wave.clamp(-1, 1)  # (B, N)
