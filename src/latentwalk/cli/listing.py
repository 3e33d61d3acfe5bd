"""`latentwalk list`: what can be named on the command line."""

from __future__ import annotations

import click

from latentwalk.cli import app


@app.command(name="list")
def list_names() -> None:
    """List path methods, schedules, built-in models, datasets, metrics, frame distances and sweep engines."""
    from latentwalk.data import DATASETS
    from latentwalk.metrics import FRAME_DISTANCES, METRICS
    from latentwalk.models import BUILTINS
    from latentwalk.paths import PATHS, SCHEDULES

    click.echo("path methods:")
    for name in PATHS:
        click.echo(f"  {name:<12} {PATHS.get(name).description}")
    click.echo("schedules:      " + ", ".join(SCHEDULES))
    from latentwalk.models.builtin import ships_current

    click.echo("built-in models (shipped: ready at once; else trained on first use and cached):")
    for name in BUILTINS:
        state = "shipped" if ships_current(name) else "trains on first use"
        click.echo(f"  {name:<12} {BUILTINS.get(name).description} [{state}]")
    click.echo("datasets:       " + ", ".join(DATASETS))
    click.echo("metrics:        " + ", ".join(METRICS))
    click.echo("distances:      " + ", ".join(FRAME_DISTANCES))
    from latentwalk.registry import import_submodules
    from latentwalk.sweep.engines import ENGINES

    import_submodules("latentwalk.sweep.engines")
    click.echo("sweep engines:  " + ", ".join(ENGINES))
