"""`latentwalk walk`: one walk between real items, written to a folder."""

from __future__ import annotations

import click

from latentwalk.cli import app
from latentwalk.cli.common import (
    SEED,
    check_out,
    ground_truth_for,
    output_options,
    progress_option,
    reference_for,
)
from latentwalk.config import FPS, MAX_STEPS, check_params
from latentwalk.data import resolve_item
from latentwalk.models import load_model
from latentwalk.walk import run_walk, write_walk
from latentwalk.walk.output import headline, invocation


@app.command()
@click.option("--model", "-m", "model_spec", required=True, help="Built-in name (e.g. digits-vae) or checkpoint folder.")
@click.option("--from", "-a", "src", required=True, help="Start item: DATASET:INDEX, DATASET:FACTOR=VALUE or an image file.")
@click.option("--to", "-b", "dst", required=True, help="End item, as --from.")
@click.option("--via", multiple=True, help="Keyframes to pass through on the way (repeatable).")
@click.option("--method", "methods", multiple=True, default=["slerp"], show_default=True, help="Path method (repeatable: compares them).")
@click.option("--steps", type=int, default=16, show_default=True, help=f"Frames in the walk, 2 to {MAX_STEPS}.")
@click.option("--schedule", default="uniform", show_default=True, help="t-schedule: uniform, ease-in-out, or even (frames evenly spaced in decoded change).")
@click.option("--loop", is_flag=True, help="Return to the start (a seamless loop for videos).")
@click.option("--posterior", type=click.Choice(["mean", "sample"]), default="mean", show_default=True, help="Encode to the posterior mean or a sample of it.")
@click.option("--distance", default="l2", show_default=True, help="Frame distance for the metrics: l2 or ssim.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed for every random choice.")
@click.option("--fps", type=float, default=8, show_default=True, help="Frames per second of walk.gif and walk.mp4.")
@output_options
@progress_option
def walk(model_spec: str, src: str, dst: str, via: tuple[str, ...], methods: tuple[str, ...], steps: int, schedule: str,
         loop: bool, posterior: str, distance: str, seed: int, fps: float, out: str, force: bool, quiet: bool) -> None:
    """Walk from one item to another in MODEL's latent space."""
    from latentwalk.walk.core import check_walk_request

    check_params({"fps": [FPS]}, {"fps": fps}, "walk")
    check_walk_request(list(methods), steps, schedule, distance)
    check_out(out, force)
    model, meta = load_model(model_spec, progress=not quiet)
    modality = getattr(model, "modality", "image")
    check_walk_request(list(methods), steps, schedule, distance, data_shape=tuple(model.data_shape))
    items = [resolve_item(s, tuple(model.data_shape), modality) for s in (src, *via, dst)]
    result = run_walk(model, items, list(methods), steps, schedule, loop, posterior, seed, distance,
                    ground_truth_for(meta), reference=reference_for(meta))  # type: ignore[arg-type]
    manifest = {
        **invocation(),
        "model": {"spec": model_spec, "family": meta.get("family"), "weights_sha256": meta.get("weights_sha256"),
                  "builtin": meta.get("builtin"), "config": meta.get("config"), "trained_on": meta.get("trained_on")},
    }
    write_walk(result, out, manifest, fps, modality, force)
    for name, mw in result.walks.items():
        click.echo(f"{name:>10}  {headline(mw)}")
    click.echo(f"wrote {out}")
