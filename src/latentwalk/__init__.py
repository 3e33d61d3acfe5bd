"""latentwalk: walk between the codes of real objects in a model's latent space, and measure the walk.

    >>> import torch, latentwalk
    >>> z = latentwalk.interpolate(torch.randn(4, 8), torch.randn(4, 8), torch.linspace(0, 1, 5), "slerp")
    >>> z.shape
    torch.Size([4, 5, 8])
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# Imported on first use (PEP 562): `import latentwalk` stays instant, so the command line can
# answer Ctrl-C during its start-up with one line instead of a traceback from inside torch.
_LAZY = {
    "wrap": "latentwalk.models.wrap",  # bring your own model: docs/models.md
    "PATHS": "latentwalk.paths",
    "SCHEDULES": "latentwalk.paths",
    "interpolate": "latentwalk.paths",
    "keyframe_walk": "latentwalk.paths",
    "register_path": "latentwalk.paths",
}

__all__ = ["PATHS", "SCHEDULES", "__version__", "interpolate", "keyframe_walk", "register_path", "wrap"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'latentwalk' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
