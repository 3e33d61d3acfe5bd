"""`latentwalk demo`: the one-minute lesson, as an HTML report."""

from __future__ import annotations

import click

from latentwalk.cli import app
from latentwalk.cli.common import SEED, check_out, progress_option


def _table(rows: list[list[str]], header: list[str]) -> str:
    rows = [[*map(str, r[: len(header)]), *["–"] * (len(header) - len(r))] for r in rows]  # sections may give fewer columns
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*header), fmt.format(*["-" * w for w in widths])] + [fmt.format(*r) for r in rows])


@app.command()
@click.option("--out", "-o", default="latentwalk-demo", show_default=True, type=click.Path(), help="Report folder.")
@click.option("--force", is_flag=True, help="Write into a folder that holds other files too; never deletes or "
              "overwrites files latentwalk did not write.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--all-families", is_flag=True, hidden=True,  # every family is in the demo now: kept for old scripts
              help="No longer needed: the demo walks every model family.")
@progress_option
def demo(out: str, force: bool, seed: int, all_families: bool, quiet: bool) -> None:
    """Train (or load cached) small models on embedded data and write an HTML report that teaches
    latent interpolation: crossfade vs LERP vs SLERP vs matched, with the numbers that judge them."""
    from pathlib import Path

    from latentwalk.demo import run_demo
    check_out(out, force)
    ctx = run_demo(out, seed=seed, progress=not quiet, force=force)
    click.echo(_table(ctx.summary, ["model", "pair", "method", "evenness", "max/mean", "mid excess", "ACAI dist"]))
    click.echo(f"\nreport: {Path(out) / 'index.html'}   ({ctx.timings['total']:.1f} s)")
