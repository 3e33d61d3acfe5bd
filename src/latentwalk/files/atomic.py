"""Shared ground: one file written all at once (a report, a picture, an exported model)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from latentwalk.errors import OutputError


def write_atomically(path: str | os.PathLike[str], write: Callable[[Path], object]) -> Path:
    """Call write(tmp) on a temporary file beside `path`, then rename it onto `path`.

    A reader (a browser refreshing the report) never sees a half-written file, and a failure
    leaves no partial file behind. The temporary name keeps the suffix so writers that pick a
    format from it still work.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"Cannot write {target}: {exc.strerror or exc}. Choose a writable folder.") from exc
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a report is meant to be read
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputError(f"Cannot write {target}: {exc.strerror or exc}. Choose a writable folder.") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target
