"""`tones`: synthesized one-second sounds with known factors (no download, fixed seed).

Three kinds of sound (factor `kind`: 0 = tone, 1 = cry, 2 = noise):

- tone: a steady harmonic tone, f0 from 110 to 880 Hz (three octaves, log-spaced), partial h at
  amplitude h^-p with p = 2.5 - 2 * timbre (timbre 0: nearly a sine; 1: bright and buzzy),
  10 ms fade in and out;
- cry: a child's wail (the seed's example): f0 300-600 Hz that rises and falls by ~20 % over the
  wail, 5.5-7 Hz vibrato of +-3 %, a swelling loudness with a short breath at the end, rich
  harmonics (timbre 0.6-1) shaped by two formant-like resonances (~1.1 and ~3 kHz);
- noise: quiet room noise, power falling as 1/f^colour with colour 0.5-1.2 (between white and
  pink-to-brown), at -55 to -35 dB RMS. Tones and cries carry a little of it too (factor `noise`).

Factors (all numbers): f0 (Hz; 0 for noise), loudness (RMS dB re full scale of the whole clip),
timbre (0..1), noise (RMS dB of the room-noise part), kind (0, 1, 2).

Items: by index (`tones:17`, the training set) or by factor (`tones:f0=220`,
`tones:kind=cry`, `tones:kind=noise,loudness=-40`, `tones:kind=cry,f0=450,loudness=-15`); `kind` may
be a word (tone, cry, noise) or its number, unspecified factors take the defaults in DEFAULTS.
"""

from __future__ import annotations

import math
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentwalk.data.base import DATASETS, Item, Split, factor_value, parse_index, shown
from latentwalk.errors import DataError
from latentwalk.modalities import audio as A

KINDS = {"tone": 0, "cry": 1, "noise": 2}
FACTORS = ("f0", "loudness", "timbre", "noise", "kind")
N_TONES, N_CRIES, N_NOISE = 384, 256, 128
SEED = 0
DEFAULTS: dict[str, dict[str, float]] = {
    "tone": {"f0": 220.0, "loudness": -20.0, "timbre": 0.5, "noise": -65.0},
    "cry": {"f0": 450.0, "loudness": -15.0, "timbre": 0.8, "noise": -60.0},
    "noise": {"f0": 0.0, "loudness": -45.0, "timbre": 0.8, "noise": -45.0},  # timbre: the colour, 0.5 + 0.7 t
}
SR, N = A.SAMPLE_RATE, A.CLIP_SAMPLES
_T = np.arange(N) / SR


def _scale_to(x: np.ndarray, db: float) -> np.ndarray:
    rms = math.sqrt(float(np.mean(x**2))) or 1.0
    return x * (10 ** (db / 20) / rms)


def _harmonics(phase: np.ndarray, f0: float, f0_max: float, timbre: float, formants: bool = False) -> np.ndarray:
    """Sum of partials h*phase with amplitude h^-p (those whose top frequency h*f0_max stays below
    0.45 SR, so nothing aliases); optional formant boost at h*f0.

    sin((h+1) x) = 2 cos(x) sin(h x) - sin((h-1) x): one multiply-add per partial instead of a sin.
    """
    p = 2.5 - 2.0 * timbre
    two_cos = 2 * np.cos(phase)
    prev, cur = np.zeros_like(phase), np.sin(phase)
    out = np.zeros_like(phase)
    for h in range(1, 31):
        if h * f0_max >= 0.45 * SR:
            break
        amp = h**-p
        if formants:  # two broad resonances like a small vocal tract (values after Peterson & Barney)
            f = h * f0
            amp *= 1 + 2.5 * math.exp(-(((f - 1100) / 500) ** 2)) + 1.5 * math.exp(-(((f - 3000) / 700) ** 2))
        out += amp * cur
        prev, cur = cur, two_cos * cur - prev
    return out


