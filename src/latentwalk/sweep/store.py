"""A sweep's folder: finished shards kept as they come, so that a stopped sweep continues.

    DIR/shards/<key>.parquet     one file per finished shard, written atomically by the driver
    DIR/rows.parquet             every row of the spec, in the plan's order
    DIR/<stem>.json .csv .png    the summary table (stem: "summary" for sweep, "evaluate")
    DIR/manifest.json            written last; lists every file above with its SHA-256

What is ours follows `latentwalk.files.output`: files the manifest lists with their recorded hash,
plus shard files a stopped run left before it could write a manifest — a regular file in shards/
named <64 hex>.parquet whose Parquet footer names that key as a latentwalk shard. Anything else
in DIR is the user's: refused, or with --force kept beside, never deleted or overwritten.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from latentwalk.errors import OutputError, note
from latentwalk.files import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    check_output,
    holdings,
    interrupts_held,
    sha256_file,
    versions,
    write_atomically,
    write_json,
)
from latentwalk.sweep.tables import SHARD_FORMAT, parquet

SHARDS = "shards"
_SHARD = re.compile(r"shards/([0-9a-f]{64})\.parquet")
_LEFTOVER = re.compile(r"shards/\.[0-9a-f]{64}\.[^/]+\.parquet")  # write_atomically's temporary, if killed


def _is_shard(path: Path, key: str) -> bool:
    if path.is_symlink():
        return False
    try:
        meta = parquet().read_schema(path).metadata or {}
    except (OSError, ValueError):  # pyarrow's ArrowInvalid (a bad footer) is a ValueError
        return False
    return meta.get(b"latentwalk.format") == SHARD_FORMAT.encode() and meta.get(b"latentwalk.shard") == key.encode()


def _shown(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


class ShardStore:
    """DIR as a sweep sees it. `open` only reads; the first write is the first finished shard."""

    def __init__(self, out: Path, force: bool, finals: tuple[str, ...]) -> None:
        self.out, self.force, self.finals = out, force, finals
        self.shards: dict[str, Path] = {}  # key -> file, for every valid shard in DIR
        self.ours: set[str] = set()  # files the manifest lists (hash checked)
        self.leftovers: list[str] = []

    @classmethod
    def open(cls, out: str | Path, force: bool, finals: tuple[str, ...]) -> ShardStore:
        path = check_output(out, force=True)  # the cwd, home, links, a file: refused whatever --force says
        store = cls(path, force, finals)
        if path.is_dir():
            store._scan()
        return store

    def _scan(self) -> None:
        h = holdings(self.out)
        self.ours = set(h.ours)
        foreign = []
        for rel in [*sorted(h.ours), *h.foreign]:
            m = _SHARD.fullmatch(rel)
            if m and (rel in h.ours or _is_shard(self.out / rel, m[1])):
                self.shards[m[1]] = self.out / rel
            elif _LEFTOVER.fullmatch(rel):
                self.leftovers.append(rel)
            elif rel not in h.ours and rel != f"{SHARDS}/":
                foreign.append(rel)
        clash = sorted(f for f in foreign if f in (*self.finals, MANIFEST, SHARDS) or _SHARD.fullmatch(f))
        if foreign and not self.force or clash:
            shown = _shown(clash or foreign)
            raise OutputError(f"Will not write to '{self.out}': it holds files latentwalk did not write or that changed "
                              f"since ({shown}). Choose a new folder, or the folder of the same sweep"
                              + ("." if clash else ", or add --force to write beside them (--force never deletes or "
                                 "overwrites a file latentwalk did not write)."))

    def read(self, key: str) -> Any:
        return parquet().read_table(self.shards[key])

    def write(self, key: str, table: Any) -> None:
        path = self.out / SHARDS / f"{key}.parquet"
        write_atomically(path, lambda tmp: parquet().write_table(table, tmp))
        self.shards[key] = path

    def finish(self, write: Callable[[Path], None], manifest: dict[str, Any]) -> None:
        """Stage the final files beside DIR, then move them in and write the manifest, Ctrl-C held back."""
        self.out.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.partial-", dir=self.out.parent))
        try:
            write(stage)
            made = sorted(p.name for p in stage.iterdir())
            kept = {rel: sha256_file(self.out / rel) for rel in sorted(self.ours)
                    if rel != MANIFEST and rel not in made and (self.out / rel).is_file()}
            shards = {p.relative_to(self.out).as_posix(): sha256_file(p) for p in sorted(self.shards.values())}
            files = {**kept, **shards, **{name: sha256_file(stage / name) for name in made}}
            full = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest, "versions": versions(), "files": files}
            with interrupts_held():
                for name in made:
                    os.replace(stage / name, self.out / name)
                write_atomically(self.out / MANIFEST, lambda tmp: write_json(tmp, full))
        except OSError as exc:
            raise OutputError(f"Cannot write to '{self.out}': {exc.strerror or exc}. Choose a writable --out.") from None
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        if self.leftovers:
            note(f"{_shown(self.leftovers)} in '{self.out}' were left by an interrupted write; they are not shards "
                 "and can be deleted.")
