"""`latentwalk walk`: one walk between real items, written to a folder (a thin caller of `latentwalk.walk`)."""

from __future__ import annotations

import click

from latentwalk.cli import app
from latentwalk.cli.common import SEED, check_out, device_option, output_options, progress_option
from latentwalk.config import MAX_STEPS


@app.command()
@click.option("--model", "-m", "model_spec", required=True, help="Built-in name (e.g. digits-vae), checkpoint folder or .pt2 file.")
@click.option("--from", "-a", "src", required=True, help="Start item: DATASET:INDEX, DATASET:FACTOR=VALUE or an image file.")
@click.option("--to", "-b", "dst", required=True, help="End item, as --from.")
@click.option("--via", multiple=True, help="Keyframes to pass through on the way (repeatable).")
@click.option("--method", "methods", multiple=True, default=["slerp"], show_default=True, help="Path method (repeatable: compares them).")
@click.option("--steps", type=int, default=16, show_default=True, help=f"Frames in the walk, 2 to {MAX_STEPS}.")
@click.option("--schedule", default="uniform", show_default=True, help="t-schedule: uniform, ease-in-out, or even (frames evenly spaced in decoded change).")
@click.option("--loop", is_flag=True, help="Return to the start (a seamless loop for videos).")
@click.option("--posterior", type=click.Choice(["mean", "sample"]), default="mean", show_default=True, help="Encode to the posterior mean or a sample of it.")
@click.option("--distance", default="rms", show_default=True, help="Frame distance for the metrics: rms (root mean square difference) or ssim.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed for every random choice.")
@click.option("--fps", type=float, default=8, show_default=True, help="Frames per second of walk.gif and walk.mp4.")
@output_options
@device_option
@progress_option
def walk(model_spec: str, src: str, dst: str, via: tuple[str, ...], methods: tuple[str, ...], steps: int, schedule: str,
         loop: bool, posterior: str, distance: str, seed: int, fps: float, out: str, force: bool, device: str | None,
         quiet: bool) -> None:
    """Walk from one item to another in MODEL's latent space."""
    from latentwalk.api import load_model
    from latentwalk.api import walk as walk_between
    from latentwalk.config import FPS, check_params
    from latentwalk.pipeline.core import check_walk_request
    from latentwalk.pipeline.output import headline

    check_params({"fps": [FPS]}, {"fps": fps}, "walk")
    check_walk_request(list(methods), steps, schedule, distance)  # names before the model loads
    check_out(out, force)
    model = load_model(model_spec, device=device, progress=not quiet)
    w = walk_between(model, src, dst, method=list(methods), steps=steps, via=via, schedule=schedule, loop=loop,
                        posterior=posterior, distance=distance, seed=seed, fps=fps)
    w.save(out, force=force)
    for name, mw in w.result.walks.items():
        click.echo(f"{name:>10}  {headline(mw)}")
    click.echo(f"wrote {out}")
