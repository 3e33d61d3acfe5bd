"""The `latentwalk` command. Bad input prints one line and exits with code 2, never a traceback;
Ctrl-C exits with 130; what latentwalk did on the user's behalf is one `note:` line each."""

from __future__ import annotations

import contextlib
import sys
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import click

from latentwalk import __version__
from latentwalk.errors import LatentwalkError, LatentwalkWarning

INTERRUPTED = 130  # 128 + SIGINT, what shells report


class _Interrupted(Exception):
    """Ctrl-C inside a command, carried past click (which would print an empty line for it)."""


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    def show(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
        label = "note" if issubclass(category, LatentwalkWarning) else "warning"
        click.echo(f"{label}: {_one_line(str(message))}", err=True)

    with warnings.catch_warnings():
        warnings.simplefilter("default", LatentwalkWarning)
        warnings.showwarning = show
        yield


class LatentwalkGroup(click.Group):
    """Turns latentwalk's own errors and click's usage errors into `error: <one line>` and exit 2."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            with _warnings_as_lines():
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.ClickException as exc:  # usage errors: bad option values, unknown options
            ctx = getattr(exc, "ctx", None)
            where = f"latentwalk {ctx.info_name}" if ctx is not None and ctx.parent is not None else "latentwalk"
            click.echo(f"error: {_one_line(exc.format_message())} (see `{where} --help`)", err=True)
            sys.exit(2)
        except (_Interrupted, click.Abort, KeyboardInterrupt):
            click.echo("error: interrupted; nothing was written.", err=True)
            sys.exit(INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        # The words after `latentwalk`, as typed, for people reading a manifest; `rerun` uses the
        # parsed parameters instead (pipeline/output.py: invocation).
        argv = list(args)
        ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta["latentwalk.argv"] = argv
        return ctx

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except LatentwalkError as exc:
            click.echo(f"error: {_one_line(str(exc))}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            raise _Interrupted from None


@click.group(cls=LatentwalkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="latentwalk")
def app() -> None:
    """Walk between real objects in a model's latent space, see and measure the walk."""


def _register() -> None:
    from latentwalk.registry import import_submodules

    import_submodules(__name__, skip=("common",))  # every command file registers itself


_register()


def main() -> None:
    app.main(prog_name="latentwalk")


if __name__ == "__main__":
    main()  # app.main exits with the command's status itself
