"""The user's own files: only regular files of a sane size are opened, and images are brought to
the model's size and channels whatever their depth or transparency."""

from __future__ import annotations

import re
import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from latentwalk.data.base import Item, shown
from latentwalk.errors import DataError, note
from latentwalk.files import check_regular_file

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
IMAGE_HINT = "an image file (PNG or JPEG)"
SHOWN_PATH_CHARS = 200  # a path longer than this (a hostile one: the system allows 4096) is cut in messages
MAX_FILE_BYTES = 256 << 20  # 256 MiB: far above any photo or sound a model here takes in
MAX_PIXELS = 64_000_000  # 64 megapixels (8000 x 8000): larger ones take GBs to decode for a small input
HIGH_DEPTH_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N", "F"}  # Pillow's 16/32-bit integer and float images
# What Pillow's decoders raise on damaged or hostile files (UnidentifiedImageError is an OSError).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, EOFError, IndexError, KeyError, struct.error,
                  ZeroDivisionError)


def check_input_file(path: Path, expected: str) -> None:
    """Refuse at once anything but a regular file of at most MAX_FILE_BYTES (files.check_regular_file)."""
    check_regular_file(path, MAX_FILE_BYTES, DataError, expected, shown(str(path), SHOWN_PATH_CHARS))


def _too_large(p: Path, pixels: str) -> DataError:
    return DataError(f"'{p}' has {pixels} pixels, over the limit of {MAX_PIXELS / 1e6:g} megapixels; "
                     "scale it down first.")


def _bomb_pixels(exc: Exception) -> str:
    """The pixel count in Pillow's DecompressionBomb message ('Image size (N pixels) exceeds ...')."""
    m = re.search(r"\((\d+) pixels\)", str(exc))
    return f"{int(m[1]):,}" if m else "too many"


def _resize(im: Any, w: int, h: int) -> Any:
    from PIL import Image

    if im.size == (w, h):
        return im
    return im.resize((w, h), Image.Resampling.BOX if im.width >= w else Image.Resampling.BICUBIC)


def _unit_range(a: np.ndarray, p: Path, mode: str) -> np.ndarray:
    """Pixels of a 16/32-bit integer or float image -> [0, 1] by their real range: integers as 16-bit
    (/65535, how PNG and TIFF store them), floats as already in [0, 1]; other values are min-max
    scaled, with a note. Converting such images to 8 bits in Pillow clips them to black or white."""
    if not np.isfinite(a).all():
        raise DataError(f"'{p}' has NaN or infinite pixel values; save it again with finite values.")
    top = 1.0 if mode == "F" else 65535.0
    lo, hi = float(a.min()), float(a.max())
    if 0 <= lo and hi <= top:
        return a / top
    note(f"'{p}' has pixel values from {lo:g} to {hi:g}, outside [0, {top:g}]; they were scaled to [0, 1].")
    return (a - lo) / (hi - lo) if hi > lo else np.clip(a / top, 0, 1)


def _over_white(im: Any, p: Path) -> Any:
    """An image with transparent pixels, composited over white: those pixels often hold black, so
    dark strokes on a transparent background would otherwise read as all black."""
    from PIL import Image

    if not im.has_transparency_data:
        return im
    rgba = im.convert("RGBA")
    if rgba.getchannel("A").getextrema()[0] == 255:  # alpha present but fully opaque: nothing changes
        return im
    note(f"'{p}' has transparent pixels; it was composited over white.")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)


def _decode(im: Any, p: Path, c: int, h: int, w: int) -> np.ndarray:
    """An opened image -> (C, H, W) float32 in [0, 1]."""
    from PIL import Image

    if im.mode in HIGH_DEPTH_MODES:  # one grey channel of more than 8 bits: resized as floats
        grey = _resize(Image.fromarray(_unit_range(np.asarray(im, np.float32), p, im.mode)), w, h)
        arr = np.clip(np.asarray(grey, np.float32), 0, 1)[None]  # (1, H, W); bicubic may overshoot
        return np.repeat(arr, c, axis=0)
    im = _over_white(im, p).convert("L" if c == 1 else "RGB")
    arr = np.asarray(_resize(im, w, h), dtype=np.float32) / 255.0
    return arr[None] if c == 1 else arr.transpose(2, 0, 1)


def load_image(path: str | Path, shape: tuple[int, ...]) -> Item:
    """Read an image file as (C, H, W) in [0, 1], converted to C channels and resized to H x W."""
    from PIL import Image

    p = Path(path)
    check_input_file(p, IMAGE_HINT)
    c, h, w = shape
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # refuse, never just warn
            with Image.open(p) as im:  # reads the header only
                original = im.size
                if im.width * im.height > MAX_PIXELS:  # before a single pixel is decoded
                    raise _too_large(p, f"{im.width} x {im.height} = {im.width * im.height:,}")
                arr = _decode(im, p, c, h, w)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:  # over Pillow's own limit
        raise _too_large(p, _bomb_pixels(exc)) from None
    except _DECODE_ERRORS as exc:
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")
        raise DataError(f"'{p}' is not a readable image ({reason}); use a PNG or JPEG file.") from None
    return Item(torch.from_numpy(arr.copy()), str(p), {"original_width": original[0], "original_height": original[1]})
