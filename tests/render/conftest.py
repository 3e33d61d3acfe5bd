"""Small frames for the render tests: a white square walking across black, as floats in [0, 1]."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest


def walking_square(t_count: int = 5, size: int = 16, channels: int = 1) -> np.ndarray:
    frames = np.zeros((t_count, channels, size, size), np.float32)
    for i in range(t_count):
        x = round(i * (size - 4) / max(t_count - 1, 1))
        frames[i, :, 2:6, x : x + 4] = 1.0
    return frames


@pytest.fixture
def square() -> np.ndarray:
    """5 grey frames of 16×16."""
    return walking_square()


@pytest.fixture
def make_walk() -> Callable[..., np.ndarray]:
    """walking_square(t_count, size, channels) for tests that need other sizes."""
    return walking_square
