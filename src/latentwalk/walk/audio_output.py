"""Walk outputs for sound: a WAV per step, the whole morph as one WAV, a spectrogram strip.

Registered as the "audio" entries of MEDIA_WRITERS and COMPARISON_WRITERS; the common writer
adds frames.npy (the decoded spectrograms), codes.npy, metrics.json and manifest.json.

What is written is what is heard: steps are waveforms from `walk_waveforms` (Griffin-Lim for
latent walks, a waveform mix for the crossfade), and the strip shows the spectrogram of each
step's WAV, so a crossfade's panels show the mix you hear rather than the spectral mix in frames.npy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from latentwalk.modalities import audio as A
from latentwalk.walk.core import MethodWalk, WalkResult
from latentwalk.walk.output import COMPARISON_WRITERS, MEDIA_WRITERS, step_labels

FADE_S = 0.05  # crossfade between consecutive steps of morph.wav


def step_waveforms(mw: MethodWalk) -> np.ndarray:
    """(T, N) waveforms of a method's walk (the crossfade mixes waveforms)."""
    return A.walk_waveforms(mw.frames, data_space=mw.codes is None)


def _audio_note(mw: MethodWalk) -> str:
    r = mw.metrics.get("audio")
    if r is None:
        return ""
    s = r.summary
    return (f"loudness {s['loudness_start_db']:.0f}→{s['loudness_end_db']:.0f} dB · "
            f"pitches at t=0.5: {s['mid_pitches']:.0f} · chord steps {s['chord_steps']:.0f}")


@MEDIA_WRITERS.register("audio")
def write_audio_media(mw: MethodWalk, folder: Path, options: dict[str, Any]) -> None:
    """step_00.wav ... step_NN.wav, morph.wav (steps joined with 50 ms crossfades), strip.png."""
    from latentwalk.render.audio import save_spectrogram_strip

    waves = step_waveforms(mw)
    width = max(2, len(str(len(waves) - 1)))
    for i, w in enumerate(waves):
        A.save_wav(folder / f"step_{i:0{width}d}.wav", w)
    A.save_wav(folder / "morph.wav", A.join_with_crossfades(waves, FADE_S))
    heard = A.to_spectrogram(waves).numpy()
    save_spectrogram_strip(heard, folder / "strip.png", labels=step_labels(mw.ts.detach().cpu().numpy()),
                           title=f"{mw.method}   {_audio_note(mw)}")


@COMPARISON_WRITERS.register("audio")
def write_audio_comparison(result: WalkResult, folder: Path) -> None:
    """comparison.png: one spectrogram row per method, with its loudness and pitch summary."""
    from latentwalk.render.audio import save_spectrogram_rows

    rows = [(name, A.to_spectrogram(step_waveforms(mw)).numpy()) for name, mw in result.walks.items()]
    first = next(iter(result.walks.values()))
    save_spectrogram_rows(rows, folder / "comparison.png", labels=step_labels(first.ts.cpu().numpy()),
                          notes=[_audio_note(mw) for mw in result.walks.values()])
