"""Built-in model names: recipes, and the weights trained by them that ship inside the package.

Each recipe names a dataset, a family, its config and a training config; every family trains in
the one loop of models/training.py, its own maths plugged in through hooks.

Shipped weights (models/weights/NAME/: model.safetensors + config.json + manifest.json) are what
a built-in name loads: a fresh install walks at once and never trains. config.json records the
recipe's fingerprint (SHA-256 of its canonical JSON), the training data's hash, the seed, the steps
and the final losses; manifest.json (latentwalk's output manifest) the files' hashes and the
training time. `python -m latentwalk.models.ship NAME` re-trains NAME by its recipe into that folder,
`latentwalk train --recipe NAME --out DIR` anywhere else. A recipe without shipped weights, or
whose fingerprint no longer matches them, trains on first use into the user's cache instead
(keyed by the fingerprint, so a changed recipe never reads a stale model).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latentwalk.config import cache_dir
from latentwalk.errors import CheckpointError
from latentwalk.models.acai import ACAIConfig, ACAITrainConfig, AudioACAIConfig
from latentwalk.models.audio import AudioAEConfig
from latentwalk.models.autoencoders import ConvAEConfig
from latentwalk.models.checkpoint import load_checkpoint, save_checkpoint
from latentwalk.models.ddim import DDIMConfig, DDIMTrainConfig
from latentwalk.models.gan import GANConfig, GANTrainConfig
from latentwalk.models.latent_diffusion import LatentDDIMConfig
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
BUILTINS.add("digits-ae", Recipe("digits", "ae", _DIGITS, TrainConfig(epochs=25, lr=2e-3), description="AE on 16x16 digits"))
BUILTINS.add("digits-vae", Recipe("digits", "vae", _DIGITS, TrainConfig(epochs=25, lr=2e-3), description="VAE on 16x16 digits"))
_DIGITS_ACAI = ACAIConfig(channels=1, size=16, latent_dim=16, width=16, ema=0.999)
BUILTINS.add("digits-acai", Recipe("digits", "acai", _DIGITS_ACAI, ACAITrainConfig(steps=8000, lr=1e-3, lr_final=0.05),
                                   description="ACAI on 16x16 digits"))

# lines (r3: the ACAI benchmark's rendering): one fully connected architecture for the AE, the VAE and
# ACAI, so that the three families compare as in the paper's table 1. Fully connected rather than
# convolutional: on one CPU thread the paper's convolutional ACAI was still 1.27x the crossfade's
# Mean Distance after 8 minutes, this one passes the crossfade within 3 (bench/lines_curve.py).
_LINES_NETS: dict[str, Any] = {"channels": 1, "size": 32, "latent_dim": 16, "width": 16, "arch": "mlp", "depth": 2}
_LINES_AE = ConvAEConfig(**_LINES_NETS)
_LINES_VAE = ConvAEConfig(**_LINES_NETS, beta=0.5)  # beta 1 / 0.5 / 0.25: 0.70x / 0.63x / 0.66x the crossfade's Mean Distance
_LINES_TRAIN = TrainConfig(epochs=400, lr=1e-3, patience=20)  # ~11,000 steps, the same budget for the AE and the VAE
BUILTINS.add("lines-ae", Recipe("lines", "ae", _LINES_AE, _LINES_TRAIN, version=3,
                                description="AE on 32x32 lines"))
BUILTINS.add(
    "lines-vae",
    Recipe("lines", "vae", _LINES_VAE, _LINES_TRAIN, version=3, description="VAE on 32x32 lines"),
)
# ACAI (Berthelot et al. 2019) on the benchmark's lines: the AE's nets, the paper's lambda and gamma,
# random batches with a cosine decay of the learning rate and an average of the weights. Twice the
# width reached the same Mean Distance with a worse Smoothness (0.78 vs 0.58 after 60,000 steps).
_LINES_ACAI = ACAIConfig(**_LINES_NETS, ema=0.999)
BUILTINS.add("lines-acai", Recipe("lines", "acai", _LINES_ACAI, ACAITrainConfig(steps=150_000, lr=5e-4, lr_final=0.05),
                                  description="ACAI on 32x32 lines"))

# faces (issue 10): 64x64 colour, the "deep" nets (stride-2 convolutions down to 4x4 and resize-convolutions
# back up). r1's two-layer nets (150 epochs) blurred every mouth. Batches of 32 faces, one thread, measured
# on 64 random pairs (off-face mid-walk, slerp, as a ratio to the crossfade's; factor monotonicity): VAE
# beta 0.1 / 0.25 / 0.5 / 0.75 / 1 -> 0.59x / 0.55x / 0.55x / 0.485x (0.90) / 0.485x (0.88), ends' recon
# RMS 0.031 / 0.034 / 0.032 / 0.033 / 0.033; 0.75 ships (smile direction 1.29). ACAI at 8,000 / 14,000 steps:
# recon 0.047 / 0.043, off-face 0.66x at 14,000: softer than the VAE and its mixes farther from a face.
_FACES: dict[str, Any] = {"channels": 3, "size": 64, "latent_dim": 32, "width": 16, "arch": "deep"}
BUILTINS.add("faces-vae", Recipe("faces", "vae", ConvAEConfig(**_FACES, beta=0.75),
                                 TrainConfig(epochs=160, lr=1e-3, batch_size=32, patience=15), version=2,
                                 description="VAE on 64x64 procedural faces"))
BUILTINS.add("faces-acai", Recipe("faces", "acai", ACAIConfig(**_FACES, ema=0.999),
                                  ACAITrainConfig(steps=14_000, lr=1e-3, batch_size=32, lr_final=0.05), version=2,
                                  description="ACAI on 64x64 procedural faces"))

# Sound (issue 3): log-magnitude spectrograms of the synthesized `tones` set; see models/audio.py.
# r3: 1-D convolutions over log frequency (a pitch change is a shift), 3-d code, beta = 4, 144 ms
# columns: the 180 -> 500 Hz walk glides with one pitch (r2, an MLP with an 8-d code, made chords).
_TONES = AudioAEConfig(latent_dim=3, hidden=128, pool=9, beta=4.0, arch="logconv", channels=16)
_TONES_TRAIN = TrainConfig(epochs=30, lr=3e-3, batch_size=32)
BUILTINS.add("tones-vae", Recipe("tones", "audio-vae", _TONES, _TONES_TRAIN, version=3, description="VAE on 1 s sound spectrograms"))
BUILTINS.add("tones-ae", Recipe("tones", "audio-ae", _TONES, _TONES_TRAIN, version=3, description="AE on 1 s sound spectrograms"))
_TONES_ACAI = AudioACAIConfig(latent_dim=3, hidden=128, pool=9, arch="logconv", channels=16, ema=0.999)
BUILTINS.add("tones-acai", Recipe("tones", "audio-acai", _TONES_ACAI, ACAITrainConfig(steps=6000, lr=1e-3, batch_size=32, lr_final=0.05),
                                  description="ACAI on 1 s sound spectrograms"))

# GAN, latent-diffusion autoencoder and DDIM noise latent (issue 4): their configs carry their loops'
# numbers (random batches for a fixed number of steps, or epochs without a held-out split).
# digits-gan (issue 9): hinge loss, averaged generator, upsample + conv; the last quarter of the steps
# trains the inversion encoder. A tenth of the digits is held out (bench/bench_gan.py measures on it).
# latent_dim 32: held-out inversion RMSE 0.054 at 16 (the generator's range), 0.035 at 32, 0.030 at 64
# with blurrier samples (4,000 steps each).
BUILTINS.add("digits-gan", Recipe("digits", "gan", GANConfig(size=16, latent_dim=32, width=32),
                                  GANTrainConfig(steps=8000, val_fraction=0.1, val_every=500), version=2,
                                  description="hinge GAN on 16x16 digits (encoder + inversion)"))
BUILTINS.add("lines-gan", Recipe("lines", "gan", GANConfig(size=32, latent_dim=8, width=16, arch="mlp"), GANTrainConfig(steps=3000),
                                 description="MLP GAN on 32x32 lines (inverted)"))
BUILTINS.add("digits-ldm-ae", Recipe("digits", "ldm-ae", LDMConfig(), LDMTrainConfig(epochs=10),
                                     description="AutoencoderKL on digits, latent (4, 4, 4)"))
# r2 (issue 9): diffusers' UNet2DModel (no patch-2 transposed convolution, so no checkerboards). Longer
# training made walks jumpier (the x_T -> x_0 map grows sharp borders between digits): eps-prediction
# for 750 / 1,500 / 3,000 / 6,000 steps gave evenness 0.80 / 0.69 / 0.58 / 0.54 on 12 held-out pairs,
# v-prediction for 500 / 750 / 1,500 steps 0.82 / 0.78 / 0.73 on 32, 32 and 16 pairs, all with clean
# frames (high-frequency share <= 1.12x the data's) and inversion RMSE < 0.03; width 8 sprinkled dots.
# v rather than eps: at 750 steps the eps model decoded 6 of 12 random x_T to noise (its first step
# divides by sqrt(a_T), x 37); the v model at 500 steps decodes all 12 to digits, a little grainy.
BUILTINS.add("digits-ddim", Recipe("digits", "ddim", DDIMConfig(width=16, sample_steps=50, prediction_type="v_prediction"),
                                   DDIMTrainConfig(steps=500, lr=1e-3),
                                   version=2, description="DDIM noise latent x_T on digits"))
# A DDIM in digits-ldm-ae's latent, whose weights it copies when it trains: re-ship it after that one.
BUILTINS.add("digits-ldm", Recipe("digits", "ldm", LatentDDIMConfig(width=24), DDIMTrainConfig(steps=4000, lr=1e-3),
                                  description="latent diffusion: DDIM x_T (4, 4, 4) in digits-ldm-ae"))
# faces at 32x32 (issue 9 item 4): the digits DDIM recipe in colour (1.07 MB; 734 s on one thread while other
# trainings shared the 2 cores). A faces GAN of the digits recipe (width 20 to ship in 1.5 MB; 10,000 steps)
# decoded mottled, colour-noised blobs (inversion RMSE 0.056): not shipped, no recipe until it is good.
BUILTINS.add("faces-ddim", Recipe("faces32", "ddim", DDIMConfig(channels=3, size=32, width=16, sample_steps=50,
                                                                prediction_type="v_prediction"),
                                  DDIMTrainConfig(steps=1500, lr=1e-3), description="DDIM noise latent x_T on 32x32 faces"))


SHIPPED_DIR = Path(__file__).parent / "weights"


def recipe_fingerprint(recipe: Recipe) -> str:
    """SHA-256 of the recipe's canonical JSON: dataset, family, version, model and training config."""
    body = {"dataset": recipe.dataset, "family": recipe.family, "version": recipe.version,
            "config": {"class": type(recipe.config).__name__, **dataclasses.asdict(recipe.config)},
            "train": {"class": type(recipe.train).__name__, **dataclasses.asdict(recipe.train)}}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def data_fingerprint(x: torch.Tensor) -> str:
    """SHA-256 of a training set's float32 values and shape (same data, same hash, on any machine)."""
    h = hashlib.sha256(repr(tuple(x.shape)).encode())
    h.update(x.detach().to(torch.float32).contiguous().cpu().numpy().tobytes())
    return h.hexdigest()


