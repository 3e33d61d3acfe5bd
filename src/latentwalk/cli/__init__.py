"""The `latentwalk` command. Bad input prints one line and exits with code 2, never a traceback."""

from __future__ import annotations

import sys
from typing import Any

import click

from latentwalk import __version__
from latentwalk.errors import LatentwalkError


class LatentwalkGroup(click.Group):
    """Turns latentwalk's own errors into `error: <one line>` and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        # The words after `latentwalk`, as typed: manifests record them so that a folder can be
        # re-created (`latentwalk rerun`), however the command was called (shell, CliRunner, API).
        protected = ctx._protected_args if hasattr(ctx, "_protected_args") else ctx.protected_args  # click 8.2 renamed it
        ctx.meta["latentwalk.argv"] = [*protected, *ctx.args]
        try:
            return super().invoke(ctx)
        except LatentwalkError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=LatentwalkGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="latentwalk")
def app() -> None:
    """Walk between real objects in a model's latent space, see and measure the walk."""


def _register() -> None:
    from latentwalk.registry import import_submodules

    import_submodules(__name__, skip=("common",))  # every command file registers itself


_register()


def main() -> None:
    app(prog_name="latentwalk")


if __name__ == "__main__":
    sys.exit(main())
