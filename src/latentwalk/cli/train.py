"""`latentwalk train`: train a family on an embedded dataset and save a checkpoint folder."""

from __future__ import annotations

import click

from latentwalk.cli import app
from latentwalk.cli.common import progress_option


@app.command()
@click.option("--data", "dataset", required=True, help="Embedded dataset: digits or lines.")
@click.option("--family", required=True, help="Model family: ae or vae.")
@click.option("--latent-dim", type=int, default=16, show_default=True)
@click.option("--width", type=int, default=16, show_default=True, help="Network width.")
@click.option("--arch", type=click.Choice(["conv", "mlp"]), default="conv", show_default=True)
@click.option("--beta", type=float, default=1.0, show_default=True, help="VAE: weight of the KL term.")
@click.option("--epochs", type=int, default=30, show_default=True)
@click.option("--lr", type=float, default=2e-3, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "-o", required=True, type=click.Path(), help="Checkpoint folder to write.")
@progress_option
def train(dataset: str, family: str, latent_dim: int, width: int, arch: str, beta: float, epochs: int, lr: float,
          seed: int, out: str, quiet: bool) -> None:
    """Train a model on an embedded dataset; writes model.safetensors + config.json."""
    import time
    from numbers import Integral, Real

    from latentwalk.config import Interval, check_params
    from latentwalk.data import get_dataset
    from latentwalk.models import FAMILIES, TrainConfig, build, save_checkpoint
    from latentwalk.models import train as fit

    check_params({"epochs": [Interval(Integral, 1, 10_000)], "lr": [Interval(Real, 0, 1, "neither")],
                  "seed": [Interval(Integral, 0, 2**63 - 1)]}, {"epochs": epochs, "lr": lr, "seed": seed}, "train")
    ds = get_dataset(dataset)
    cls = FAMILIES.get(family)
    split = ds.load()
    c, size = split.x.shape[1], split.x.shape[-1]
    config = cls.config_class(channels=c, size=size, latent_dim=latent_dim, width=width, beta=beta, arch=arch)
    model = build(family, config, seed)
    start = time.perf_counter()
    report = fit(model, split.x, TrainConfig(epochs=epochs, lr=lr, seed=seed), progress=not quiet, desc=f"training {family}")
    extra = {"trained_on": {"dataset": dataset, "n_items": len(split.x)},
             "training": {"seed": seed, "epochs_run": report.epochs_run, "stopped_early": report.stopped_early,
                          "best_val_loss": report.best_val_loss, "seconds": round(time.perf_counter() - start, 2)}}
    save_checkpoint(model, out, extra)
    click.echo(f"trained {family} on {dataset} in {extra['training']['seconds']} s "
               f"({report.epochs_run} epochs, val loss {report.best_val_loss:.3f}); wrote {out}")
