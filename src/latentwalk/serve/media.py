"""What the server sends of a frame: PNG pictures and WAV sounds, as bytes.

Images are sent at the model's own size (the page scales them up, pixelated); a sound model's
frame is its spectrogram, drawn low frequencies at the bottom in the colours of the CLI's
spectrogram strips, or its sound (Griffin-Lim, as the CLI's WAVs).
"""

from __future__ import annotations

import base64
import functools
import io

import numpy as np
import torch

from latentwalk.modalities.image import to_uint8


def png(rgb_or_grey: np.ndarray) -> bytes:
    """(H, W) or (H, W, 3) uint8 -> PNG bytes (fast compression: frames are tiny and sent once)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb_or_grey).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


@functools.lru_cache(maxsize=1)
def _magma() -> np.ndarray:
    """(256, 3) uint8 colours of matplotlib's magma, the CLI's spectrogram colour map."""
    from matplotlib import colormaps

    return np.rint(colormaps["magma"](np.linspace(0, 1, 256))[:, :3] * 255).astype(np.uint8)


def picture(frame: torch.Tensor, modality: str) -> np.ndarray:
    """One frame (*X) in [0, 1] -> the uint8 pixels a person sees of it."""
    x = frame.detach().cpu().float()
    if modality == "audio":  # (1, F, T) spectrogram: frequency up
        v = np.nan_to_num(x[0].numpy()[::-1].clip(0, 1))
        return _magma()[np.rint(v * 255).astype(np.uint8)]
    pixels = to_uint8(x[None].numpy())[0]  # (H, W, C)
    return pixels[..., 0] if pixels.shape[-1] == 1 else pixels


def frame_png(frame: torch.Tensor, modality: str) -> bytes:
    return png(picture(frame, modality))


def data_url(frame: torch.Tensor, modality: str) -> str:
    """A thumbnail inside JSON: one request for a page of items."""
    return "data:image/png;base64," + base64.b64encode(frame_png(frame, modality)).decode("ascii")


def wav(wave: np.ndarray) -> bytes:
    """(N,) samples in [-1, 1] -> 16-bit PCM WAV bytes at the sound models' rate."""
    import soundfile as sf

    from latentwalk.modalities.audio import SAMPLE_RATE

    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(wave, np.float32).reshape(-1), -1, 1), SAMPLE_RATE, subtype="PCM_16", format="WAV")
    return buf.getvalue()


def sounds(frames: torch.Tensor) -> np.ndarray:
    """(B, 1, F, T) spectrograms -> (B, N) waveforms (Griffin-Lim, seeded: the CLI's WAVs)."""
    from latentwalk.modalities.audio.walks import phased

    return phased(frames.detach().cpu().float())
