"""latentwalk: walk between the codes of real objects in a model's latent space, and measure the walk.

    >>> import torch, latentwalk
    >>> z = latentwalk.interpolate(torch.randn(4, 8), torch.randn(4, 8), torch.linspace(0, 1, 5), "slerp")
    >>> z.shape
    torch.Size([4, 5, 8])
"""

from __future__ import annotations

__version__ = "0.1.0"

from latentwalk.models.wrap import wrap  # bring your own model: docs/models.md
from latentwalk.paths import PATHS, SCHEDULES, interpolate, keyframe_walk, register_path

__all__ = ["PATHS", "SCHEDULES", "__version__", "interpolate", "keyframe_walk", "register_path", "wrap"]