def room_noise(colour: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise whose power falls as 1/f^colour above 50 Hz (shaped in the Fourier domain)."""
    spec = np.fft.rfft(rng.standard_normal(N))
    f = np.maximum(np.fft.rfftfreq(N, 1 / SR), 50.0)
    x = np.fft.irfft(spec / f ** (colour / 2), N)
    return x / (x.std() or 1.0)


def _fades(n_in: int = 160, n_out: int = 160) -> np.ndarray:
    env = np.ones(N)
    env[:n_in] = np.linspace(0, 1, n_in)
    env[-n_out:] = np.linspace(1, 0, n_out)
    return env


def tone(f0: float, timbre: float) -> np.ndarray:
    return _harmonics(2 * np.pi * f0 * _T, f0, f0, timbre) * _fades()


def cry(f0: float, timbre: float, rng: np.random.Generator) -> np.ndarray:
    """One wail: a rising-falling f0 arc with vibrato, a loudness swell, and a breath gap."""
    rate, depth, arc = rng.uniform(5.5, 7.0), rng.uniform(0.02, 0.035), rng.uniform(0.12, 0.25)
    end = rng.uniform(0.8, 0.92)  # the wail stops here; then a breath
    u = np.clip(_T / end, 0, 1)
    contour = (1 + arc * np.sin(np.pi * u)) * (1 + depth * np.sin(2 * np.pi * rate * _T))
    contour *= f0 / np.median(contour[_T < end])  # the label is the median f0 of the wail
    phase = 2 * np.pi * np.cumsum(contour) / SR
    swell = (0.55 + 0.45 * np.sin(np.pi * u) ** 0.7) * (1 + 0.15 * np.sin(2 * np.pi * rng.uniform(1.5, 3) * _T))
    env = swell * np.clip(_T / 0.04, 0, 1) * np.clip((end - _T) / 0.06, 0, 1)
    return _harmonics(phase, f0, float(contour.max()), timbre, formants=True) * env


def synthesize(kind: str, f0: float, loudness: float, timbre: float, noise: float, rng: np.random.Generator) -> np.ndarray:
    """One clip whose RMS level is `loudness` dB, its room-noise part `noise` dB RMS."""
    colour = 0.5 + 0.7 * timbre
    bed = _scale_to(room_noise(colour if kind == "noise" else 1.0, rng), noise)
    if kind == "noise":
        return bed.astype(np.float32)
    sig = tone(f0, timbre) if kind == "tone" else cry(f0, timbre, rng)
    target = 10 ** (loudness / 10) - 10 ** (noise / 10)  # signal power so that the total is `loudness`
    x = _scale_to(sig, 10 * math.log10(max(target, 1e-12))) + bed
    return x.astype(np.float32)


def _factor_table(rng: np.random.Generator) -> list[dict[str, float]]:
    """The training set's factors: tones on a log-spaced f0 grid, cries, noises."""
    rows: list[dict[str, float]] = []
    f0s = np.exp(np.linspace(math.log(110), math.log(880), N_TONES))
    for f0 in f0s:
        rows.append({"kind": 0, "f0": float(f0), "loudness": rng.uniform(-28, -12), "timbre": rng.uniform(0, 1),
                     "noise": rng.uniform(-72, -58)})
    for _ in range(N_CRIES):
        rows.append({"kind": 1, "f0": rng.uniform(300, 600), "loudness": rng.uniform(-34, -10),
                     "timbre": rng.uniform(0.6, 1.0), "noise": rng.uniform(-62, -40)})
    for _ in range(N_NOISE):
        level = rng.uniform(-55, -35)
        rows.append({"kind": 2, "f0": 0.0, "loudness": level, "timbre": rng.uniform(0, 1), "noise": level})
    return rows


def _render(row: dict[str, float], seed: int) -> np.ndarray:
    kind = next(k for k, v in KINDS.items() if v == int(row["kind"]))
    rng = np.random.default_rng(seed)
    return synthesize(kind, row["f0"], row["loudness"], row["timbre"], row["noise"], rng)


@lru_cache(maxsize=1)
def _rows() -> list[dict[str, float]]:
    """The training set's factor table (cheap: random draws only, no synthesis)."""
    return _factor_table(np.random.default_rng(SEED))


@lru_cache(maxsize=1)
def _training_set() -> tuple[list[dict[str, float]], np.ndarray]:
    rows = _rows()
    waves = np.stack([_render(r, SEED + 1 + i) for i, r in enumerate(rows)])  # (N_items, N)
    return rows, waves


def _training_wave(i: int) -> np.ndarray:
    """Item i of the training set alone (each item has its own seed, so this is the same clip)."""
    return _render(_rows()[i], SEED + 1 + i)


# Bump when the synthesis, the factor table or the spectrogram changes: it names the disk cache.
DATA_VERSION = 1


def _cache_path() -> Path:
    from latentwalk.config import cache_dir

    return cache_dir() / "data" / f"tones-v{DATA_VERSION}-{len(_rows())}x{A.N_BINS}x{A.N_FRAMES}.npy"


@lru_cache(maxsize=1)
def _spectrograms() -> np.ndarray:
    """(N_items, 1, F, T) spectrograms of the training set as float16, kept once per process and on
    disk under the cache folder: synthesizing 768 clips and their STFTs takes seconds, loading
    25 MB takes milliseconds. float16 holds v in [0, 1] to 2.4e-4 (0.02 dB); the fresh result is
    rounded the same way, so a cold and a warm run train on identical numbers."""
    path = _cache_path()
    if path.exists():
        try:
            spec = np.load(path)
            if spec.shape == (len(_rows()), *A.SPEC_SHAPE) and spec.dtype == np.float16:
                return spec
        except (OSError, ValueError):
            pass  # a damaged cache file is rebuilt below
    _, waves = _training_set()
    spec = torch.cat([A.to_spectrogram(torch.from_numpy(waves[i : i + 256])) for i in range(0, len(waves), 256)])
    out = spec.numpy().astype(np.float16)
    try:  # write then rename, so a process reading at the same time never sees half a file
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            np.save(tmp, out)
        os.chmod(tmp.name, 0o644)  # NamedTemporaryFile makes it private (0600)
        os.replace(tmp.name, path)
    except OSError:
        pass  # a read-only cache folder only costs the synthesis next time
    return out


def _parse(spec: str) -> dict[str, Any]:
    """'kind=cry,f0=450' -> {'kind': 'cry', 'f0': 450.0}, with errors that teach."""
    out: dict[str, Any] = {}
    for part in spec.split(","):
        key, sep, value = (s.strip() for s in part.partition("="))
        if not sep or key not in FACTORS:
            raise DataError(f"'{shown('tones:' + spec)}' is not an item: use an index (tones:17) or factors "
                            f"(tones:f0=220, tones:kind=cry); factors of tones: {', '.join(FACTORS)}.")
        if key == "kind":
            names = {str(v): k for k, v in KINDS.items()}
            if value not in KINDS and value not in names:
                raise DataError(f"kind '{shown(value)}' in '{shown('tones:' + spec)}' is not one of: tone, cry, noise (or 0, 1, 2).")
            out[key] = names.get(value, value)
            continue
        out[key] = factor_value(key, value, f"tones:{spec}")
    return out


def _check_factors(f: dict[str, Any], spec: str) -> None:
    spec = shown(spec)
    if f["kind"] != "noise" and not A.F0_RANGE[0] <= f["f0"] <= A.F0_RANGE[1]:
        raise DataError(f"f0 in 'tones:{spec}' must be in {A.F0_RANGE[0]:g}-{A.F0_RANGE[1]:g} Hz, got {f['f0']:g}.")
    if not -80 < f["loudness"] <= -3 or not 0 <= f["timbre"] <= 1:
        raise DataError(f"In 'tones:{spec}' loudness must be in (-80, -3] dB and timbre in [0, 1].")
    if f["kind"] != "noise" and f["noise"] > f["loudness"] - 3:
        raise DataError(f"In 'tones:{spec}' the noise ({f['noise']:g} dB) must be at least 3 dB below the loudness.")


class TonesGroundTruth:
    """Recovers what a decoded frame sounds like (Griffin-Lim, then YIN and RMS) and how far its
    spectrogram is from the nearest clean training clip (RMS over bins, in [0, 1] units)."""

    name = "tones"

    def __init__(self, bank: torch.Tensor) -> None:
        self.bank = bank.flatten(1)  # (N, D)

    def nearest(self, frames: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        waves = A.walk_waveforms(frames)  # shared with the walk's metrics and outputs (memoised)
        d = [A.describe(w) for w in waves]
        factors = {"f0": torch.tensor([x.f0_hz for x in d]), "loudness": torch.tensor([x.loudness_db for x in d])}
        f = frames.reshape(frames.shape[0], -1).to(torch.float32)
        dist = torch.cdist(f, self.bank).min(dim=1).values / math.sqrt(f.shape[1])
        return factors, dist.to(torch.float64)


@DATASETS.register("tones")
class Tones:
    name = "tones"
    modality = "audio"
    item_shape = A.SPEC_SHAPE
    factor_names = FACTORS

    def load(self) -> Split:
        rows = _rows()
        x = torch.from_numpy(_spectrograms().astype(np.float32))  # a fresh copy per call
        factors = {k: torch.tensor([r[k] for r in rows], dtype=torch.float32) for k in FACTORS}
        return Split(x, factors)

    def waveform(self, spec: str) -> tuple[np.ndarray, dict[str, float]]:
        """The clip of an item spec and its factors (the Item holds its spectrogram)."""
        rows = _rows()
        i = parse_index(spec, self.name, len(rows))
        if i is not None:
            return _training_wave(i), dict(rows[i])
        f = _parse(spec)
        kind = f.setdefault("kind", "tone")
        f = {**DEFAULTS[kind], **f}
        if kind == "noise":
            f["f0"], f["noise"] = 0.0, f["loudness"]
        _check_factors(f, spec)
        rng = np.random.default_rng(SEED + 10_000)  # the same spec always gives the same clip
        wave = synthesize(kind, f["f0"], f["loudness"], f["timbre"], f["noise"], rng)
        return wave, {**f, "kind": float(KINDS[kind])}

    def item(self, spec: str) -> Item:
        wave, factors = self.waveform(spec)
        kind = next(k for k, v in KINDS.items() if v == int(factors["kind"]))
        label = f"tones:kind={kind},f0={factors['f0']:g},loudness={factors['loudness']:.1f},timbre={factors['timbre']:.2f}"
        return Item(A.to_spectrogram(wave)[0], label, {k: float(v) for k, v in factors.items()})

    def ground_truth(self) -> TonesGroundTruth:
        return TonesGroundTruth(self.load().x)
