"""Shared ground: output folders that replace only what latentwalk wrote, written all at once.

Every folder latentwalk writes (a walk, a grid, a direction, a demo report, a checkpoint) is built
in a hidden staging folder beside its destination and ends with `manifest.json`, which lists every
file with its SHA-256. That list is what makes a folder "ours":

- a destination that does not exist, is empty, or holds exactly the files its manifest lists
  (every hash matching, nothing else) is replaced: the old folder is moved aside, the new one
  renamed in, then the old one's listed files are removed — Ctrl-C is held back during the two
  renames, so an interrupt leaves the old folder or the new one whole, never half of each;
- a destination holding anything else (a user's file, a note added to an old walk, a file
  changed since it was written) is refused, unless `force`: then the new files are written beside
  the user's, the old folder's own files are replaced, and a name that collides with a user's file
  is still refused. latentwalk never deletes or overwrites a file it did not write;
- the current folder, its ancestors and the home folder are refused whatever they hold.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from latentwalk.errors import OutputError, note
from latentwalk.files.reading import MANIFEST, file_hashes, sha256_file, versions, walk_files, write_json

FORMAT = "latentwalk-output"
FORMAT_VERSION = 2
MAX_MANIFEST_BYTES = 64 << 20
NAME_MAX = 255  # bytes in one path component on common file systems
STAGE_ROOM = 32  # what ".NAME.partial-XXXXXXXX" adds to a name
HEX64 = re.compile(r"[0-9a-f]{64}")


# -- what is ours ------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest as a dict when it is a regular, readable JSON object; else None."""
    path = folder / MANIFEST
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MANIFEST_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _recorded_files(manifest: dict[str, Any] | None) -> dict[str, str]:
    """The files a manifest written by latentwalk lists (older versions wrote no "format" but a
    "command"); {} for any other manifest.json, such as a web app's."""
    m = manifest or {}
    files = m.get("files")
    if not isinstance(files, dict) or not (m.get("format") == FORMAT or "command" in m):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str) and HEX64.fullmatch(v)}


@dataclass
class Holdings:
    """What an existing folder holds: files latentwalk wrote (hash as recorded) and everything else."""

    ours: set[str] = field(default_factory=set)  # includes manifest.json when the manifest is ours
    foreign: list[str] = field(default_factory=list)  # files, links, empty folders we did not write


def holdings(folder: Path) -> Holdings:
    manifest = read_manifest(folder)
    recorded = _recorded_files(manifest)
    h = Holdings()
    for rel, st in walk_files(folder):
        if rel == MANIFEST and recorded or rel in recorded and stat.S_ISREG(st.st_mode) and sha256_file(folder / rel) == recorded[rel]:
            h.ours.add(rel)
        else:
            h.foreign.append(rel)
    parents = {p.as_posix() for rel in h.ours for p in Path(rel).parents if p.as_posix() != "."}
    for root, dirs, _ in os.walk(folder, followlinks=False):
        for d in dirs:
            rel = Path(root, d).relative_to(folder).as_posix()
            if not os.path.islink(folder / rel) and rel not in parents and _is_empty(folder / rel):
                h.foreign.append(rel + "/")
    return h


def _is_empty(folder: Path) -> bool:
    with os.scandir(folder) as it:
        return next(it, None) is None


# -- where we may write ------------------------------------------------------------------------


def _refuse(out: Path, why: str) -> OutputError:
    return OutputError(f"Will not write to '{out}': {why}.")


def _check_names(out: Path) -> None:
    for part in out.parts:
        if len(os.fsencode(part)) > NAME_MAX - STAGE_ROOM:
            raise _refuse(out, f"the name '{part[:24]}…' is too long ({len(os.fsencode(part))} bytes; "
                               f"at most {NAME_MAX - STAGE_ROOM}). Choose a shorter --out")
    if len(os.fsencode(str(out.absolute()))) > 4000:
        raise _refuse(out, "the path is longer than the file system allows. Choose a shorter --out")


def check_output(out: str | Path, force: bool = False) -> Path:
    """Refuse a destination that latentwalk must not replace; cheap enough to call before any work.

    Returns the destination as a Path. The same checks run again when the folder is committed."""
    path = Path(out).expanduser()
    if str(out).strip() == "":
        raise _refuse(path, "the path is empty. Give a folder name for --out")
    _check_names(path)
    real = path.resolve()
    cwd = Path.cwd().resolve()
    if real == cwd or real in cwd.parents:
        raise _refuse(path, "it is the current folder or one of its parents. Give a new folder, e.g. --out walk01")
    if real == Path.home().resolve():
        raise _refuse(path, "it is your home folder. Give a new folder, e.g. --out walk01")
    if path.is_symlink():
        raise _refuse(path, "it is a symbolic link. Give a real folder path")
    if path.exists() and not path.is_dir():
        raise _refuse(path, "it exists and is not a folder. Choose a folder path for --out")
    if path.is_dir() and not force:
        foreign = holdings(path).foreign
        if foreign:
            shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3 else "")
            raise _refuse(path, f"it holds files latentwalk did not write or that changed since ({shown}). "
                                "Choose a new or empty folder, or add --force to write beside them "
                                "(--force never deletes or overwrites a file latentwalk did not write)")
    return path


