"""`latentwalk rerun DIR`: re-create an output folder from its manifest and check it bit for bit.

A manifest is data, never a command: rerun accepts only manifests latentwalk wrote (format and
version checked), takes the recorded subcommand from a fixed list and its recorded parameters,
and parses them again with that subcommand's own options — so every value is checked as if typed,
nothing else runs, and the output goes only to a fresh temporary folder (or the one given).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import Any

import click

from latentwalk.cli import app
from latentwalk.errors import DataError

RERUNNABLE = ("walk", "grid", "direction", "demo", "train")  # the commands that write a folder
OWN = ("out", "force", "quiet")  # rerun sets these itself
SCALARS = (str, int, float, bool)


def _manifest(folder: Path) -> dict[str, Any]:
    from latentwalk.files import FORMAT, FORMAT_VERSION, MANIFEST, read_manifest

    if not folder.is_dir():
        raise DataError(f"'{folder}' is not a folder; give a folder written by latentwalk.")
    if not (folder / MANIFEST).exists():
        raise DataError(f"'{folder}' has no {MANIFEST}; give a folder written by latentwalk.")
    m = read_manifest(folder)
    if m is None:
        raise DataError(f"'{folder / MANIFEST}' is not a readable JSON manifest; the folder cannot be re-created.")
    if m.get("format") != FORMAT or m.get("format_version") != FORMAT_VERSION:
        raise DataError(f"'{folder / MANIFEST}' was not written by this version of latentwalk (format "
                        f"{m.get('format')!r} {m.get('format_version')!r}); run its command again to re-create it.")
    inv = m.get("invocation")
    if not isinstance(inv, dict) or inv.get("command") not in RERUNNABLE or not isinstance(inv.get("params"), dict):
        raise DataError(f"'{folder / MANIFEST}' does not record one of {', '.join(RERUNNABLE)} with its parameters; "
                        "it cannot be re-created.")
    if not isinstance(m.get("files"), dict) or not m["files"]:
        raise DataError(f"'{folder / MANIFEST}' lists no files to compare; it cannot be re-created.")
    return m


def _word(value: Any, cwd: str | None, name: str, folder: Path | None = None) -> str:
    """One recorded value as the word a user would type; relative paths resolved where it ran, or
    else to an input file inside the folder itself (a walk exported by `latentwalk serve` carries
    its uploaded items there; the folder's own sub-folders are method names, never inputs)."""
    if not isinstance(value, SCALARS):
        raise DataError(f"The manifest records a {type(value).__name__} for '{name}', where a value is expected.")
    text = str(value)
    if isinstance(value, str) and not Path(text).is_absolute():
        if cwd and (Path(cwd) / text).exists():
            return str(Path(cwd) / text)
        inside = (folder / text).resolve() if folder is not None else None
        if inside is not None and inside.is_file() and folder is not None and folder.resolve() in inside.parents:
            return str(inside)
    return text


def _arguments(cmd: click.Command, params: dict[str, Any], cwd: str | None, folder: Path | None = None) -> list[str]:
    """The recorded parameters as the words of a command line (long `--name=value` forms, so that
    no value can be read as an option), positional arguments after `--`."""
    known = {p.name: p for p in cmd.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise DataError(f"The manifest records parameters that `latentwalk {cmd.name}` does not have: {', '.join(unknown)}.")
    options: list[str] = []
    positional: list[str] = []
    for p in cmd.params:
        if p.name in OWN or params.get(p.name) is None:
            continue
        value = params[p.name]
        values = value if isinstance(value, list) else [value]
        if isinstance(p, click.Argument):
            positional += [_word(v, cwd, p.name, folder) for v in values]
            continue
        flag = next(o for o in p.opts if o.startswith("--"))
        if getattr(p, "is_flag", False):
            if value is True:
                options.append(flag)
            elif value is not False:
                raise DataError(f"The manifest records {value!r} for the flag '{flag}'; expected true or false.")
            continue
        options += [f"{flag}={_word(v, cwd, str(p.name), folder)}" for v in values]
    return [*options, "--quiet", *(["--"] + positional if positional else [])]


def _recreate(ctx: click.Context, m: dict[str, Any], out: Path, folder: Path | None = None) -> dict[str, str]:
    from latentwalk.files import read_manifest

    inv = m["invocation"]
    cmd = app.get_command(ctx, inv["command"])
    if cmd is None:  # RERUNNABLE names commands of this app; a plug-in may have been removed
        raise DataError(f"This latentwalk has no command '{inv['command']}'.")
    args = _arguments(cmd, inv["params"], m.get("cwd"), folder)
    args.insert(0, f"--out={out}")
    try:
        sub = cmd.make_context(inv["command"], args, parent=ctx.find_root())
    except click.ClickException as exc:
        raise DataError(f"The manifest records parameters that `latentwalk {inv['command']}` rejects: "
                        f"{exc.format_message()}") from None
    with sub, contextlib.redirect_stdout(io.StringIO()):  # its own report would look like rerun's
        cmd.invoke(sub)
    again = read_manifest(out)
    return dict((again or {}).get("files") or {})


@app.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--out", "-o", type=click.Path(path_type=Path), default=None,
              help="Keep the re-created folder here (a new or empty folder); by default it is discarded.")
@click.pass_context
def rerun(ctx: click.Context, folder: Path, out: Path | None) -> None:
    """Re-create FOLDER from the parameters in its manifest.json, into a new folder, and compare every
    file's SHA-256 with the recorded ones. Exit 0 when all match, 1 when some differ."""
    from latentwalk.files import check_output

    m = _manifest(folder)
    if out is not None:
        check_output(out)
        again = _recreate(ctx, m, out, folder)
    else:
        with tempfile.TemporaryDirectory(prefix="latentwalk-rerun-") as tmp:
            again = _recreate(ctx, m, Path(tmp) / "out", folder)
    before = m["files"]
    differ = sorted(k for k in set(before) | set(again) if before.get(k) != again.get(k))
    if differ:
        click.echo(f"{len(differ)} of {len(before)} files differ: {', '.join(differ[:8])}")
        ctx.exit(1)
    click.echo(f"all {len(before)} files re-created bit for bit")
