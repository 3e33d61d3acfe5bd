"""What a clip sounds like: loudness (RMS dB), spectral flatness, f0 with a voicing confidence (YIN),
and the number of pitches sounding at once (`pitches.count_pitches`), in one `describe` call. Used
by the audio metrics, the tones dataset's ground truth and the tests."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from latentwalk.modalities.audio.codec import (
    FLOOR_AMP,
    HOP,
    N_BINS,
    N_FFT,
    REF,
    SAMPLE_RATE,
    TINY,
    as_batch,
    stft,
)
from latentwalk.modalities.audio.pitches import F0_RANGE, count_pitches

FLATNESS_BAND = (60.0, 6000.0)  # Hz; outside it a clip's spectrum says little about noisiness
YIN_THRESHOLD = 0.15  # de Cheveigne & Kawahara 2002 use 0.1-0.15
YIN_WINDOW = 512  # integration window (32 ms)


def rms_db(wave: np.ndarray) -> float:
    """Loudness as RMS level in dB re full scale (a full-scale sine is -3.01 dB); silence -> -120."""
    w = np.asarray(wave, dtype=np.float64)
    return float(20 * np.log10(max(math.sqrt(float(np.mean(w**2))), 1e-6)))


def spectral_flatness(wave: np.ndarray) -> float:
    """Geometric / arithmetic mean of the power spectrum in FLATNESS_BAND, averaged over frames.

    Gray & Markel 1974 ("Wiener entropy"): about 0.5 for white noise under a Hann window, near 0
    for a few harmonics. Frames quieter than the floor (-80 dB) are left out; a silent clip is 0.
    """
    spec = stft(as_batch(wave))[0]
    power = spec.abs().double().pow(2).numpy()  # (F, T)
    freqs = np.arange(N_BINS) * SAMPLE_RATE / N_FFT
    band = power[(freqs >= FLATNESS_BAND[0]) & (freqs <= FLATNESS_BAND[1])]
    loud = band.mean(axis=0) > (REF * FLOOR_AMP) ** 2
    if not loud.any():
        return 0.0
    b = band[:, loud] + 1e-20
    return float(np.mean(np.exp(np.log(b).mean(axis=0)) / b.mean(axis=0)))


def _yin_frames(wave: np.ndarray, tau_max: int) -> np.ndarray:
    """Cumulative-mean-normalised difference d'(tau) of every frame: (frames, tau_max + 1)."""
    w = np.asarray(wave, dtype=np.float64)
    starts = np.arange(0, len(w) - YIN_WINDOW - tau_max, HOP)
    idx = starts[:, None] + np.arange(YIN_WINDOW + tau_max)[None]
    seg = w[idx]  # (frames, W + tau_max)
    n = 1 << int(np.ceil(np.log2(2 * seg.shape[1])))
    spec = np.fft.rfft(seg, n)
    head = np.fft.rfft(seg[:, :YIN_WINDOW], n)
    r = np.fft.irfft(np.conj(head) * spec, n)[:, : tau_max + 1]  # sum_j x_j x_{j+tau}, j < W
    sq = np.concatenate([np.zeros((len(seg), 1)), np.cumsum(seg**2, axis=1)], axis=1)
    e0 = sq[:, YIN_WINDOW][:, None]
    taus = np.arange(tau_max + 1)
    e_tau = sq[:, taus + YIN_WINDOW] - sq[:, taus]  # energy of x_{j+tau}, j < W
    d = np.maximum(e0 + e_tau - 2 * r, 0)  # difference function, eq. 6
    cum = np.cumsum(d[:, 1:], axis=1) / taus[1:]
    dn = np.ones_like(d)
    dn[:, 1:] = d[:, 1:] / np.maximum(cum, TINY)  # eq. 8
    return dn


def _yin_pick(dn: np.ndarray, tau_min: int) -> tuple[float, float]:
    """First dip under the threshold (else the global minimum), refined by a parabola."""
    below = np.nonzero(dn[tau_min:] < YIN_THRESHOLD)[0]
    tau = tau_min + (int(below[0]) if len(below) else int(np.argmin(dn[tau_min:])))
    while tau + 1 < len(dn) and dn[tau + 1] < dn[tau]:  # walk down to the bottom of that dip
        tau += 1
    conf = 1.0 - float(dn[tau])
    if 0 < tau < len(dn) - 1:
        a, b, c = dn[tau - 1], dn[tau], dn[tau + 1]
        den = a - 2 * b + c
        tau_f = tau + (0.5 * (a - c) / den if abs(den) > TINY else 0.0)
    else:
        tau_f = float(tau)
    return SAMPLE_RATE / tau_f, conf


def estimate_f0(wave: np.ndarray) -> tuple[float, float]:
    """(f0 in Hz, voicing confidence in [0, 1]) of a clip by YIN (de Cheveigne & Kawahara 2002).

    f0 is the median over frames whose confidence 1 - d'(tau) passes 1 - YIN_THRESHOLD; the
    confidence is the median over the clip's sounding frames. No voiced frame: f0 = 0.
    """
    tau_min, tau_max = int(SAMPLE_RATE / F0_RANGE[1]), math.ceil(SAMPLE_RATE / F0_RANGE[0])
    w = np.asarray(wave, dtype=np.float64)
    dn = _yin_frames(w, tau_max)
    starts = np.arange(len(dn)) * HOP
    level = np.array([np.sqrt(np.mean(w[s : s + YIN_WINDOW] ** 2)) for s in starts])
    sounding = level > max(1e-4, 0.05 * level.max(initial=0))  # skip silent gaps between wails
    if not sounding.any():
        return 0.0, 0.0
    picks = np.array([_yin_pick(d, tau_min) for d in dn[sounding]])  # (frames, 2)
    conf = float(np.median(picks[:, 1]))
    voiced = picks[:, 1] >= 1 - YIN_THRESHOLD
    f0 = float(np.median(picks[voiced, 0])) if voiced.mean() >= 0.3 else 0.0
    return f0, max(conf, 0.0)


@dataclass
class Descriptors:
    """What one clip sounds like."""

    loudness_db: float
    flatness: float
    f0_hz: float
    voicing: float
    pitches: int


def describe(wave: np.ndarray) -> Descriptors:
    """Loudness, flatness, f0 with its voicing, and the number of pitches of one clip."""
    f0, conf = estimate_f0(wave)
    return Descriptors(rms_db(wave), spectral_flatness(wave), f0, conf, count_pitches(wave))
