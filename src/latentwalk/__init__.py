"""latentwalk: walk between the codes of real objects in a model's latent space, and measure the walk.

    >>> import latentwalk
    >>> m = latentwalk.load_model("digits-vae")
    >>> w = latentwalk.walk(m, "digits:3", "digits:8", method="slerp", steps=12)
    >>> w.save("walk-3-8")        # the same folder as `latentwalk walk`; `latentwalk rerun walk-3-8` works

The path maths alone: `latentwalk.interpolate(z0, z1, torch.linspace(0, 1, 5), "slerp")`.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# Imported on first use (PEP 562): `import latentwalk` stays instant, so the command line can
# answer Ctrl-C during its start-up with one line instead of a traceback from inside torch.
_LAZY = {
    "load_model": "latentwalk.api",
    "walk": "latentwalk.api",
    "compare": "latentwalk.api",
    "evaluate": "latentwalk.api",
    "Model": "latentwalk.api",
    "Walk": "latentwalk.api",
    "wrap": "latentwalk.models.wrap",  # bring your own model: docs/models.md
    "PATHS": "latentwalk.paths",
    "SCHEDULES": "latentwalk.paths",
    "interpolate": "latentwalk.paths",
    "keyframe_walk": "latentwalk.paths",
    "register_path": "latentwalk.paths",
}

__all__ = ["PATHS", "SCHEDULES", "Model", "Walk", "__version__", "compare", "evaluate", "interpolate", "keyframe_walk",
           "load_model", "register_path", "walk", "wrap"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'latentwalk' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
