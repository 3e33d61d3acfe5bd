"""`latentwalk ppl`: StyleGAN's perceptual path length of a model's decoder."""

from __future__ import annotations

from typing import Any

import click

from latentwalk.cli import app
from latentwalk.cli.common import SEED, progress_option
from latentwalk.config import MAX_PPL_SAMPLES


@app.command()
@click.option("--model", "-m", "model_spec", required=True, help="Built-in name or checkpoint folder.")
@click.option("--samples", type=click.IntRange(1, MAX_PPL_SAMPLES), default=2000, show_default=True,
              help=f"Pairs of prior samples, at most {MAX_PPL_SAMPLES:,} (StyleGAN's count).")
@click.option("--sampling", type=click.Choice(["full", "end"]), default="full", show_default=True,
              help="t ~ U(0, 1) (full) or the endpoints (end).")
@click.option("--distance", default="rms", show_default=True, help="Frame distance: rms (squared for PPL, as StyleGAN's squared distances) or ssim.")
@click.option("--method", default="slerp", show_default=True, help="Path in the prior's space (StyleGAN: slerp in Z).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@progress_option
def ppl(model_spec: str, samples: int, sampling: str, distance: str, method: str, seed: int, as_json: bool, quiet: bool) -> None:
    """Perceptual path length (Karras et al. 2019): mean of d(G(z(t)), G(z(t + 1e-4))) / 1e-8 over
    pairs z1, z2 ~ N(0, I), after dropping the samples below the 1st and above the 99th percentile.
    Lower means the decoder changes less abruptly along the prior's paths."""
    import torch

    from latentwalk.api import load_model
    from latentwalk.errors import UnsupportedOperationError
    from latentwalk.metrics import FRAME_DISTANCES, perceptual_path_length
    from latentwalk.paths import PATHS

    PATHS.get(method)  # names first, before any model is loaded
    FRAME_DISTANCES.get(distance)
    model = load_model(model_spec, progress=not quiet)
    meta = model.meta
    if getattr(model, "prior", "none") != "gaussian":
        raise UnsupportedOperationError(
            f"PPL samples codes from a N(0, I) prior, but '{model_spec}' has prior '{model.prior}'; use a VAE or GAN."
        )
    with torch.no_grad():
        ppl_numbers = perceptual_path_length(model.decode, tuple(model.latent_shape), samples, sampling=sampling,
                                             distance=distance, space_method=method, generator=torch.Generator().manual_seed(seed))
    # the numbers, then what they were measured on
    result: dict[str, Any] = {**ppl_numbers, "model": model_spec, "weights_sha256": meta.get("weights_sha256"),
                              "sampling": sampling, "distance": distance, "method": method, "seed": seed}
    if as_json:
        from latentwalk.files import json_text

        click.echo(json_text(result)[0].rstrip())
    else:
        click.echo(f"PPL ({sampling}, {distance}, {method}) of {model_spec}: {result['mean']:.4g} "
                   f"(kept {int(result['n_kept'])} of {int(result['n_samples'])} samples)")
