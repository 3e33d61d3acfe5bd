"""Built-in model names that train on first use and are cached outside the repository.

Each recipe names a dataset, a family, its config and a training config. The cache key holds the
recipe's version, so changing a recipe retrains instead of reading a stale model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from latentwalk.config import cache_dir
from latentwalk.models.autoencoders import ConvAEConfig
from latentwalk.models.checkpoint import load_checkpoint, save_checkpoint
from latentwalk.models.training import TrainConfig, build, train
from latentwalk.registry import Registry


@dataclass(frozen=True)
class Recipe:
    dataset: str
    family: str
    config: Any
    train: TrainConfig
    version: int = 1
    description: str = ""


BUILTINS: Registry[Recipe] = Registry("built-in model")

_DIGITS = ConvAEConfig(channels=1, size=16, latent_dim=16, width=16)
_LINES = ConvAEConfig(channels=1, size=32, latent_dim=16, width=16, arch="mlp")
BUILTINS.add("digits-ae", Recipe("digits", "ae", _DIGITS, TrainConfig(epochs=25, lr=2e-3), description="AE on 16x16 digits"))
BUILTINS.add("digits-vae", Recipe("digits", "vae", _DIGITS, TrainConfig(epochs=25, lr=2e-3), description="VAE on 16x16 digits"))
BUILTINS.add("lines-ae", Recipe("lines", "ae", _LINES, TrainConfig(epochs=30, lr=1e-3), description="AE on 32x32 lines"))
BUILTINS.add("lines-vae", Recipe("lines", "vae", _LINES, TrainConfig(epochs=30, lr=1e-3), description="VAE on 32x32 lines"))


def builtin_path(name: str) -> Path:
    recipe = BUILTINS.get(name)
    return cache_dir() / "models" / f"{name}-r{recipe.version}"


def train_recipe(name: str, out: Path, progress: bool = True) -> tuple[nn.Module, dict[str, Any]]:
    from latentwalk.data import get_dataset

    recipe = BUILTINS.get(name)
    split = get_dataset(recipe.dataset).load()
    model = build(recipe.family, recipe.config, recipe.train.seed)
    start = time.perf_counter()
    report = train(model, split.x, recipe.train, progress=progress, desc=f"training {name}")
    extra = {
        "builtin": name,
        "recipe_version": recipe.version,
        "trained_on": {"dataset": recipe.dataset, "n_items": len(split.x)},
        "training": {
            "seed": recipe.train.seed,
            "epochs_run": report.epochs_run,
            "stopped_early": report.stopped_early,
            "best_val_loss": report.best_val_loss,
            "seconds": round(time.perf_counter() - start, 2),
        },
    }
    save_checkpoint(model, out, extra)
    return load_checkpoint(out)


def load_builtin(name: str, progress: bool = True) -> tuple[nn.Module, dict[str, Any]]:
    path = builtin_path(name)
    if (path / "config.json").exists():
        return load_checkpoint(path)
    return train_recipe(name, path, progress)
