"""`latentwalk rerun DIR`: re-create an output folder from its manifest and check it bit for bit."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from latentwalk.cli import app
from latentwalk.errors import DataError

OUT_FLAGS = ("--out", "-o")


def _with_out(command: list[str], out: Path) -> list[str]:
    args = list(command[1:])  # drop the program name
    for i, a in enumerate(args):
        if a in OUT_FLAGS and i + 1 < len(args):
            args[i + 1] = str(out)
            return args
        if a.startswith("--out="):
            args[i] = f"--out={out}"
            return args
    return [*args, "--out", str(out)]


def _read_manifest(folder: Path) -> dict:  # type: ignore[type-arg]
    path = folder / "manifest.json"
    if not path.exists():
        raise DataError(f"'{folder}' has no manifest.json; give a folder written by latentwalk.")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataError(f"'{path}' is not valid JSON ({exc}).") from None
    if not isinstance(manifest.get("command"), list) or not manifest.get("files"):
        raise DataError(f"'{path}' does not record a command and its files; it cannot be re-created.")
    return manifest


@app.command()
@click.argument("folder", type=click.Path(path_type=Path))
def rerun(folder: Path) -> None:
    """Run the command recorded in FOLDER/manifest.json again, into a temporary folder, and compare
    every file's SHA-256 with the recorded ones. Exit 0 when all match, 1 when some differ."""
    manifest = _read_manifest(folder)
    with tempfile.TemporaryDirectory(prefix="latentwalk-rerun-") as tmp:
        out = Path(tmp) / "out"
        app.main(_with_out(manifest["command"], out) + ["-q"], prog_name="latentwalk", standalone_mode=False)
        again = json.loads((out / "manifest.json").read_text())["files"]
    before = manifest["files"]
    differ = sorted(k for k in set(before) | set(again) if before.get(k) != again.get(k))
    if differ:
        click.echo(f"{len(differ)} of {len(before)} files differ: {', '.join(differ[:8])}")
        raise SystemExit(1)
    click.echo(f"all {len(before)} files re-created bit for bit")
