"""Joining clips: steps one after another with short fades (morph.wav), and the crossfade of a
route's keyframes, mixed as waveforms with the route's own weights."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from latentwalk.modalities.audio.codec import SAMPLE_RATE

Route = Sequence[tuple[int, int, float]]
"""Per frame (keyframe a, keyframe b, weight of b): frame = (1 - w) key[a] + w key[b]
(`MethodWalk.segment_weights()`)."""


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


def mix_route(key_waves: np.ndarray, route: Route) -> np.ndarray:
    """(K, N) keyframe waveforms -> (T, N): step i is (1 - w) wave[a] + w wave[b] for its (a, b, w).

    A crossfade of sounds is a mix of waveforms, as on a mixing desk; mixing log-magnitude
    spectrograms instead would be a geometric mean of the spectra (both partials 40 dB down at
    the midpoint, not 6 dB). At w = 0 or 1 a step is its keyframe's waveform exactly."""
    keys = np.asarray(key_waves, dtype=np.float64)
    return np.stack([(1 - w) * keys[a] + w * keys[b] for a, b, w in route]).astype(np.float32)
