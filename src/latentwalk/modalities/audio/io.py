"""The user's sound files (WAV, FLAC, OGG via soundfile) <-> clips: read, mix down, resample,
fit to one clip, keep below full scale, save as WAV. Every refusal is one DataError line that says
what to do instead; every change made to the sound is said with `note` and kept in `Clip.notes`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from latentwalk.errors import DataError, note
from latentwalk.modalities.audio.codec import CLIP_SAMPLES, CLIP_SECONDS, FLOOR_DB, SAMPLE_RATE
from latentwalk.modalities.base import check_input_file

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".ogg", ".oga"})
MIN_SECONDS = 0.25  # shorter files are refused: too little to hear, mostly padding
MAX_SECONDS = 600.0  # longer files are refused before decoding: an hour of compressed sound is GBs as floats
PEAK_DB = -0.1  # a file above full scale is scaled to peak here, just below 1, rather than clipped
SOUND_HINT = "a sound file (WAV, FLAC or OGG)"
SILENT_PEAK = 10 ** (FLOOR_DB / 20)  # a file whose peak is below -80 dBFS holds nothing to walk from


@dataclass
class Clip:
    """A clip read from a file: CLIP_SAMPLES mono samples at SAMPLE_RATE, and what was done to it
    (`warnings`: the lines that were also given to the user with `note`)."""

    wave: np.ndarray
    notes: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _read(path: Path) -> tuple[np.ndarray, int]:
    """(N, channels) float32 samples and their rate; the length is checked from the header first."""
    import soundfile as sf

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


def _check_samples(p: Path, data: np.ndarray, rate: int) -> float:
    """The file's length in seconds; DataError if it is empty, too short or not finite."""
    seconds = len(data) / rate if rate else 0.0
    if len(data) == 0:
        raise DataError(f"'{p}' holds no samples (an empty sound file); record or export at least {CLIP_SECONDS:g} s.")
    if seconds < MIN_SECONDS:
        raise DataError(f"'{p}' is {seconds * 1000:.0f} ms long, too short: give at least {MIN_SECONDS:g} s "
                        f"(clips are {CLIP_SECONDS:g} s; shorter sounds are padded with silence).")
    if not np.isfinite(data).all():
        raise DataError(f"'{p}' contains NaN or infinite samples; re-export it as 16-bit PCM WAV.")
    return seconds


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
    seconds = _check_samples(p, data, rate)
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
    for line in said:  # only now: a refused file says nothing but its refusal
        note(line)
    return Clip(np.clip(wave, -1, 1).astype(np.float32), notes, said)


def save_wav(path: str | Path, wave: np.ndarray | torch.Tensor) -> Path:
    """Write a mono clip as 16-bit PCM WAV at SAMPLE_RATE (samples clipped to [-1, 1])."""
    import soundfile as sf

    w = np.asarray(wave.detach().cpu() if isinstance(wave, torch.Tensor) else wave, dtype=np.float32).reshape(-1)
    sf.write(str(path), np.clip(w, -1, 1), SAMPLE_RATE, subtype="PCM_16")
    return Path(path)
