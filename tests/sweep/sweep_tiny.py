"""Helpers of the sweep tests (a module with a unique name, so that tests and the local pool's
spawned workers can import it: several conftest.py files share that module name)."""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any

from latentwalk.models.model import Model
from latentwalk.sweep.shards import ShardTask
from latentwalk.sweep.work import ShardOutput, run_shard


def small_spec(models: Path, pairs: str = "random = 6", **changes: object) -> str:
    """The tests' spec: the two tiny lines models (absolute paths) x three methods x 6 random pairs,
    in shards of 2 pairs; `changes` replace top-level values (TOML literals as Python reprs)."""
    values: dict[str, object] = {"models": [str(models / "tiny-ae"), str(models / "tiny-vae")],
                                 "methods": ["lerp", "slerp", "crossfade"], "steps": 5, "seed": 3, "shard_size": 2,
                                 **changes}
    lines = [f"{k} = {_toml(v)}" for k, v in values.items()]
    return "\n".join([*lines, "", "[pairs]", pairs, ""])


def _toml(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return f'"{value}"' if isinstance(value, str) else str(value).lower() if isinstance(value, bool) else str(value)


def write_spec(folder: Path, text: str, name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def same_rows(a: Any, b: Any) -> bool:
    """Two row tables hold the same values, the floats bit for bit."""
    if a.schema != b.schema or a.num_rows != b.num_rows:
        return False
    for name in a.column_names:
        x, y = a.column(name).to_pylist(), b.column(name).to_pylist()
        if a.schema.field(name).type == "double":
            x = [None if v is None else struct.pack("<d", v) for v in x]
            y = [None if v is None else struct.pack("<d", v) for v in y]
        if x != y:
            return False
    return True


# The test process: a "killed worker" must never be this one. Spawned workers import this module
# again, so the pid travels in the environment they inherit, set once by the test process.
DRIVER_PID = int(os.environ.setdefault("LATENTWALK_TEST_DRIVER_PID", str(os.getpid())))


def die(marker: str) -> None:
    """Die as a killed worker does, the first time (no marker yet); refuse to take the test run down."""
    if os.path.exists(marker):
        return
    Path(marker).write_text(str(os.getpid()))
    if os.getpid() == DRIVER_PID:
        raise RuntimeError("the shard ran in the test process itself, not in a worker")
    os._exit(1)


def die_once(marker: str, task: ShardTask, model: Model) -> ShardOutput:
    """A shard function whose worker dies the first time it runs: a killed worker."""
    die(marker)
    return run_shard(task, model)
