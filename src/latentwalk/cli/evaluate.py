"""`latentwalk evaluate`: the ACAI-style table of one model or several (a sweep of random pairs)."""

from __future__ import annotations

import click

from latentwalk.cli import app
from latentwalk.cli.common import SEED, engine_options, output_options, progress_option
from latentwalk.cli.sweep import finish, report_interrupt
from latentwalk.config import MAX_STEPS


@app.command()
@click.option("--model", "-m", "models", multiple=True, required=True,
              help="Built-in name or checkpoint folder (repeatable: one table for all).")
@click.option("--method", "methods", multiple=True, default=["lerp", "slerp", "matched"], show_default=True,
              help="Path method (repeatable); the crossfade is always added.")
@click.option("--pairs", type=int, default=64, show_default=True, help="Random pairs drawn with --seed.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the pairs (and of each walk's randomness).")
@click.option("--steps", type=int, default=16, show_default=True, help=f"Frames per walk, 2 to {MAX_STEPS}.")
@click.option("--schedule", default="uniform", show_default=True, help="t-schedule: uniform, ease-in-out or even.")
@click.option("--data", default=None, help="Dataset to draw pairs from (default: the one each model was trained on).")
@click.option("--distance", default="rms", show_default=True, help="Frame distance for the metrics: rms or ssim.")
@output_options
@engine_options
@progress_option
@click.pass_context
def evaluate(ctx: click.Context, models: tuple[str, ...], methods: tuple[str, ...], pairs: int, seed: int, steps: int,
             schedule: str, data: str | None, distance: str, out: str, force: bool, engine: str, workers: int | None,
             address: str | None, quiet: bool) -> None:
    """Per model and method (plus the crossfade): ACAI Mean Distance and Smoothness (lines), realism middle
    excess, evenness, max/mean step, mid-norm ratio and PPL, as mean and 95 % interval over random pairs
    (ground-truth items where the dataset has factors). Writes evaluate.json, .csv, .png and rows.parquet."""
    from latentwalk.api import evaluate_sweep
    from latentwalk.pipeline.output import invocation
    from latentwalk.sweep import SweepInterrupted

    try:
        result = evaluate_sweep(list(models), methods=list(methods), pairs=pairs, seed=seed, steps=steps,
                                schedule=schedule, data=data, distance=distance, out=out, force=force, engine=engine,
                                workers=workers, address=address, progress=not quiet, record=invocation())
    except SweepInterrupted as exc:
        report_interrupt(ctx, exc)
        return
    finish(result, out)
