"""`latentwalk train`: train a family on an embedded dataset and save a checkpoint folder."""

from __future__ import annotations

from typing import cast

import click

from latentwalk.cli import app
from latentwalk.cli.common import SEED, check_out, output_options, progress_option
from latentwalk.errors import InvalidParameterError

CLI_FAMILIES = ("ae", "vae")  # the families whose config these options describe


def _check_family(family: str, dataset: str, modality: str) -> None:
    from latentwalk.models import BUILTINS, FAMILIES

    FAMILIES.get(family)  # "did you mean" for a typo
    if family not in CLI_FAMILIES or modality != "image":
        ready = ", ".join(n for n in BUILTINS.names() if BUILTINS.get(n).family == family) or "none yet"
        raise InvalidParameterError(
            f"`latentwalk train` trains the {' and '.join(CLI_FAMILIES)} families on image datasets, not "
            f"'{family}' on '{dataset}'; built-in '{family}' models trained by their recipes: {ready}."
        )


@app.command()
@click.option("--data", "dataset", required=True, help="Embedded image dataset: digits or lines.")
@click.option("--family", required=True, help=f"Model family: {' or '.join(CLI_FAMILIES)}.")
@click.option("--latent-dim", type=click.IntRange(1, 4096), default=16, show_default=True)
@click.option("--width", type=click.IntRange(1, 1024), default=16, show_default=True, help="Network width.")
@click.option("--arch", type=click.Choice(["conv", "mlp"]), default="conv", show_default=True)
@click.option("--beta", type=click.FloatRange(0, 1000), default=1.0, show_default=True,
              help="VAE: weight of the KL term (0 to 1000).")
@click.option("--epochs", type=click.IntRange(1, 10_000), default=30, show_default=True)
@click.option("--lr", type=click.FloatRange(0, 1, min_open=True), default=2e-3, show_default=True)
@click.option("--seed", type=SEED, default=0, show_default=True)
@output_options
@progress_option
def train(dataset: str, family: str, latent_dim: int, width: int, arch: str, beta: float, epochs: int, lr: float,
          seed: int, out: str, force: bool, quiet: bool) -> None:
    """Train a model on an embedded dataset; writes model.safetensors + config.json + manifest.json."""
    import time

    from latentwalk.data import get_dataset
    from latentwalk.models import FAMILIES, TrainConfig, build, save_checkpoint
    from latentwalk.models import train as fit
    from latentwalk.models.families import Family
    from latentwalk.pipeline.output import invocation

    ds = get_dataset(dataset)
    _check_family(family, dataset, ds.modality)
    check_out(out, force)
    cls = cast("type[Family]", FAMILIES.get(family))  # the registry holds plain classes; each meets Family
    split = ds.load()
    c, size = split.x.shape[1], split.x.shape[-1]
    config = cls.config_class(channels=c, size=size, latent_dim=latent_dim, width=width, beta=beta, arch=arch)
    model = build(family, config, seed)
    start = time.perf_counter()
    report = fit(model, split.x, TrainConfig(epochs=epochs, lr=lr, seed=seed), progress=not quiet, desc=f"training {family}")
    if not all(bool(p.isfinite().all()) for p in model.state_dict().values() if p.is_floating_point()):
        raise InvalidParameterError(f"Training diverged (weights became NaN or inf; best validation loss "
                                    f"{report.best_val_loss}); try a smaller --lr or --beta. Nothing was written.")
    seconds = round(time.perf_counter() - start, 2)
    extra = {"trained_on": {"dataset": dataset, "n_items": len(split.x)},
             "training": {"seed": seed, "epochs_run": report.epochs_run, "stopped_early": report.stopped_early,
                          "best_val_loss": report.best_val_loss}}
    save_checkpoint(model, out, extra, force=force, manifest={**invocation(), "training_seconds": seconds})
    click.echo(f"trained {family} on {dataset} in {seconds} s "
               f"({report.epochs_run} epochs, val loss {report.best_val_loss:.3f}); wrote {out}")
