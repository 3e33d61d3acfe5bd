"""Writing a walk's folder: arrays, pictures, movies, metrics and a manifest, all or nothing.

The folder is staged and committed by `latentwalk.files.staged_output`: a failure leaves nothing
half-written, and an existing folder is replaced only when it holds exactly what latentwalk wrote.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from latentwalk.files import sha256_bytes, staged_output, write_json
from latentwalk.registry import Registry
from latentwalk.walk.core import MethodWalk, WalkResult

__all__ = ["invocation", "staged_output", "write_method", "write_walk"]


def metrics_json(mw: MethodWalk) -> dict[str, Any]:
    return {name: {"summary": r.summary, "profile": r.profile} for name, r in mw.metrics.items()}


def step_labels(ts: np.ndarray) -> list[str]:
    return [f"t={t:.2f}" for t in ts]


MediaWriter = Callable[[MethodWalk, Path, dict[str, Any]], None]
MEDIA_WRITERS: Registry[MediaWriter] = Registry("output modality")
"""modality -> writer of a method's pictures/sounds into its folder (arrays and metrics are common)."""


@MEDIA_WRITERS.register("image")
def write_image_media(mw: MethodWalk, folder: Path, options: dict[str, Any]) -> None:
    """strip.png, walk.gif (forth and back), walk.mp4."""
    from latentwalk.render import save_gif, save_mp4, save_strip

    frames = mw.frames.detach().cpu().numpy().astype(np.float32)
    fps = options.get("fps", 8)
    save_strip(frames, folder / "strip.png", labels=step_labels(mw.ts.detach().cpu().numpy()))
    save_gif(frames, folder / "walk.gif", fps=fps, boomerang=True)
    save_mp4(frames, folder / "walk.mp4", fps=fps)


def write_method(mw: MethodWalk, folder: Path, modality: str = "image", options: dict[str, Any] | None = None) -> None:
    """frames.npy, codes.npy, metrics.json, and the modality's media for one method."""
    writer = MEDIA_WRITERS.get(modality)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "frames.npy", mw.frames.detach().cpu().numpy().astype(np.float32))
    if mw.codes is not None:
        np.save(folder / "codes.npy", mw.codes.detach().cpu().numpy().astype(np.float32))
    writer(mw, folder, options or {})
    write_json(folder / "metrics.json", metrics_json(mw))


def headline(mw: MethodWalk) -> str:
    """One line of the metrics that matter most, for grids and the terminal."""
    parts = []
    sm = mw.metrics.get("smoothness")
    if sm:
        parts.append(f"evenness {sm.summary['evenness']:.2f}")
        parts.append(f"max/mean step {sm.summary['max_step_ratio']:.2f}")
    re = mw.metrics.get("realism")
    if re:
        parts.append(f"worst real-item dist {re.summary['max_nn_distance']:.3f}")
    ty = mw.metrics.get("typicality")
    if ty:
        parts.append(f"mid norm ×{ty.summary['mid_norm_ratio']:.2f}")
    ac = mw.metrics.get("acai")
    if ac:
        parts.append(f"ACAI dist {ac.summary['mean_distance']:.3f}")
    return " · ".join(parts)


ComparisonWriter = Callable[[WalkResult, Path], None]
COMPARISON_WRITERS: Registry[ComparisonWriter] = Registry("output modality")


@COMPARISON_WRITERS.register("image")
def write_image_comparison(result: WalkResult, folder: Path) -> None:
    """comparison.png: one row per method with its headline metrics."""
    from latentwalk.render import save_grid

    rows = [(name, mw.frames.cpu().numpy()) for name, mw in result.walks.items()]
    save_grid(rows, folder / "comparison.png", notes=[headline(mw) for mw in result.walks.values()])


def write_walk(result: WalkResult, out: str | Path, manifest: dict[str, Any], fps: float = 8, modality: str = "image",
               force: bool = False) -> Path:
    """Write the whole walk folder atomically; returns the final path.

    One method: its files at the top of the folder. Several: one sub-folder per method, plus a
    comparison of all of them and a metrics.json holding every method's numbers.
    """
    methods = list(result.walks)
    options = {"fps": fps}
    with staged_output(out, force, manifest) as stage:
        tmp = stage.path
        if len(methods) == 1:
            write_method(result.walks[methods[0]], tmp, modality, options)
        else:
            for name, mw in result.walks.items():
                write_method(mw, tmp / name, modality, options)
            COMPARISON_WRITERS.get(modality)(result, tmp)
            write_json(tmp / "metrics.json", {name: metrics_json(mw) for name, mw in result.walks.items()})
        np.save(tmp / "inputs.npy", result.inputs.cpu().numpy().astype(np.float32))
        stage.manifest.update({
            "methods": methods,
            "params": result.params,
            "items": [{"spec": it.source, "factors": it.factors} for it in result.items],
            "inputs_sha256": sha256_bytes(np.ascontiguousarray(result.inputs.cpu().numpy()).tobytes()),
            "metrics": {n: {k: r.summary for k, r in mw.metrics.items()} for n, mw in result.walks.items()},
        })
    return Path(out)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, Path) else value


def invocation() -> dict[str, Any]:
    """The running command as data: its words (for people) and its parsed parameters (for
    `latentwalk rerun`, which rebuilds the call from them and never executes the words)."""
    import os

    import click

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return {"command": ["latentwalk", *sys.argv[1:]], "cwd": os.getcwd()}
    argv = ctx.find_root().meta.get("latentwalk.argv")
    return {
        "command": ["latentwalk", *(argv if argv is not None else sys.argv[1:])],
        "invocation": {"command": ctx.command.name, "params": {k: _plain(v) for k, v in ctx.params.items()}},
        "cwd": os.getcwd(),
    }
