"""Moving pictures of a walk: a looping GIF for the report and an MP4 for everything else.

Frames are arrays (T, C, H, W) of floats in [0, 1]. Both writers enlarge small frames with
nearest neighbour. The MP4 is H.264 in yuv420p with sides that are multiples of 16, the one
combination that every browser, phone and presentation tool plays.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from latentwalk.errors import InvalidParameterError, MissingExtraError
from latentwalk.render._common import (
    PathLike,
    check_frames,
    enlarge,
    resolve_scale,
    to_uint8,
    write_atomically,
)

__all__ = ["save_gif", "save_mp4"]

GIF_MIN_PX = 96
# yuv420p keeps colour at half resolution; 8+ video pixels per image pixel keep edges crisp.
MP4_MIN_PX = 128
GIF_MAX_FPS = 50.0  # browsers play GIF delays under 20 ms as 100 ms: faster GIFs run slower
MP4_MAX_FPS = 120.0
BLOCK = 16  # H.264 macroblock


def _check_fps(fps: float, func: str, limit: float) -> float:
    ok = isinstance(fps, int | float | np.integer | np.floating) and not isinstance(fps, bool)
    if not ok or not 0 < fps <= limit:
        raise InvalidParameterError(
            f"The 'fps' parameter of {func} must be a number in the range (0, {limit:g}]. "
            f"Got {fps!r} instead."
        )
    return float(fps)


def _video_frames(frames: np.ndarray, scale: int | None, func: str, min_px: int, rgb: bool) -> np.ndarray:
    """(T, C, H, W) floats -> (T, H*s, W*s, C or 3) uint8."""
    x = check_frames(frames, func)
    s = resolve_scale(x.shape[2], x.shape[3], scale, func, min_px)
    return enlarge(to_uint8(x), s, rgb=rgb)


def _boomerang(frames: np.ndarray) -> np.ndarray:
    """0 1 … T-1 then T-2 … 1: the loop goes forth and back without showing an end twice."""
    return np.concatenate([frames, frames[-2:0:-1]]) if len(frames) > 2 else frames


def save_gif(
    frames: np.ndarray, path: PathLike, fps: float = 8, scale: int | None = None, boomerang: bool = False
) -> None:
    """An animated GIF that loops forever; boomerang=True plays it forth and back (2T-2 frames).

    Pillow stores two identical frames in a row as one frame shown twice as long, so a walk
    that stands still for a step keeps its timing but has fewer frames in the file.
    """
    import imageio.v3 as iio

    fps = _check_fps(fps, "save_gif", GIF_MAX_FPS)
    video = _video_frames(frames, scale, "save_gif", GIF_MIN_PX, rgb=False)
    video = _boomerang(video) if boomerang else video
    if video.shape[-1] == 1:
        video = video[..., 0]  # (T, H, W): a grey GIF keeps its exact 256 levels
    duration = round(1000.0 / fps)
    write_atomically(path, lambda tmp: iio.imwrite(tmp, video, extension=".gif", duration=duration, loop=0))


def _require_ffmpeg() -> None:
    try:
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise MissingExtraError(
            "save_mp4 needs an ffmpeg binary, which the 'imageio-ffmpeg' package provides; "
            "install it with: pip install imageio-ffmpeg (or write a GIF with save_gif instead)."
        ) from exc


def _pad_to_blocks(video: np.ndarray) -> np.ndarray:
    """Pad (T, H, W, 3) with black, centred, so that H and W are multiples of BLOCK."""
    _, h, w, _ = video.shape
    dh, dw = -h % BLOCK, -w % BLOCK
    pad = ((0, 0), (dh // 2, dh - dh // 2), (dw // 2, dw - dw // 2), (0, 0))
    return np.pad(video, pad) if dh or dw else video


def _block_friendly_scale(height: int, width: int) -> int:
    """The smallest scale >= the default that gives sides in multiples of 16, if one is near."""
    base = resolve_scale(height, width, None, "save_mp4", MP4_MIN_PX)
    for s in range(base, 2 * base + 1):
        if (height * s) % BLOCK == 0 and (width * s) % BLOCK == 0:
            return s
    return base  # no such scale close by: the frames get padded instead


def _write_mp4(tmp: Path, video: np.ndarray, fps: float) -> None:
    import imageio.v2 as imageio

    writer = imageio.get_writer(
        tmp, format="FFMPEG", mode="I", fps=fps, codec="libx264", pixelformat="yuv420p",
        quality=None, macro_block_size=BLOCK, ffmpeg_log_level="error",
        output_params=["-crf", "17", "-movflags", "+faststart"],
    )  # fmt: skip
    try:
        for frame in video:
            writer.append_data(frame)
    finally:
        writer.close()


def save_mp4(frames: np.ndarray, path: PathLike, fps: float = 8, scale: int | None = None) -> None:
    """An H.264 MP4 (yuv420p, sides padded to multiples of 16, grey shown as RGB)."""
    _require_ffmpeg()
    fps = _check_fps(fps, "save_mp4", MP4_MAX_FPS)
    x = check_frames(frames, "save_mp4")
    scale = _block_friendly_scale(*x.shape[2:]) if scale is None else scale
    video = _pad_to_blocks(_video_frames(x, scale, "save_mp4", MP4_MIN_PX, rgb=True))
    write_atomically(path, lambda tmp: _write_mp4(tmp, video, fps))
