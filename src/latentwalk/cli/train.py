"""`latentwalk train`: train a family on an embedded dataset and save a checkpoint folder."""

from __future__ import annotations

from pathlib import Path
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


def _train_recipe(name: str, steps: int | None, out: str, force: bool, quiet: bool) -> None:
    """`--recipe NAME`: the built-in's own recipe, seed and data, as its shipped weights were made."""
    import time

    from latentwalk.models.builtin import BUILTINS, train_recipe
    from latentwalk.pipeline.output import invocation

    recipe = BUILTINS.get(name)  # "did you mean" for a typo
    check_out(out, force)
    start = time.perf_counter()
    _, meta = train_recipe(name, Path(out), progress=not quiet, force=force, steps=steps, manifest=invocation())
    t = meta["training"]
    click.echo(f"trained {name} ({recipe.family} on {recipe.dataset}) by its recipe in {time.perf_counter() - start:.1f} s "
               f"({t['steps_run']} steps, loss {t['best_val_loss']:.4g}); wrote {out}")


@app.command()
@click.option("--recipe", default=None, help="Train a built-in model by its own recipe (see `latentwalk list`); "
              "no other model option is allowed with it.")
@click.option("--steps", type=click.IntRange(1, 10_000_000), default=None,
              help="With --recipe: cut the recipe to this many steps (a quick check that it trains).")
@click.option("--data", "dataset", default=None, help="Embedded image dataset: digits or lines.")
@click.option("--family", default=None, help=f"Model family: {' or '.join(CLI_FAMILIES)}.")
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
def train(recipe: str | None, steps: int | None, dataset: str | None, family: str | None, latent_dim: int, width: int,
          arch: str, beta: float, epochs: int, lr: float, seed: int, out: str, force: bool, quiet: bool) -> None:
    """Train a model on an embedded dataset, or a built-in by its recipe (--recipe NAME);
    writes model.safetensors + config.json + manifest.json."""
    import time

    if recipe is not None:
        ctx = click.get_current_context()  # a value other than the default (rerun repeats the defaults)
        given = [str(p.name) for p in ctx.command.params if p.name in ("dataset", "family", "latent_dim", "width", "arch",
                                                                       "beta", "epochs", "lr", "seed")
                 and ctx.params[str(p.name)] != p.default]
        if given:
            raise InvalidParameterError(f"--recipe trains by the recipe's own settings; leave out --{'data' if given[0] == 'dataset' else given[0].replace('_', '-')}.")
        _train_recipe(recipe, steps, out, force, quiet)
        return
    if steps is not None:
        raise InvalidParameterError("--steps cuts a recipe short; use it with --recipe (or --epochs for a new model).")
    if dataset is None or family is None:
        raise InvalidParameterError("Give --data and --family (e.g. --data digits --family vae), or --recipe NAME.")

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
