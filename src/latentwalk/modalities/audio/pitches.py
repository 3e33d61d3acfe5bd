"""How many pitches sound at once: harmonic series among the spectral peaks (after Klapuri 2006).

0 for noise, 1 for a tone or a wail, 2 for a two-note chord: the crossfade's "double exposure" of
two tones is heard as a chord, and this is how the metrics count it.
"""

from __future__ import annotations

import numpy as np

from latentwalk.modalities.audio.codec import SAMPLE_RATE

F0_RANGE = (60.0, 1000.0)  # Hz; a child's cry is 300-600 Hz, steady tones 110-880 Hz
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


def _harmonic_of(freqs: np.ndarray, f0: float | np.ndarray, tol: float = 0.03) -> tuple[np.ndarray, np.ndarray]:
    """Which peaks are harmonics 1..16 of f0 (within tol of an integer ratio), and which number.
    Broadcasts: peaks (1, P) against candidates (C, 1) give (C, P) answers."""
    ratio = freqs / f0
    h = np.rint(ratio)
    return (h >= 1) & (h <= 16) & (np.abs(ratio - h) <= tol * np.maximum(h, 1) ** 0.5), h


def _saliences(freqs: np.ndarray, amps: np.ndarray, cands: np.ndarray) -> np.ndarray:
    """(C,) weighted sums of the amplitudes of each candidate f0's harmonics, with Klapuri's (2006)
    weight (f0 + 52) / (h f0 + 320): a sub-octave f0/2 explains the same peaks with smaller weights."""
    f0 = cands[:, None]
    ok, h = _harmonic_of(freqs[None, :], f0)  # (C, P)
    w = (f0 + 52) / (np.maximum(h, 1) * f0 + 320)
    return np.where(ok, amps[None, :] * w, 0.0).sum(axis=1)


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
