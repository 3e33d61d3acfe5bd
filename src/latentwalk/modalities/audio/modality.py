"""Sound as a modality: a sound file in, a spectrogram to the model, WAVs and spectrogram pictures out.

What is written is what is heard: a walk's steps are its waveforms (`walks.walk_waveforms`:
Griffin-Lim for latent walks, a waveform mix for the crossfade), and the pictures are the
spectrograms of those waveforms, so a crossfade's panels show the mix you hear rather than
the spectral mix in frames.npy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from latentwalk.errors import DataError
from latentwalk.modalities.audio.codec import SPEC_SHAPE, to_spectrogram
from latentwalk.modalities.audio.io import AUDIO_SUFFIXES, read_clip, save_wav
from latentwalk.modalities.audio.joins import join_with_crossfades
from latentwalk.modalities.audio.walks import cached_waveforms
from latentwalk.modalities.base import MODALITIES, Modality, step_labels

if TYPE_CHECKING:
    from latentwalk.data.base import Item
    from latentwalk.pipeline.core import MethodWalk, WalkResult

FADE_S = 0.05  # crossfade between consecutive steps of morph.wav


class AudioModality(Modality):
    """Mono 1-s clips at 16 kHz, seen by the model as (1, 257, 63) log-magnitude spectrograms."""

    name = "audio"
    suffixes = AUDIO_SUFFIXES

    def matches(self, data_shape: Sequence[int]) -> bool:
        return tuple(data_shape) == SPEC_SHAPE

    def load(self, path: str | Path, data_shape: tuple[int, ...]) -> Item:
        """A sound file as one clip (mono, 16 kHz, 1 s) -> its spectrogram (1, F, T).

        What was done to the file (mixed down from N channels, resampled, trimmed, padded) is kept
        in the item's factors; `read_clip` also says it with `note`, since it changes what the model hears.
        """
        from latentwalk.data.base import Item  # here: latentwalk.data imports this package

        if not self.matches(data_shape):
            raise DataError(
                f"The model takes data of shape {tuple(data_shape)}, not a sound spectrogram {SPEC_SHAPE}; "
                "use a sound model (e.g. tones-vae) for sound files."
            )
        clip = read_clip(path)
        return Item(to_spectrogram(clip.wave)[0], str(path), dict(clip.notes))

    def waveforms(self, mw: MethodWalk) -> np.ndarray:
        """(T, N) waveforms of a walk, computed once and kept in `mw.cache` (read-only)."""
        data_space = mw.codes is None
        return cached_waveforms(mw.frames, data_space, mw.segment_weights() if data_space else None, mw.cache)

    def pictures(self, mw: MethodWalk) -> np.ndarray:
        """(T, 1, F, T_frames): the spectrogram of what is heard at each step."""
        return to_spectrogram(self.waveforms(mw)).numpy()

    def walk_note(self, mw: MethodWalk) -> str:
        """The course of loudness and the pitches heard, from the `audio` metric."""
        r = mw.metrics.get("audio")
        if r is None:
            return ""
        s = r.summary
        return (f"loudness {s['loudness_start_db']:.0f}→{s['loudness_end_db']:.0f} dB · "
                f"pitches at t=0.5: {s['mid_pitches']:.0f} · chord steps {s['chord_steps']:.0f}")

    def write_media(self, mw: MethodWalk, folder: Path, options: dict[str, Any]) -> None:
        """step_00.wav ... step_NN.wav, morph.wav (steps joined with 50 ms crossfades), strip.png."""
        from latentwalk.render.audio import save_spectrogram_strip

        waves = self.waveforms(mw)
        width = max(2, len(str(len(waves) - 1)))
        for i, w in enumerate(waves):
            save_wav(folder / f"step_{i:0{width}d}.wav", w)
        save_wav(folder / "morph.wav", join_with_crossfades(waves, FADE_S))
        save_spectrogram_strip(self.pictures(mw), folder / "strip.png", labels=step_labels(mw.ts.detach().cpu().numpy()),
                               title=f"{mw.method}   {self.walk_note(mw)}")

    def write_comparison(self, result: WalkResult, folder: Path) -> None:
        from latentwalk.render.audio import save_spectrogram_rows

        rows = [(name, self.pictures(mw)) for name, mw in result.walks.items()]
        first = next(iter(result.walks.values()))
        save_spectrogram_rows(rows, folder / "comparison.png", labels=step_labels(first.ts.detach().cpu().numpy()),
                              notes=[self.walk_note(mw) for mw in result.walks.values()])


AUDIO = AudioModality()
MODALITIES.add(AUDIO.name, AUDIO)
