"""Images: the user's picture files -> (C, H, W) tensors in [0, 1], and frames -> pixels and pictures.

Only regular files of a sane size are opened, and images are brought to the model's size and
channels whatever their depth or transparency. `check_frames` / `to_uint8` are the way back
(`VaeImageProcessor.postprocess` in diffusers): the renderers draw what they return.
"""

from __future__ import annotations

import re
import struct
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from latentwalk.errors import DataError, InvalidParameterError, note
from latentwalk.modalities.base import MODALITIES, Modality, check_input_file, step_labels

if TYPE_CHECKING:
    from latentwalk.data.base import Item
    from latentwalk.pipeline.core import MethodWalk, WalkResult

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})
IMAGE_HINT = "an image file (PNG or JPEG)"
MAX_PIXELS = 64_000_000  # 64 megapixels (8000 x 8000): larger ones take GBs to decode for a small input
HIGH_DEPTH_MODES = {"I", "I;16", "I;16L", "I;16B", "I;16N", "F"}  # Pillow's 16/32-bit integer and float images
# What Pillow's decoders raise on damaged or hostile files (UnidentifiedImageError is an OSError).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, EOFError, IndexError, KeyError, struct.error,
                  ZeroDivisionError)


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

    from latentwalk.data.base import Item  # here: latentwalk.data imports this package

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


# --- frames -> pixels ------------------------------------------------------------------------------


def check_frames(frames: object, func: str, name: str = "frames") -> np.ndarray:
    """Return `frames` as float32 (T, C, H, W) with C in {1, 3}, or raise a teaching error."""
    x = np.asarray(frames)
    if np.issubdtype(x.dtype, np.integer) or x.dtype == np.bool_:
        x = x.astype(np.float32) / (1.0 if x.dtype == np.bool_ else 255.0)  # 0..255 bytes
    x = x.astype(np.float32, copy=False)
    if x.ndim != 4 or x.shape[1] not in (1, 3) or 0 in x.shape:
        hint = " Add a channel axis with frames[:, None]." if x.ndim == 3 else ""
        raise InvalidParameterError(
            f"The '{name}' parameter of {func} must be an array of shape (T, C, H, W) with C = 1 "
            f"(grey) or 3 (RGB) and no empty axis. Got shape {tuple(x.shape)} instead.{hint}"
        )
    return x


def to_uint8(frames: object) -> np.ndarray:
    """(T, C, H, W) floats in [0, 1] -> (T, H, W, C) uint8.

    Values outside [0, 1] are clipped; NaN becomes 0 (black). Spotting NaN frames is the
    caller's job (a metric should report them); here they only must not crash the picture.
    """
    x = check_frames(frames, "to_uint8")
    x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=0.0)
    x = np.rint(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)
    return np.ascontiguousarray(x.transpose(0, 2, 3, 1))  # (T, H, W, C)


# --- the modality ---------------------------------------------------------------------------------


class ImageModality(Modality):
    """Grey or RGB pictures (C, H, W) in [0, 1]."""

    name = "image"
    suffixes = IMAGE_SUFFIXES

    def matches(self, data_shape: Any) -> bool:
        return len(data_shape) == 3 and data_shape[0] in (1, 3)

    def load(self, path: str | Path, data_shape: tuple[int, ...]) -> Item:
        return load_image(path, data_shape)

    def pictures(self, mw: MethodWalk) -> np.ndarray:
        return mw.frames.detach().cpu().numpy().astype(np.float32)  # (T, C, H, W): the frames are the pictures

    def write_media(self, mw: MethodWalk, folder: Path, options: dict[str, Any]) -> None:
        """strip.png, walk.gif (forth and back), walk.mp4."""
        from latentwalk.render import save_gif, save_mp4, save_strip

        frames, fps = self.pictures(mw), options.get("fps", 8)
        save_strip(frames, folder / "strip.png", labels=step_labels(mw.ts.detach().cpu().numpy()))
        save_gif(frames, folder / "walk.gif", fps=fps, boomerang=True)
        save_mp4(frames, folder / "walk.mp4", fps=fps)

    def write_comparison(self, result: WalkResult, folder: Path) -> None:
        from latentwalk.render import save_grid

        rows = [(name, self.pictures(mw)) for name, mw in result.walks.items()]
        save_grid(rows, folder / "comparison.png", notes=[self.walk_note(mw) for mw in result.walks.values()])


IMAGE = ImageModality()
MODALITIES.add(IMAGE.name, IMAGE)
