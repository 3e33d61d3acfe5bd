"""The user's own image files, brought to the model's size and channels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from latentwalk.data.base import Item
from latentwalk.errors import DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}


def load_image(path: str | Path, shape: tuple[int, ...]) -> Item:
    """Read an image file as (C, H, W) in [0, 1], converted to C channels and resized to H x W."""
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    if not p.exists():
        raise DataError(f"Image file '{p}' does not exist; check the path.")
    if p.is_dir():
        raise DataError(f"'{p}' is a folder; give an image file (PNG or JPEG).")
    c, h, w = shape
    try:
        with Image.open(p) as im:
            im.load()
            im = im.convert("L" if c == 1 else "RGB")
            original = im.size
            if im.size != (w, h):
                im = im.resize((w, h), Image.Resampling.BOX if im.width >= w else Image.Resampling.BICUBIC)
            arr = np.asarray(im, dtype=np.float32) / 255.0
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"'{p}' is not a readable image ({type(exc).__name__}: {exc}); use a PNG or JPEG file.") from None
    arr = arr[None] if c == 1 else arr.transpose(2, 0, 1)
    return Item(torch.from_numpy(arr.copy()), str(p), {"original_width": original[0], "original_height": original[1]})
