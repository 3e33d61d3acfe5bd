"""Built-in model names that train on first use and are cached outside the repository.

Each recipe names a dataset, a family, its config and a training config; every family trains in
the one loop of models/training.py, its own maths plugged in through hooks. The cache key holds
the recipe's version, so changing a recipe retrains instead of reading a stale model.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latentwalk.config import cache_dir
from latentwalk.errors import CheckpointError
from latentwalk.models.audio import AudioAEConfig
from latentwalk.models.autoencoders import ConvAEConfig
from latentwalk.models.checkpoint import load_checkpoint, save_checkpoint
from latentwalk.models.ddim import DDIMConfig, DDIMTrainConfig
from latentwalk.models.gan import GANConfig, GANTrainConfig
from latentwalk.models.ldm import LDMConfig, LDMTrainConfig
from latentwalk.models.training import TrainConfig, TrainReport, build, train
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
_LINES_AE = ConvAEConfig(channels=1, size=32, latent_dim=16, width=16, arch="mlp", depth=1)
# The VAE needs more capacity and steps than the AE before its decoded lines are sharp.
_LINES_VAE = ConvAEConfig(channels=1, size=32, latent_dim=8, width=32, arch="mlp", depth=2)
BUILTINS.add("digits-ae", Recipe("digits", "ae", _DIGITS, TrainConfig(epochs=25, lr=2e-3), description="AE on 16x16 digits"))
BUILTINS.add("digits-vae", Recipe("digits", "vae", _DIGITS, TrainConfig(epochs=25, lr=2e-3), description="VAE on 16x16 digits"))
BUILTINS.add("lines-ae", Recipe("lines", "ae", _LINES_AE, TrainConfig(epochs=30, lr=1e-3), version=2, description="AE on 32x32 lines"))
BUILTINS.add(
    "lines-vae",
    Recipe("lines", "vae", _LINES_VAE, TrainConfig(epochs=80, lr=1e-3, patience=8), version=2, description="VAE on 32x32 lines"),
)

# Sound (issue 3): log-magnitude spectrograms of the synthesized `tones` set; see models/audio.py.
# r3: 1-D convolutions over log frequency (a pitch change is a shift), 3-d code, beta = 4, 144 ms
# columns: the 180 -> 500 Hz walk glides with one pitch (r2, an MLP with an 8-d code, made chords).
_TONES = AudioAEConfig(latent_dim=3, hidden=128, pool=9, beta=4.0, arch="logconv", channels=16)
_TONES_TRAIN = TrainConfig(epochs=30, lr=3e-3, batch_size=32)
BUILTINS.add("tones-vae", Recipe("tones", "audio-vae", _TONES, _TONES_TRAIN, version=3, description="VAE on 1 s sound spectrograms"))
BUILTINS.add("tones-ae", Recipe("tones", "audio-ae", _TONES, _TONES_TRAIN, version=3, description="AE on 1 s sound spectrograms"))

# GAN, latent-diffusion autoencoder and DDIM noise latent (issue 4): their configs carry their loops'
# numbers (random batches for a fixed number of steps, or epochs without a held-out split).
BUILTINS.add("digits-gan", Recipe("digits", "gan", GANConfig(size=16, latent_dim=16, width=32), GANTrainConfig(steps=1500),
                                  description="DCGAN on 16x16 digits (inverted)"))
BUILTINS.add("lines-gan", Recipe("lines", "gan", GANConfig(size=32, latent_dim=8, width=16, arch="mlp"), GANTrainConfig(steps=3000),
                                 description="MLP GAN on 32x32 lines (inverted)"))
BUILTINS.add("digits-ldm-ae", Recipe("digits", "ldm-ae", LDMConfig(), LDMTrainConfig(epochs=10),
                                     description="AutoencoderKL on digits, latent (4, 4, 4)"))
BUILTINS.add("digits-ddim", Recipe("digits", "ddim", DDIMConfig(width=16, patch=2, sample_steps=50), DDIMTrainConfig(steps=1500),
                                   description="DDIM noise latent x_T on digits"))


def builtin_path(name: str) -> Path:
    recipe = BUILTINS.get(name)
    return cache_dir() / "models" / f"{name}-r{recipe.version}"


def fit_recipe(recipe: Recipe, x: torch.Tensor, progress: bool = True, desc: str = "train") -> tuple[nn.Module, TrainReport]:
    """A recipe's model, built from its seed and trained on x (N, *X)."""
    model = build(recipe.family, recipe.config, recipe.train.seed)
    return model, train(model, x, recipe.train, progress=progress, desc=desc)


def train_recipe(name: str, out: Path, progress: bool = True) -> tuple[nn.Module, dict[str, Any]]:
    from latentwalk.data import get_dataset

    recipe = BUILTINS.get(name)
    split = get_dataset(recipe.dataset).load()
    start = time.perf_counter()
    model, report = fit_recipe(recipe, split.x, progress, desc=f"training {name}")
    extra = {
        "builtin": name,
        "recipe_version": recipe.version,
        "trained_on": {"dataset": recipe.dataset, "n_items": len(split.x)},
        "training": {
            "seed": recipe.train.seed,
            "epochs_run": report.epochs_run,
            "steps_run": report.steps_run,
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
        try:
            return load_checkpoint(path)
        except CheckpointError as exc:  # the cache is ours: a stale or damaged entry is retrained
            print(f"latentwalk: retraining {name} ({exc})", file=sys.stderr)
    return train_recipe(name, path, progress)


def _train_in_worker(name: str) -> tuple[str, str | None]:
    """(name, None) when trained; (name, message) when it cannot be (e.g. a missing extra)."""
    from latentwalk.errors import LatentwalkError

    try:
        train_recipe(name, builtin_path(name), progress=False)
    except LatentwalkError as exc:
        return name, str(exc)
    return name, None


def prepare_builtins(names: list[str], progress: bool = True, workers: int = 2) -> None:
    """Train the built-ins that are not cached yet, several at once in separate processes.

    Each process trains on one thread, so two processes use both cores of a small machine
    without their OpenMP pools fighting. `spawn` keeps children clear of the parent's threads.
    """
    import concurrent.futures as cf
    import multiprocessing as mp

    todo = [n for n in dict.fromkeys(names) if not (builtin_path(n) / "config.json").exists()]
    if len(todo) <= 1 or workers <= 1:
        for n in todo:
            load_builtin(n, progress)
        return
    if progress:
        print(f"latentwalk: training {', '.join(todo)} (first run only, cached in {cache_dir()})", file=sys.stderr)
    todo.sort(key=lambda n: -BUILTINS.get(n).train.planned_steps(1800))  # longest first (sets of ~1,800 items)
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
        for done, problem in pool.map(_train_in_worker, todo):
            if problem is not None:  # the caller meets the same error when it loads the model
                print(f"latentwalk: could not train {done}: {problem}", file=sys.stderr)
            elif progress:
                print(f"latentwalk: trained {done}", file=sys.stderr)
