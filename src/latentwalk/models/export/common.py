"""What writing and reading a latentwalk `.pt2` share: its names, the error texts that point to
save_exported, and a cheap look at an archive's metadata."""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

from latentwalk.models.checkpoint import MAX_CONFIG_BYTES

FORMAT, FORMAT_VERSION = "latentwalk-exported", 1
META_FILE = "latentwalk.json"
SUFFIX = ".pt2"
PROGRAMS = {"decode": "model", "encode": "encode"}  # role -> program name; "model" is what torch.export.load returns
EXPECTED = "a .pt2 file written by latentwalk.models.export.save_exported"
HOW = "save it with latentwalk.models.export.save_exported(path, decode=..., latent_shape=..., data_shape=...)"

ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
              NotImplementedError, RuntimeError, KeyError)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def peek(path: Path) -> dict[str, Any] | None:
    """The latentwalk.json of a regular file that is a PT2 zip, read without its weights; else None."""
    try:
        if not path.is_file():  # a FIFO, a device or a folder is never opened here
            return None
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            root = names[0].partition("/")[0] + "/" if names else ""
            info = zf.getinfo(f"{root}extra/{META_FILE}")
            if f"{root}archive_format" not in names or info.file_size > MAX_CONFIG_BYTES:
                return None
            meta = json.loads(zf.read(info))
    except (*ZIP_ERRORS, RecursionError):
        return None
    return meta if isinstance(meta, dict) else None