# -- committing a staged folder ----------------------------------------------------------------


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back for a few renames, then deliver them (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = {s: signal.signal(s, lambda n, f: caught.append(n)) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if caught:
            if caught[0] == signal.SIGINT:
                raise KeyboardInterrupt
            os.kill(os.getpid(), caught[0])


def _remove_ours(folder: Path, ours: set[str]) -> None:
    """Delete the listed files, then the folders they leave empty; anything else stays."""
    for rel in sorted(ours):
        with contextlib.suppress(FileNotFoundError):
            (folder / rel).unlink()
    for parent in sorted({p for r in ours for p in Path(r).parents if p.as_posix() != "."}, key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):
            (folder / parent).rmdir()  # only succeeds when empty


def _collisions(stage: Path, out: Path, h: Holdings) -> list[str]:
    """New files whose place in `out` holds something we did not write (or a link leading elsewhere)."""
    foreign = {f.rstrip("/") for f in h.foreign}
    bad = set()
    for rel, _ in walk_files(stage):
        if rel in foreign or (out / rel).is_dir():
            bad.add(rel)
        for p in (q for q in Path(rel).parents if q.as_posix() != "."):
            q = out / p
            if (q.is_symlink() or (q.exists() and not q.is_dir())) and p.as_posix() not in h.ours:
                bad.add(p.as_posix())
    return sorted(bad)


def _merge(stage: Path, out: Path, h: Holdings) -> None:
    """--force: put the new files beside the user's; the old folder's own files go; manifest last."""
    clash = _collisions(stage, out, h)
    if clash:
        raise _refuse(out, f"'{clash[0]}' there was not written by latentwalk (or changed since) and the new "
                           "output has the same name. Move it away or choose another --out")
    _remove_ours(out, h.ours)
    for rel, _ in sorted(walk_files(stage), key=lambda e: e[0] == MANIFEST):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / rel, out / rel)
    shutil.rmtree(stage)


def _swap(stage: Path, out: Path, h: Holdings) -> None:
    """Replace a folder that holds only our files: aside, in, then remove the old one's files."""
    aside = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.replace(out, aside)  # `aside` is an empty folder: rename over it is allowed
    try:
        os.rename(stage, out)
    except OSError:
        os.rename(aside, out)
        raise
    _remove_ours(aside, h.ours)
    try:
        aside.rmdir()
    except OSError:
        note(f"'{aside}' kept: something was added to the old '{out.name}' while it was being replaced.")


def _commit(stage: Path, out: Path, force: bool) -> None:
    """Ctrl-C is held back for the few renames and deletions this takes (see the module docstring)."""
    with interrupts_held():
        _commit_now(stage, out, force)


def _commit_now(stage: Path, out: Path, force: bool) -> None:
    check_output(out, force)  # the destination may have changed while we worked
    if not out.exists():
        os.rename(stage, out)
        return
    h = holdings(out)
    if not h.ours and not h.foreign:
        out.rmdir()  # empty: fails, harmlessly, if something appeared meanwhile
        os.rename(stage, out)
    elif h.foreign:
        _merge(stage, out, h)
    else:
        _swap(stage, out, h)


@dataclass
class Stage:
    """A folder being written: put files under `path`, fill `manifest`; the rest happens on exit."""

    path: Path
    manifest: dict[str, Any]


def _finish_manifest(stage: Stage) -> None:
    if (stage.path / MANIFEST).exists():
        raise OutputError("internal: a writer wrote manifest.json itself; fill Stage.manifest instead.")
    full = {"format": FORMAT, "format_version": FORMAT_VERSION, **stage.manifest, "versions": versions(),
            "files": file_hashes(stage.path)}
    write_json(stage.path / MANIFEST, full)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def staged_output(out: str | Path, force: bool = False, manifest: dict[str, Any] | None = None) -> Iterator[Stage]:
    """Yield a Stage beside `out`; on success its manifest is written and it is committed to `out`
    (see the module's docstring); on failure or Ctrl-C the stage is removed and `out` is untouched."""
    path = check_output(out, force)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-", dir=path.parent))
    except OSError as exc:
        raise OutputError(f"Cannot write to '{path}': {exc.strerror or exc}. Choose a writable --out.") from None
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private; an output folder is meant to be read
    stage = Stage(tmp, dict(manifest or {}))
    try:
        yield stage
        _finish_manifest(stage)
        _commit(tmp, path, force)
    except OSError as exc:  # a full disk, a name the file system refuses: one line
        raise OutputError(f"Cannot write to '{path}': {exc.strerror or exc}. Choose a writable --out.") from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)  # the stage is ours alone


@contextlib.contextmanager
def staged_folder(out: Path, force: bool = False, manifest: dict[str, Any] | None = None) -> Iterator[Path]:
    """`staged_output` for writers that only need the path."""
    with staged_output(out, force, manifest) as stage:
        yield stage.path
