"""Writing a walk's folder: arrays, pictures, movies, metrics and a manifest, all or nothing.

The folder is staged and committed by `latentwalk.files.staged_output`: a failure leaves nothing
half-written, and an existing folder is replaced only when it holds exactly what latentwalk wrote.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from latentwalk.files import sha256_bytes, staged_output, write_json
from latentwalk.modalities import get_modality
from latentwalk.modalities.base import headline, step_labels
from latentwalk.pipeline.core import MethodWalk, WalkResult

__all__ = ["headline", "invocation", "metrics_json", "staged_output", "step_labels", "write_method", "write_walk"]


def metrics_json(mw: MethodWalk) -> dict[str, Any]:
    return {name: {"summary": r.summary, "profile": r.profile} for name, r in mw.metrics.items()}


def write_method(mw: MethodWalk, folder: Path, modality: str = "image", options: dict[str, Any] | None = None) -> None:
    """frames.npy, codes.npy, metrics.json, and the modality's media (pictures, movies, sounds) for one method."""
    writer = get_modality(modality)
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "frames.npy", mw.frames.detach().cpu().numpy().astype(np.float32))
    if mw.codes is not None:
        np.save(folder / "codes.npy", mw.codes.detach().cpu().numpy().astype(np.float32))
    writer.write_media(mw, folder, options or {})
    write_json(folder / "metrics.json", metrics_json(mw))


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
            get_modality(modality).write_comparison(result, tmp)
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
