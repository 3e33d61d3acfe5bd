"""Shared ground of the renderers: checking parameters, enlarging pixels, writing files safely.

What an image frame is (its shape, its range, its pixels) belongs to the image modality;
`check_frames` and `to_uint8` are imported from there for the renderers that draw frames."""

from __future__ import annotations

import math
import os

import numpy as np

from latentwalk.errors import InvalidParameterError
from latentwalk.files import write_atomically
from latentwalk.modalities.image import check_frames, to_uint8

__all__ = ["BACKGROUND", "BACKGROUND_HEX", "MAX_SCALE", "PathLike", "check_frames", "check_labels", "enlarge",
           "resolve_scale", "to_uint8", "write_atomically"]

PathLike = str | os.PathLike[str]

MAX_SCALE = 64
# One light background for pictures, plots and the report page, so that they sit seamlessly.
BACKGROUND = (246, 246, 243)
BACKGROUND_HEX = "#{:02x}{:02x}{:02x}".format(*BACKGROUND)


def resolve_scale(height: int, width: int, scale: int | None, func: str, min_px: int) -> int:
    """The explicit scale, checked, or the smallest one that makes each side >= min_px."""
    if scale is None:
        return max(1, math.ceil(min_px / min(height, width)))
    if isinstance(scale, bool) or not isinstance(scale, int | np.integer) or not 1 <= scale <= MAX_SCALE:
        raise InvalidParameterError(
            f"The 'scale' parameter of {func} must be an int in the range [1, {MAX_SCALE}] "
            f"or None. Got {scale!r} instead."
        )
    return int(scale)


def enlarge(images: np.ndarray, scale: int, rgb: bool = True) -> np.ndarray:
    """(T, H, W, C) uint8 -> (T, H*scale, W*scale, 3 or C), nearest neighbour: a pixel stays sharp."""
    out = images.repeat(scale, axis=1).repeat(scale, axis=2)
    if rgb and out.shape[-1] == 1:
        out = out.repeat(3, axis=-1)
    return out


def check_labels(labels: list[str] | None, count: int, name: str, func: str) -> list[str] | None:
    """None, or a list of `count` strings (None entries become empty strings)."""
    if labels is None:
        return None
    if isinstance(labels, str) or len(labels) != count:
        got = repr(labels) if isinstance(labels, str) else f"{len(labels)} items"
        raise InvalidParameterError(
            f"The '{name}' parameter of {func} must be a list of {count} strings, one per "
            f"{'frame' if name == 'labels' else 'row'}. Got {got} instead."
        )
    return ["" if s is None else str(s) for s in labels]