def shipped_path(name: str) -> Path:
    return SHIPPED_DIR / name


def ships_current(name: str) -> bool:
    """True when NAME's weights ship with the package and were trained by the recipe as it is now."""
    cfg = shipped_path(name) / "config.json"
    if not cfg.is_file():
        return False
    try:
        recorded = json.loads(cfg.read_text()).get("recipe_sha256")
    except (OSError, ValueError, AttributeError):
        return False
    return bool(recorded == recipe_fingerprint(BUILTINS.get(name)))


def builtin_path(name: str) -> Path:
    """Where NAME's weights are read from: the package's own, else the user's cache."""
    if ships_current(name):
        return shipped_path(name)
    return cache_dir() / "models" / f"{name}-{recipe_fingerprint(BUILTINS.get(name))[:12]}"


def fit_recipe(recipe: Recipe, x: torch.Tensor, progress: bool = True, desc: str = "train") -> tuple[nn.Module, TrainReport]:
    """A recipe's model, built from its seed and trained on x (N, *X)."""
    model = build(recipe.family, recipe.config, recipe.train.seed)
    return model, train(model, x, recipe.train, progress=progress, desc=desc)


def shortened(recipe: Recipe, steps: int) -> Recipe:
    """The recipe cut to `steps` optimiser steps (or one epoch), for a test that it still trains."""
    t = recipe.train
    short = dataclasses.replace(t, steps=steps, val_every=None) if t.steps is not None else dataclasses.replace(t, epochs=1)
    return dataclasses.replace(recipe, train=short)


