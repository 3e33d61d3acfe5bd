"""`latentwalk sweep SPEC.toml --out DIR`: many walks from a spec, as Parquet rows and a summary table."""

from __future__ import annotations

from typing import Any

import click

from latentwalk.cli import INTERRUPTED, app
from latentwalk.cli.common import engine_options, output_options, progress_option


def report_interrupt(ctx: click.Context, exc: Any) -> None:
    """Ctrl-C in a sweep: say what is kept (finished shards) and how to continue; exit 130."""
    if exc.out is not None and exc.done:
        click.echo(f"error: interrupted; {exc.done} of {exc.total} shards are kept in '{exc.out}': run the same command "
                   "again to continue.", err=True)
    else:
        click.echo("error: interrupted; nothing was written.", err=True)
    ctx.exit(INTERRUPTED)


def finish(result: Any, out: str) -> None:
    click.echo(result.summary.format())
    c = result.counts
    reused = f"; {c['reused']} of {c['shards']} shards were there already" if c["reused"] else ""
    click.echo(f"wrote {out}: {c['rows']:,} walks{reused}")


@app.command()
@click.argument("spec_path", metavar="SPEC.toml")
@output_options
@engine_options
@progress_option
@click.pass_context
def sweep(ctx: click.Context, spec_path: str, out: str, force: bool, engine: str, workers: int | None, address: str | None,
          quiet: bool) -> None:
    """Walk every pair of SPEC.toml with every model, method and schedule it names; write one row per walk
    (rows.parquet) and the summary (summary.csv, .json, .png). A stopped sweep continues where it stopped.
    See examples/sweep-lines.toml."""
    from latentwalk.pipeline.output import invocation
    from latentwalk.sweep import SweepInterrupted, load_spec, run_sweep

    spec = load_spec(spec_path)
    try:
        result = run_sweep(spec, out, engine=engine, workers=workers, address=address, force=force, progress=not quiet,
                           record=invocation())
    except SweepInterrupted as exc:
        report_interrupt(ctx, exc)
        return
    finish(result, out)
