"""Shared ground: reading only plain files of a sane size, streamed hashes, strict JSON."""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from latentwalk.errors import LatentwalkError, note

MANIFEST = "manifest.json"


# -- reading: plain files only ----------------------------------------------------------------

_SPECIAL = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
            (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _size(n: float) -> str:
    return f"{n / 2**30:.4g} GiB" if n >= 2**30 else f"{n / 2**20:.4g} MiB"


def check_regular_file(path: Path, limit: int, error: type[LatentwalkError], expected: str, name: str = "") -> None:
    """Refuse at once anything but a regular file of at most `limit` bytes, before opening it:
    reading a FIFO or a device blocks or never ends (a link to /dev/zero hashes forever), and a
    folder cannot be read. A link is judged by its target (os.stat follows it)."""
    name = name or str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise error(f"'{name}' does not exist; check the path.") from None
    except (OSError, ValueError) as exc:  # a name too long, a loop of links, no permission, a NUL byte
        raise error(f"'{name}' cannot be opened ({getattr(exc, 'strerror', None) or exc}); give {expected}.") from None
    if not stat.S_ISREG(st.st_mode):
        kind = next((k for test, k in _SPECIAL if test(st.st_mode)), "a special file")
        verb = "links to" if path.is_symlink() else "is"
        raise error(f"'{name}' {verb} {kind}, not a regular file; give {expected}.")
    if st.st_size > limit:
        raise error(f"'{name}' is {st.st_size:,} bytes, over latentwalk's limit of {_size(limit)} for this file; "
                    f"give {expected} that is smaller.")


# -- hashing and JSON -------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    """Streamed SHA-256 of a regular file."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def walk_files(folder: Path) -> Iterator[tuple[str, os.stat_result]]:
    """(relative path, lstat) of every entry below `folder` except folders; symlinks not followed."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        for name in sorted(files) + sorted(d for d in dirs if os.path.islink(os.path.join(root, d))):
            p = Path(root, name)
            yield p.relative_to(folder).as_posix(), p.lstat()


def file_hashes(folder: Path) -> dict[str, str]:
    """{relative path: SHA-256} of every file in a folder we wrote, manifest.json excepted."""
    return {rel: sha256_file(folder / rel) for rel, _ in sorted(walk_files(folder)) if rel != MANIFEST}


def _finite(obj: Any, bad: list[int]) -> Any:
    """A copy of `obj` for JSON: NaN and inf become None (counted), tuples lists, paths strings."""
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        bad.append(1)
        return None
    if isinstance(obj, dict):
        return {str(k): _finite(v, bad) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v, bad) for v in obj]
    if isinstance(obj, str | int | bool) or obj is None:
        return obj
    if hasattr(obj, "item") and getattr(obj, "ndim", 1) == 0:  # numpy / torch scalars
        return _finite(obj.item(), bad)
    if hasattr(obj, "tolist"):
        return _finite(obj.tolist(), bad)
    return str(obj)


def json_text(obj: Any, indent: int | None = 2) -> tuple[str, int]:
    """Strict JSON (no bare NaN, which is not JSON) and the number of values written as null."""
    bad: list[int] = []
    text = json.dumps(_finite(obj, bad), indent=indent, allow_nan=False) + "\n"
    return text, len(bad)


def write_json(path: Path, obj: Any) -> None:
    text, n_bad = json_text(obj)
    if n_bad:
        note(f"{path.name}: {n_bad} value(s) were NaN or inf and are written as null.")
    path.write_text(text)


def versions() -> dict[str, str]:
    import platform

    import numpy as np
    import torch

    from latentwalk import __version__

    return {"latentwalk": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "numpy": np.__version__}


