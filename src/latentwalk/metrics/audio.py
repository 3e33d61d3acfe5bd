"""What a walk between sounds sounds like, step by step; None for walks that are not sound.

`audio`: per step, the loudness (RMS dB), spectral flatness (0 = pure partials, ~0.5 = white
noise), f0 (Hz, 0 when unvoiced) with YIN's voicing confidence, and the number of pitches heard
at once (0 noise, 1 one voice, 2 a chord: the crossfade's "double exposure" of two tones).
`spectral_smoothness`: the foundation's evenness, max/mean step and jumps, on the RMS distance
between the log spectrograms of consecutive steps (re-analysed from what is heard, so the
crossfade is measured on its waveform mix).

Everything is measured on waveforms: a latent walk's frames through Griffin-Lim, a crossfade as
the mix of its keyframes' waveforms along its route (see `latentwalk.modalities.audio.walk_waveforms`).
"""

from __future__ import annotations

import numpy as np
import torch

from latentwalk.metrics.base import MetricResult, WalkView, register_metric
from latentwalk.metrics.smoothness import step_summary
from latentwalk.modalities import AUDIO
from latentwalk.modalities import audio as A
from latentwalk.modalities.audio.walks import straight_route


def is_audio(walk: WalkView) -> bool:
    """The walk's model says "audio", or (a view built without a modality) its frames are spectrograms."""
    modality = walk.extra.get("modality")
    if modality is not None:
        return bool(modality == AUDIO.name)
    return AUDIO.matches(walk.frames.shape[1:])


def waveforms(walk: WalkView) -> np.ndarray:
    """(T, N) waveforms of the walk, computed once per walk and shared by the audio metrics.

    `extra` may carry the walk's "route" (`MethodWalk.segment_weights()`, for a crossfade through
    several keyframes) and its "cache" (`MethodWalk.cache`, shared with the writers); a view
    without a route is a walk from its first input to its last.
    """
    route = walk.extra.get("route")
    if route is None and walk.codes is None:
        route = straight_route(walk.ts)
    return A.cached_waveforms(walk.frames, walk.codes is None, route, walk.extra.get("cache", walk.extra))


def _fraction_monotone(y: np.ndarray, direction: int, tolerance: float) -> float:
    """Share of steps that move in `direction` (+1 up, -1 down), or stay within `tolerance`."""
    d = np.diff(y) * direction
    return float(np.mean(d >= -tolerance)) if len(d) else 1.0


@register_metric("audio")
def audio(walk: WalkView) -> MetricResult | None:
    """Loudness, flatness, f0 + voicing and pitch count of every step; a summary of their course."""
    if not is_audio(walk):
        return None
    d = [A.describe(w) for w in waveforms(walk)]
    loud = np.array([x.loudness_db for x in d])
    flat = np.array([x.flatness for x in d])
    f0 = np.array([x.f0_hz for x in d])
    pitches = np.array([x.pitches for x in d])
    inner = pitches[1:-1] if len(pitches) > 2 else pitches
    mid = len(d) // 2
    summary = {
        "loudness_start_db": float(loud[0]), "loudness_end_db": float(loud[-1]),
        "flatness_start": float(flat[0]), "flatness_end": float(flat[-1]),
        "f0_start_hz": float(f0[0]), "f0_end_hz": float(f0[-1]),
        "mid_pitches": float(pitches[mid]),
        "max_pitches": float(pitches.max()),
        "chord_steps": float(np.sum(inner >= 2)),  # interior steps where two or more pitches sound
        "loudness_monotone": _fraction_monotone(loud, int(np.sign(loud[-1] - loud[0]) or 1), 1.0),
        "flatness_monotone": _fraction_monotone(flat, int(np.sign(flat[-1] - flat[0]) or 1), 0.01),
    }
    profile = {
        "loudness_db": loud.tolist(), "flatness": flat.tolist(), "f0_hz": f0.tolist(),
        "voicing": [x.voicing for x in d], "pitches": pitches.astype(float).tolist(),
    }
    return MetricResult(summary, profile)


@register_metric("spectral_smoothness")
def spectral_smoothness(walk: WalkView) -> MetricResult | None:
    """Evenness / max-step / jumps of the log-spectrogram RMS distance between heard steps."""
    if not is_audio(walk):
        return None
    spec = A.to_spectrogram(waveforms(walk)).to(torch.float64)  # (T, 1, F, T_f)
    return step_summary((spec[1:] - spec[:-1]).flatten(1).pow(2).mean(1).sqrt())  # (T-1,) spectral steps
