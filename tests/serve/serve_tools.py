"""Helpers of the server's tests (a module with a unique name, so that both test files import it)."""

from __future__ import annotations

import io
from typing import Any


def png_bytes(pixels: Any) -> bytes:
    """(H, W) uint8 -> a PNG file's bytes."""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def pixels(body: bytes) -> Any:
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(body)))