def train_recipe(name: str, out: Path, progress: bool = True, force: bool = False, steps: int | None = None,
                 manifest: dict[str, Any] | None = None) -> tuple[nn.Module, dict[str, Any]]:
    """Train built-in NAME by its recipe (cut to `steps` when given) and save it to `out`."""
    from latentwalk.data import get_dataset

    recipe = BUILTINS.get(name)
    if steps is not None:
        recipe = shortened(recipe, steps)
    split = get_dataset(recipe.dataset).load()
    start = time.perf_counter()
    model, report = fit_recipe(recipe, split.x, progress, desc=f"training {name}")
    save_trained(name, recipe, model, report, split.x, out, round(time.perf_counter() - start, 2), force, manifest)
    return load_checkpoint(out)


def save_trained(name: str, recipe: Recipe, model: nn.Module, report: TrainReport, x: torch.Tensor, out: Path,
                 seconds: float, force: bool = False, manifest: dict[str, Any] | None = None) -> Path:
    """Save a model trained by `recipe` with its provenance: recipe and data fingerprints, seed, steps, losses."""
    last = report.history[-1] if report.history else {}
    extra = {
        "builtin": name,
        "recipe_version": recipe.version,
        "recipe_sha256": recipe_fingerprint(recipe),
        "trained_on": {"dataset": recipe.dataset, "n_items": len(x), "data_sha256": data_fingerprint(x)},
        "training": {
            "seed": recipe.train.seed,
            "epochs_run": report.epochs_run,
            "steps_run": report.steps_run,
            "stopped_early": report.stopped_early,
            "best_val_loss": report.best_val_loss,
            "final_losses": {k: v for k, v in last.items() if k not in ("round", "epoch")},
        },
    }
    return save_checkpoint(model, out, extra, force=force, manifest={**(manifest or {}), "training_seconds": seconds})


def load_builtin(name: str, progress: bool = True) -> tuple[nn.Module, dict[str, Any]]:
    path = builtin_path(name)
    if (path / "config.json").exists():
        try:
            return load_checkpoint(path)
        except CheckpointError as exc:
            if path.is_relative_to(SHIPPED_DIR):  # the package's own files were changed: say so, never retrain them
                raise CheckpointError(f"The weights shipped for '{name}' are damaged ({exc}); reinstall latentwalk.") from None
            print(f"latentwalk: retraining {name} ({exc})", file=sys.stderr)  # the cache is ours
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
