"""Sound: mono clips <-> the model's log-magnitude spectrogram <-> WAV files, and what a clip sounds like.

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

Below that: reading the user's WAV/FLAC/OGG files (soundfile) into clips with errors that teach,
writing WAVs, and the measurements that say what a clip sounds like: loudness (RMS dB),
spectral flatness, f0 with a voicing confidence (YIN), and the number of simultaneous pitches
(harmonic series among spectral peaks), used by the metrics, the tests and the dataset's ground truth.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from latentwalk.errors import DataError, note

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
AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga"})
MIN_SECONDS = 0.25  # shorter files are refused: too little to hear, mostly padding
MAX_SECONDS = 600.0  # longer files are refused before decoding: an hour of compressed sound is GBs as floats
PEAK_DB = -0.1  # a file above full scale is scaled to peak here, just below 1, rather than clipped
SOUND_HINT = "a sound file (WAV, FLAC or OGG)"
SILENT_PEAK = 10 ** (FLOOR_DB / 20)  # a file whose peak is below -80 dBFS holds nothing to walk from
TINY = 1e-12

_FLOOR_AMP = 10 ** (FLOOR_DB / 20)


def _window(device: torch.device | None = None) -> torch.Tensor:
    return torch.hann_window(N_FFT, periodic=True, dtype=torch.float32, device=device)


def _as_batch(wave: torch.Tensor | np.ndarray) -> torch.Tensor:
    if isinstance(wave, torch.Tensor):
        w = wave.to(torch.float32)
    else:  # a copy: shared walk waveforms are read-only, and torch warns on those
        w = torch.from_numpy(np.array(wave, dtype=np.float32))
    return w[None] if w.dim() == 1 else w  # (B, N)


def stft(wave: torch.Tensor) -> torch.Tensor:
    """(B, N) waveforms -> (B, F, T) complex STFT with the fixed window and hop."""
    return torch.stft(wave, N_FFT, HOP, window=_window(wave.device), center=True, return_complex=True)


def magnitude_to_spec(mag: torch.Tensor) -> torch.Tensor:
    """|X| -> v in [0, 1] on the dB scale of the module docstring."""
    db = 20 * torch.log10(mag / REF + _FLOOR_AMP)
    return ((db - FLOOR_DB) / -FLOOR_DB).clamp(0, 1)


def spec_to_magnitude(spec: torch.Tensor) -> torch.Tensor:
    """v in [0, 1] -> |X|; v = 0 is an exact zero (silence)."""
    db = FLOOR_DB + spec.clamp(0, 1) * -FLOOR_DB
    return REF * (10 ** (db / 20) - _FLOOR_AMP).clamp_min(0)


def spec_to_db(spec: torch.Tensor | np.ndarray) -> np.ndarray:
    """v in [0, 1] -> dB re a full-scale sine (for axes and colour bars)."""
    return FLOOR_DB + np.clip(np.asarray(spec, dtype=np.float64), 0, 1) * -FLOOR_DB


def to_spectrogram(wave: torch.Tensor | np.ndarray) -> torch.Tensor:
    """(N,) or (B, N) clips of CLIP_SAMPLES -> (B, 1, F, T) in [0, 1]."""
    w = _as_batch(wave)
    return magnitude_to_spec(stft(w).abs())[:, None]  # (B, 1, F, T)


def griffin_lim(spec: torch.Tensor, n_iter: int = GL_ITERS, generator: torch.Generator | None = None) -> torch.Tensor:
    """(B, 1, F, T) or (B, F, T) spectrograms -> (B, CLIP_SAMPLES) waveforms.

    Fast Griffin-Lim (Perraudin et al. 2013, eq. 3): alternate between "the STFT of a real signal"
    and "the given magnitudes", extrapolating each new estimate by `momentum` along its last
    change. Starting phases are random from `generator` (seeded 0 when None), so a clip always
    decodes to the same waveform.
    """
    mag = spec_to_magnitude(spec.detach().to(torch.float32).reshape(-1, N_BINS, N_FRAMES))  # (B, F, T)
    g = generator if generator is not None else torch.Generator().manual_seed(0)
    phase = torch.rand(mag.shape, generator=g) * (2 * math.pi)
    angles = torch.polar(torch.ones_like(mag), phase)
    window = _window()
    prev = torch.zeros_like(angles)
    for _ in range(n_iter):
        wave = torch.istft(mag * angles, N_FFT, HOP, window=window, center=True, length=CLIP_SAMPLES)
        rebuilt = torch.stft(wave, N_FFT, HOP, window=window, center=True, return_complex=True)
        angles = rebuilt - (GL_MOMENTUM / (1 + GL_MOMENTUM)) * prev
        prev = rebuilt
        angles = angles / angles.abs().clamp_min(TINY)
    wave = torch.istft(mag * angles, N_FFT, HOP, window=window, center=True, length=CLIP_SAMPLES)
    return wave.clamp(-1, 1)  # (B, N)


# --- files -------------------------------------------------------------------------------------


@dataclass
class Clip:
    """A clip read from a file: CLIP_SAMPLES mono samples at SAMPLE_RATE, and what was done to it
    (`warnings`: the lines that were also given to the user with `note`)."""

    wave: np.ndarray
    notes: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _read(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    from latentwalk.data.files import check_input_file  # here: latentwalk.data imports this module

    check_input_file(path, SOUND_HINT)
    try:
        with sf.SoundFile(str(path)) as f:  # the header first: its length says whether to decode at all
            if f.frames > MAX_SECONDS * f.samplerate:
                raise DataError(f"'{path}' is {f.frames / f.samplerate:,.0f} s long, over the limit of "
                                f"{MAX_SECONDS:g} s; cut out the part to walk from (clips are {CLIP_SECONDS:g} s).")
            data, rate = f.read(dtype="float32", always_2d=True), f.samplerate  # (N, channels)
    except (RuntimeError, sf.LibsndfileError, ValueError, TypeError) as exc:  # LibsndfileError is a RuntimeError
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"'{path}' is not a readable sound file ({reason}); use a WAV, FLAC or OGG file.") from None
    return data, int(rate)


def _resample(wave: np.ndarray, rate: int) -> np.ndarray:
    """Polyphase resampling to SAMPLE_RATE (scipy's resample_poly: anti-aliasing FIR built in)."""
    if rate == SAMPLE_RATE:
        return wave
    from scipy.signal import resample_poly

    g = math.gcd(rate, SAMPLE_RATE)
    return resample_poly(wave, SAMPLE_RATE // g, rate // g).astype(wave.dtype)


def _loudest_window(wave: np.ndarray, n: int) -> int:
    """Start of the n-sample window holding the most energy (where the sound is)."""
    energy = np.concatenate([[0.0], np.cumsum(wave.astype(np.float64) ** 2)])
    return int(np.argmax(energy[n:] - energy[:-n]))


def fit_length(wave: np.ndarray, n: int = CLIP_SAMPLES) -> tuple[np.ndarray, dict[str, float]]:
    """Trim to the loudest n samples or pad with silence at the end; say which was done."""
    if len(wave) > n:
        start = _loudest_window(wave, n)
        return wave[start : start + n], {"trimmed_from_s": round(start / SAMPLE_RATE, 3)}
    if len(wave) < n:
        return np.pad(wave, (0, n - len(wave))), {"padded_s": round((n - len(wave)) / SAMPLE_RATE, 3)}
    return wave, {}


def _below_full_scale(wave: np.ndarray) -> float:
    """The gain in dB (< 0) that brings a clip peaking above full scale to PEAK_DB, else 0.
    Float files may hold any value; clipping them would distort the sound, scaling only quietens it."""
    peak = float(np.abs(wave).max())
    return PEAK_DB - 20 * math.log10(peak) if peak > 1 else 0.0


def read_clip(path: str | Path) -> Clip:
    """Read a WAV/FLAC/OGG file as one mono clip of CLIP_SECONDS at SAMPLE_RATE.

    Several channels are averaged to mono and a clip above full scale is scaled down (both said
    with `note` and kept in `notes`); other rates are resampled; longer files keep their loudest
    CLIP_SECONDS, shorter ones (>= MIN_SECONDS) are padded with silence. Empty, silent-only, too
    short, too long, non-finite or unreadable files raise DataError.
    """
    p = Path(path)
    data, rate = _read(p)
    seconds = len(data) / rate if rate else 0.0
    if len(data) == 0:
        raise DataError(f"'{p}' holds no samples (an empty sound file); record or export at least {CLIP_SECONDS:g} s.")
    if seconds < MIN_SECONDS:
        raise DataError(f"'{p}' is {seconds * 1000:.0f} ms long, too short: give at least {MIN_SECONDS:g} s "
                        f"(clips are {CLIP_SECONDS:g} s; shorter sounds are padded with silence).")
    if not np.isfinite(data).all():
        raise DataError(f"'{p}' contains NaN or infinite samples; re-export it as 16-bit PCM WAV.")
    notes: dict[str, float] = {"original_sample_rate": float(rate), "original_seconds": round(seconds, 3)}
    said: list[str] = []
    if data.shape[1] > 1:
        notes["mixed_down_from_channels"] = float(data.shape[1])
        said.append(f"'{p}' has {data.shape[1]} channels; they were averaged to mono.")
    wave = _resample(data.mean(axis=1, dtype=np.float64), rate)  # float64: samples near 3e38 stay finite
    if float(np.abs(wave).max()) < SILENT_PEAK:
        raise DataError(f"'{p}' is silent (its peak is below {FLOOR_DB:g} dBFS); give a file with sound in it.")
    wave, fit = fit_length(wave)
    notes.update(fit)
    gain_db = _below_full_scale(wave)
    if gain_db < 0:
        wave = wave * 10 ** (gain_db / 20)
        notes["scaled_db"] = round(gain_db, 2)
        said.append(f"'{p}' peaks {PEAK_DB - gain_db:.1f} dB above full scale; it was scaled down by "
                    f"{-gain_db:.1f} dB rather than clipped.")
    for line in said:
        note(line)
    return Clip(np.clip(wave, -1, 1).astype(np.float32), notes, said)


def save_wav(path: str | Path, wave: np.ndarray | torch.Tensor) -> Path:
    """Write a mono clip as 16-bit PCM WAV at SAMPLE_RATE (samples clipped to [-1, 1])."""
    import soundfile as sf

    w = np.asarray(wave.detach().cpu() if isinstance(wave, torch.Tensor) else wave, dtype=np.float32).reshape(-1)
    sf.write(str(path), np.clip(w, -1, 1), SAMPLE_RATE, subtype="PCM_16")
    return Path(path)


def join_with_crossfades(waves: np.ndarray, fade_s: float = 0.05) -> np.ndarray:
    """(T, N) clips -> one waveform: each clip overlaps the next by `fade_s` with an
    equal-power (sine/cosine) crossfade, so a morph can be listened to without clicks."""
    n_fade = int(fade_s * SAMPLE_RATE)
    t = np.linspace(0, np.pi / 2, n_fade, dtype=np.float64)
    fade_in, fade_out = np.sin(t), np.cos(t)
    out = np.asarray(waves[0], dtype=np.float64).copy()
    for w in waves[1:]:
        w = np.asarray(w, dtype=np.float64)
        out[-n_fade:] = out[-n_fade:] * fade_out + w[:n_fade] * fade_in
        out = np.concatenate([out, w[n_fade:]])
    return out.astype(np.float32)


# --- what a clip sounds like --------------------------------------------------------------------

FLATNESS_BAND = (60.0, 6000.0)  # Hz; outside it a clip's spectrum says little about noisiness
F0_RANGE = (60.0, 1000.0)  # Hz; a child's cry is 300-600 Hz, steady tones 110-880 Hz
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
    spec = torch.stft(_as_batch(wave), N_FFT, HOP, window=_window(), center=True, return_complex=True)[0]
    power = spec.abs().double().pow(2).numpy()  # (F, T)
    freqs = np.arange(N_BINS) * SAMPLE_RATE / N_FFT
    band = power[(freqs >= FLATNESS_BAND[0]) & (freqs <= FLATNESS_BAND[1])]
    loud = band.mean(axis=0) > (REF * _FLOOR_AMP) ** 2
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


PEAK_WINDOW = 2048  # 128 ms: 7.8 Hz bins, enough to separate partials 60 Hz apart, short against vibrato
PEAK_PROMINENCE_DB = 15.0  # a partial stands this far above the local spectral floor
PEAK_RANGE_DB = 40.0  # and within this of the frame's strongest partial
PITCH_SHARE = 0.1  # a harmonic series counts as a pitch if it holds this share of the peaks' energy
MAX_PITCHES = 4


def _frame_spectra(wave: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Magnitude spectra of PEAK_WINDOW frames every PEAK_WINDOW / 2 samples, and their RMS levels."""
    w = np.asarray(wave, dtype=np.float64)
    starts = np.arange(0, len(w) - PEAK_WINDOW + 1, PEAK_WINDOW // 2)
    seg = w[starts[:, None] + np.arange(PEAK_WINDOW)[None]]  # (frames, W)
    return np.abs(np.fft.rfft(seg * np.hanning(PEAK_WINDOW), axis=1)), np.sqrt(np.mean(seg**2, axis=1))


def spectral_peaks(mag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies in Hz, linear amplitudes) of the clear partials of one magnitude spectrum."""
    from scipy.ndimage import median_filter
    from scipy.signal import find_peaks

    db = 20 * np.log10(mag + 1e-9)
    floor = median_filter(db, size=41, mode="nearest")  # ~320 Hz: the floor between partials
    freqs = np.fft.rfftfreq(PEAK_WINDOW, 1 / SAMPLE_RATE)
    idx, _ = find_peaks(db)
    keep = (db[idx] - floor[idx] >= PEAK_PROMINENCE_DB) & (freqs[idx] >= F0_RANGE[0]) & (freqs[idx] <= 5000)
    idx = idx[keep]
    if len(idx):
        idx = idx[db[idx] >= db[idx].max() - PEAK_RANGE_DB]
    return freqs[idx], mag[idx]


def _harmonic_of(freqs: np.ndarray, f0: float, tol: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """Which peaks are harmonics 1..16 of f0 (within tol of an integer ratio), and which number."""
    ratio = freqs / f0
    h = np.rint(ratio)
    return (h >= 1) & (h <= 16) & (np.abs(ratio - h) <= tol * np.maximum(h, 1) ** 0.5), h


def _salience(freqs: np.ndarray, amps: np.ndarray, f0: float) -> float:
    """Weighted sum of the amplitudes of f0's harmonics, with Klapuri's (2006) weight
    (f0 + 52) / (h f0 + 320): a sub-octave f0/2 explains the same peaks with smaller weights."""
    ok, h = _harmonic_of(freqs, f0)
    return float(np.sum(amps[ok] * (f0 + 52) / (h[ok] * f0 + 320)))


def _saliences(freqs: np.ndarray, amps: np.ndarray, cands: np.ndarray) -> np.ndarray:
    """`_salience` of every candidate f0 at once, (C,): the same sums, as one (C, P) array."""
    ratio = freqs[None, :] / cands[:, None]
    h = np.rint(ratio)
    ok = (h >= 1) & (h <= 16) & (np.abs(ratio - h) <= 0.03 * np.maximum(h, 1) ** 0.5)
    w = (cands[:, None] + 52) / (np.maximum(h, 1) * cands[:, None] + 320)
    return np.where(ok, amps[None, :] * w, 0.0).sum(axis=1)  # type: ignore[no-any-return]


def pitches_in_spectrum(mag: np.ndarray) -> list[float]:
    """The f0s of the harmonic series in one magnitude spectrum (iterative, after Klapuri 2006)."""
    freqs, amps = spectral_peaks(mag)
    total = float(np.sum(amps**2))
    found: list[float] = []
    while len(freqs) and len(found) < MAX_PITCHES:
        cands = np.unique(np.concatenate([freqs / k for k in (1, 2, 3, 4)]))
        cands = cands[(cands >= F0_RANGE[0]) & (cands <= F0_RANGE[1])]
        if not len(cands):
            break
        best = float(cands[np.argmax(_saliences(freqs, amps, cands))])
        ok, _ = _harmonic_of(freqs, best)
        if float(np.sum(amps[ok] ** 2)) < PITCH_SHARE * total:
            break
        found.append(best)
        freqs, amps = freqs[~ok], amps[~ok]
    return found


def count_pitches(wave: np.ndarray) -> int:
    """How many pitches sound at once: 0 for noise, 1 for a tone or a wail, 2 for a two-note chord.

    Per 128-ms frame: take the candidate f0 (a peak or its 1/2, 1/3, 1/4) whose harmonics carry
    the most weighted amplitude, remove the peaks it explains, repeat while a series holds
    PITCH_SHARE of the peaks' energy (iterative estimation and cancellation, Klapuri 2006). The
    clip's count is the median over its sounding frames (rounded down).
    """
    mags, level = _frame_spectra(wave)
    sounding = level > max(1e-4, 0.1 * level.max(initial=0))
    if not sounding.any():
        return 0
    counts = [len(pitches_in_spectrum(m)) for m in mags[sounding]]
    return int(np.floor(np.median(counts)))


@dataclass
class Descriptors:
    """What one clip sounds like."""

    loudness_db: float
    flatness: float
    f0_hz: float
    voicing: float
    pitches: int


def describe(wave: np.ndarray) -> Descriptors:
    f0, conf = estimate_f0(wave)
    return Descriptors(rms_db(wave), spectral_flatness(wave), f0, conf, count_pitches(wave))


# --- the waveforms of a walk ---------------------------------------------------------------------


def _mix_weights(frames: torch.Tensor, tol: float = 1e-4) -> list[tuple[int, int, float]]:
    """For a piecewise-linear route of frames (a data-space crossfade), each frame as
    (index of segment start, index of segment end, s): frame ~= (1 - s) f[a] + s f[b].

    The keyframes are recovered as the frames where the route bends: a segment grows while every
    frame on it lies on the straight line between its ends (RMS residual below `tol`).
    """
    f = frames.detach().reshape(frames.shape[0], -1).to(torch.float64)  # (T, D)

    def fits(a: int, b: int) -> bool:
        d = f[b] - f[a]
        dd = float(d @ d)
        if dd == 0.0:
            return bool(torch.all((f[a + 1 : b] - f[a]).pow(2).mean(1) <= tol**2))
        s = ((f[a + 1 : b] - f[a]) @ d / dd).clamp(0, 1)
        return bool(torch.all((f[a + 1 : b] - f[a] - s[:, None] * d).pow(2).mean(1) <= tol**2))

    vertices, a = [0], 0
    while a < len(f) - 1:
        b = a + 1
        while b + 1 < len(f) and fits(a, b + 1):
            b += 1
        vertices.append(b)
        a = b
    out: list[tuple[int, int, float]] = []
    for a, b in itertools.pairwise(vertices):
        d = f[b] - f[a]
        dd = float(d @ d)
        for i in range(a, b):
            out.append((a, b, float(((f[i] - f[a]) @ d) / dd) if dd > 0 else 0.0))
    out.append((vertices[-2] if len(vertices) > 1 else 0, vertices[-1], 1.0))
    return out


_WAVE_MEMO: OrderedDict[tuple[str, bool, int], np.ndarray] = OrderedDict()
WAVE_MEMO_SIZE = 16  # walks remembered: a demo section or a CLI walk asks for the same few again and again


def _memo_key(frames: torch.Tensor, data_space: bool, n_iter: int) -> tuple[str, bool, int]:
    """The frames' bytes (and shape) hashed: equal frames give equal waveforms (Griffin-Lim is seeded)."""
    f = frames.detach().to("cpu", torch.float32).contiguous()
    h = hashlib.blake2b(f.numpy().tobytes(), digest_size=16)
    h.update(repr(tuple(f.shape)).encode())
    return h.hexdigest(), data_space, n_iter


def walk_waveforms(frames: torch.Tensor, data_space: bool = False, n_iter: int = GL_ITERS) -> np.ndarray:
    """(T, 1, F, T_frames) frames of a walk -> (T, CLIP_SAMPLES) waveforms to listen to (read-only).

    Remembered per process by the frames' content (a small LRU): the metrics, the WAV writers, the
    spectrogram strips and the demo's players all ask for the same walk's waveforms, and Griffin-Lim
    is the expensive step, so each walk is given its phase once. The array is marked read-only
    because it is shared; copy it before changing it.
    """
    key = _memo_key(frames, data_space, n_iter)
    if key in _WAVE_MEMO:
        _WAVE_MEMO.move_to_end(key)
        return _WAVE_MEMO[key]
    waves = _walk_waveforms(frames, data_space, n_iter)
    waves.setflags(write=False)
    _WAVE_MEMO[key] = waves
    while len(_WAVE_MEMO) > WAVE_MEMO_SIZE:
        _WAVE_MEMO.popitem(last=False)
    return waves


def _walk_waveforms(frames: torch.Tensor, data_space: bool, n_iter: int) -> np.ndarray:
    """(T, 1, F, T_frames) frames of a walk -> (T, CLIP_SAMPLES) waveforms to listen to.

    A latent walk's frames are each given a phase by Griffin-Lim. A data-space crossfade is heard
    as what a crossfade of sounds is, a mix of WAVEFORMS: mixing log-magnitudes would be a
    geometric mean of the two spectra (both partials 40 dB down at the midpoint, not 6 dB),
    which no mixing desk makes. The route's keyframes (the frames where it bends) get their phase
    once, and every step is (1 - s) wave[a] + s wave[b] with the route's own weight s.
    """
    if not data_space:
        return np.ascontiguousarray(griffin_lim(frames, n_iter).numpy())
    weights = _mix_weights(frames)
    keys = sorted({i for a, b, _ in weights for i in (a, b)})
    waves = dict(zip(keys, griffin_lim(frames[keys], n_iter).numpy()))
    return np.stack([(1 - s) * waves[a] + s * waves[b] for a, b, s in weights]).astype(np.float32)
