"""Writing a walk's folder: arrays, pictures, movies, metrics and a manifest, all or nothing.

Everything is written into a hidden temporary folder beside the destination and renamed into
place at the end, so a failure never leaves a half-written output folder. An existing folder is
replaced only if it is empty or was written by latentwalk (it holds a manifest.json).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from latentwalk.errors import OutputError
from latentwalk.files import staged_folder
from latentwalk.registry import Registry
from latentwalk.walk.core import MethodWalk, WalkResult

MANIFEST = "manifest.json"


def check_destination(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(f"'{out}' exists and is a file; choose a folder path for --out.")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise OutputError(
            f"'{out}' exists and holds files latentwalk did not write; choose an empty or new folder for --out."
        )


@contextlib.contextmanager
def staged_output(out: str | Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces `out`, on failure it is removed."""
    out = Path(out).expanduser()
    check_destination(out)
    try:
        with staged_folder(out) as tmp:
            yield tmp
    except OSError as exc:  # unwritable place, full disk: one line, and the stage is already gone
        raise OutputError(f"Cannot write to '{out}': {exc.strerror or exc}. Choose a writable --out.") from None


def versions() -> dict[str, str]:
    import torch

    from latentwalk import __version__

    return {
        "latentwalk": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
    }


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hashes(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            out[str(p.relative_to(folder))] = sha256_bytes(p.read_bytes())
    return out


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
    (folder / "metrics.json").write_text(json.dumps(metrics_json(mw), indent=2) + "\n")


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


def write_walk(
    result: WalkResult, out: str | Path, manifest: dict[str, Any], fps: float = 8, modality: str = "image"
) -> Path:
    """Write the whole walk folder atomically; returns the final path.

    One method: its files at the top of the folder. Several: one sub-folder per method, plus a
    comparison of all of them and a metrics.json holding every method's numbers.
    """
    methods = list(result.walks)
    options = {"fps": fps}
    with staged_output(out) as tmp:
        if len(methods) == 1:
            write_method(result.walks[methods[0]], tmp, modality, options)
        else:
            for name, mw in result.walks.items():
                write_method(mw, tmp / name, modality, options)
            COMPARISON_WRITERS.get(modality)(result, tmp)
        np.save(tmp / "inputs.npy", result.inputs.cpu().numpy().astype(np.float32))
        all_metrics = {name: metrics_json(mw) for name, mw in result.walks.items()}
        if len(methods) > 1:
            (tmp / "metrics.json").write_text(json.dumps(all_metrics, indent=2) + "\n")
        full = {
            **manifest,
            "methods": methods,
            "params": result.params,
            "items": [{"spec": it.source, "factors": it.factors} for it in result.items],
            "inputs_sha256": sha256_bytes(np.ascontiguousarray(result.inputs.cpu().numpy()).tobytes()),
            "versions": versions(),
            "metrics": {n: {k: r.summary for k, r in mw.metrics.items()} for n, mw in result.walks.items()},
            "files": file_hashes(tmp),
        }
        (tmp / MANIFEST).write_text(json.dumps(full, indent=2, default=str) + "\n")
    return Path(out)


def command_line() -> list[str]:
    """The latentwalk command being run, as a list of words (falls back to sys.argv outside click)."""
    import click

    ctx = click.get_current_context(silent=True)
    argv = ctx.find_root().meta.get("latentwalk.argv") if ctx is not None else None
    return ["latentwalk", *(argv if argv is not None else sys.argv[1:])]
