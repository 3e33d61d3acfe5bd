"""Sound: mono clips <-> the model's log-magnitude spectrogram <-> WAV files, and what a clip sounds like.

One file per concern, all re-exported here so that `from latentwalk.modalities import audio as A`
reaches every name:

- `codec`: the spectrogram (STFT on a dB scale) and the way back (Griffin-Lim);
- `io`: the user's WAV/FLAC/OGG files -> clips (mix-down, resampling, length, level), WAVs out;
- `joins`: clips joined with fades, and a route's keyframes mixed as waveforms;
- `walks`: the waveforms of a walk, once per walk;
- `descriptors`, `pitches`: loudness, flatness, f0 (YIN) and the number of pitches heard;
- `modality`: `AudioModality`, the object the pipeline calls (registered as "audio").
"""

from latentwalk.modalities.audio.codec import (
    CLIP_SAMPLES,
    CLIP_SECONDS,
    FLOOR_DB,
    GL_ITERS,
    HOP,
    N_BINS,
    N_FFT,
    N_FRAMES,
    REF,
    SAMPLE_RATE,
    SPEC_SHAPE,
    griffin_lim,
    magnitude_to_spec,
    spec_to_magnitude,
    stft,
    to_spectrogram,
)
from latentwalk.modalities.audio.descriptors import (
    Descriptors,
    describe,
    estimate_f0,
    rms_db,
    spectral_flatness,
)
from latentwalk.modalities.audio.io import (
    AUDIO_SUFFIXES,
    MAX_SECONDS,
    MIN_SECONDS,
    PEAK_DB,
    Clip,
    fit_length,
    read_clip,
    save_wav,
)
from latentwalk.modalities.audio.joins import Route, join_with_crossfades, mix_route
from latentwalk.modalities.audio.modality import AUDIO, AudioModality
from latentwalk.modalities.audio.pitches import F0_RANGE, count_pitches, pitches_in_spectrum, spectral_peaks
from latentwalk.modalities.audio.walks import (
    WAVEFORMS_KEY,
    cached_waveforms,
    keyframe_spectra,
    walk_waveforms,
)

__all__ = [
    "AUDIO", "AUDIO_SUFFIXES", "CLIP_SAMPLES", "CLIP_SECONDS", "F0_RANGE", "FLOOR_DB", "GL_ITERS", "HOP",
    "MAX_SECONDS", "MIN_SECONDS", "N_BINS", "N_FFT", "N_FRAMES", "PEAK_DB", "REF", "SAMPLE_RATE", "SPEC_SHAPE",
    "WAVEFORMS_KEY", "AudioModality", "Clip", "Descriptors", "Route", "cached_waveforms", "count_pitches",
    "describe", "estimate_f0", "fit_length", "griffin_lim", "join_with_crossfades", "keyframe_spectra",
    "magnitude_to_spec", "mix_route", "pitches_in_spectrum", "read_clip", "rms_db", "save_wav",
    "spec_to_magnitude", "spectral_flatness", "spectral_peaks", "stft", "to_spectrogram",
    "walk_waveforms",
]
