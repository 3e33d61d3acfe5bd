"""The user's own sound files (WAV, FLAC, OGG) as items for sound models."""

from __future__ import annotations

from pathlib import Path

from latentwalk.data import FILE_LOADERS  # defined before data/__init__ imports this file
from latentwalk.data.base import Item
from latentwalk.errors import DataError
from latentwalk.modalities import audio as A


def load_audio(path: str | Path, shape: tuple[int, ...]) -> Item:
    """Read a sound file as one clip (mono, 16 kHz, 1 s) and return its spectrogram (1, F, T).

    What was done to the file (mixed down from N channels, resampled, trimmed, padded) is kept in
    the item's factors; `read_clip` also says it with `note`, since it changes what the model hears.
    """
    if tuple(shape) != A.SPEC_SHAPE:
        raise DataError(
            f"The model takes data of shape {tuple(shape)}, not a sound spectrogram {A.SPEC_SHAPE}; "
            "use a sound model (e.g. tones-vae) for sound files."
        )
    clip = A.read_clip(path)
    return Item(A.to_spectrogram(clip.wave)[0], str(path), dict(clip.notes))


FILE_LOADERS.add("audio", (A.AUDIO_SUFFIXES, load_audio))
