"""One training loop for every family; the family supplies its maths through hooks.

As Lightning's `training_step` or the loop diffusers' training scripts share, the loop is written
once: one thread, a seeded generator on the model's device, the held-out split, batches (shuffled
epochs, or random batches for a fixed number of steps), progress, validation, early stopping and
the report. A family defines any of these methods (see `Hooks`); the trainer has a default for
each one it lacks:

    training_loss(x, generator) -> {"loss": ...}    every family has it (models.families.Family)
    configure_optimizers(cfg, total_steps) -> Optimization    default: Adam(all parameters, cfg.lr)
    training_step(batch, run) -> {"loss": ...}      default: training_loss, then run.optimise(loss)
    validation_loss(x, generator) -> float          default: mean training_loss()["loss"], eval mode
    on_step_end(run)                                after each step, e.g. an EMA of the weights
    on_fit_end(x)                                   after training, e.g. the LDM's scaling factor

The run is cut into rounds (an epoch, or `val_every` steps); each ends with validation on the
held-out split, or, without one, with the round's mean training loss, which early stopping watches.
The global RNG is never touched for good: parameter initialisation runs inside
`torch.random.fork_rng()` with the given seed, and batches are drawn by a local generator.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, NamedTuple, Protocol

import torch
from torch import nn

from latentwalk.config import Interval, check_params
from latentwalk.models.families import FAMILIES

Losses = dict[str, torch.Tensor]

_CONSTRAINTS: dict[str, list[Any]] = {
    "epochs": [Interval(Integral, 1, None)],
    "steps": [Interval(Integral, 1, None), None],
    "batch_size": [Interval(Integral, 1, None)],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "patience": [Interval(Integral, 1, None), None],
    "val_fraction": [Interval(Real, 0, 1, closed="left")],
    "val_every": [Interval(Integral, 1, None), None],
    "threads": [Interval(Integral, 1, None), None],
}


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 40  # shuffled passes over the training split (when `steps` is None)
    steps: int | None = None  # instead of epochs: this many batches drawn at random (GAN, diffusion)
    batch_size: int = 64
    lr: float = 2e-3
    patience: int | None = 5  # rounds without a better monitored loss before stopping; None: never stop
    val_fraction: float = 0.1  # held out for validation; 0: train on everything
    val_every: int | None = None  # steps per round when `steps` is set (None: a tenth of them)
    seed: int = 0
    threads: int | None = 1  # small models train faster on one thread; None keeps torch's setting

    def __post_init__(self) -> None:
        check_params(_CONSTRAINTS, vars(self), type(self).__name__)

    def planned_steps(self, n_train: int) -> int:
        """Optimiser steps the whole run takes on `n_train` training items (early stopping aside)."""
        return self.steps if self.steps is not None else self.epochs * math.ceil(n_train / self.batch_size)


@dataclass
class TrainReport:
    epochs_run: int  # whole passes over the training split (in step mode: steps * batch / items)
    best_val_loss: float  # the monitored loss of the weights kept
    stopped_early: bool
    history: list[dict[str, float]] = field(default_factory=list)  # one entry per round
    steps_run: int = 0


class Optimization(NamedTuple):
    """What `configure_optimizers` returns: named optimisers, and schedulers stepped after every step."""

    optimizers: dict[str, torch.optim.Optimizer]
    schedulers: tuple[torch.optim.lr_scheduler.LRScheduler, ...] = ()


@dataclass
class Run:
    """What the hooks see of the run in progress."""

    cfg: TrainConfig
    generator: torch.Generator  # on the model's device; draws in hooks go through it
    optimization: Optimization
    step: int = 0

    def optimise(self, loss: torch.Tensor, name: str | None = None) -> None:
        """Backpropagate `loss` and step optimiser `name` (the first one when None)."""
        opts = self.optimization.optimizers
        opt = opts[name] if name is not None else next(iter(opts.values()))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()


class Hooks(Protocol):
    """The hooks a family may define (all optional but `training_loss`); signatures for the reader."""

    def training_loss(self, x: torch.Tensor, generator: torch.Generator | None) -> Losses: ...

    def configure_optimizers(self, cfg: TrainConfig, total_steps: int) -> Optimization: ...

    def training_step(self, batch: torch.Tensor, run: Run) -> Losses: ...

    def validation_loss(self, x: torch.Tensor, generator: torch.Generator) -> float: ...

    def on_step_end(self, run: Run) -> None: ...

    def on_fit_end(self, x: torch.Tensor) -> None: ...


def build(family: str, config: Any, seed: int) -> nn.Module:
    """A family's model with its weights drawn from `seed`, after checking its size (no allocation)."""
    from latentwalk.models.families import check_param_budget

    cls = FAMILIES.get(family)
    check_param_budget(f"The '{family}' config", lambda: cls(config))
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return cls(config)


# ----------------------------------------------------------------------------------------------
# The defaults of the hooks


def default_optimizers(model: nn.Module, cfg: TrainConfig, total_steps: int) -> Optimization:
    return Optimization({"model": torch.optim.Adam(model.parameters(), lr=cfg.lr)})


def default_training_step(model: nn.Module, batch: torch.Tensor, run: Run) -> Losses:
    losses: Losses = model.training_loss(batch, run.generator)  # type: ignore[operator]
    run.optimise(losses["loss"])
    return losses


@torch.no_grad()
def default_validation_loss(model: nn.Module, x: torch.Tensor, generator: torch.Generator) -> float:
    total = 0.0
    for xb in x.split(256):
        total += float(model.training_loss(xb, generator)["loss"]) * len(xb)  # type: ignore[operator]
    return total / len(x)


def _nothing(model: nn.Module, *args: Any) -> None:
    """The default of `on_step_end` and `on_fit_end`."""


def _hook(model: nn.Module, name: str, default: Callable[..., Any] = _nothing) -> Callable[..., Any]:
    """The family's own hook, else the default bound to the model."""
    own = getattr(model, name, None)
    return own if own is not None else lambda *args: default(model, *args)


# ----------------------------------------------------------------------------------------------
# The loop's parts


def _device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def _split(x: torch.Tensor, frac: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(train, val); no split and no draw when frac is 0."""
    if frac == 0:
        return x, None
    perm = torch.randperm(len(x), generator=g, device=g.device)
    n_val = max(1, int(len(x) * frac))
    return x[perm[n_val:]], x[perm[:n_val]]


def _rounds(cfg: TrainConfig) -> list[int | None]:
    """Steps of each round in step mode (`val_every`, a tenth of the run by default); None per epoch."""
    if cfg.steps is None:
        return [None] * cfg.epochs
    every = cfg.val_every or max(1, cfg.steps // 10)
    return [min(every, cfg.steps - start) for start in range(0, cfg.steps, every)]


def _batches(n: int, batch_size: int, g: torch.Generator, steps: int | None) -> Iterator[torch.Tensor]:
    """Indices of each batch of a round, drawn lazily so that they interleave with the training
    draws in a fixed order: a shuffled epoch (steps None) or `steps` batches with replacement."""
    if steps is None:
        yield from torch.randperm(n, generator=g, device=g.device).split(batch_size)
        return
    for _ in range(steps):
        yield torch.randint(0, n, (batch_size,), generator=g, device=g.device)


class _EarlyStopping:
    """Watches the monitored loss; keeps the best weights when it may stop (patience set)."""

    def __init__(self, patience: int | None) -> None:
        self.patience, self.best, self.bad = patience, math.inf, 0
        self.state: dict[str, torch.Tensor] | None = None
        self.last = math.inf

    def should_stop(self, loss: float, model: nn.Module) -> bool:
        self.last = loss
        if self.patience is None:
            return False
        if math.isinf(self.best) or loss < self.best - 1e-4 * abs(self.best):
            self.best, self.bad = loss, 0
            self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            return False
        self.bad += 1
        return self.bad >= self.patience

    def restore(self, model: nn.Module) -> float:
        """Load the best weights (if kept) and return the monitored loss of the weights now held."""
        if self.state is None:
            return self.last
        model.load_state_dict(self.state)
        return self.best


class _Means:
    """Batch-size-weighted means of a round's training losses."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.n = 0

    def add(self, losses: Losses, n: int) -> None:
        for k, v in losses.items():
            self.sums[k] = self.sums.get(k, 0.0) + float(v.detach()) * n
        self.n += n

    def result(self) -> dict[str, float]:
        return {k: v / max(self.n, 1) for k, v in self.sums.items()}


# ----------------------------------------------------------------------------------------------
# The loop


def train(model: nn.Module, x: torch.Tensor, cfg: TrainConfig, progress: bool = True, desc: str = "train") -> TrainReport:
    """Fit `model` on x (N, *X) in place with the family's hooks; returns the report.

    Tiny models spend more time waking OpenMP threads than computing, so training runs on
    `cfg.threads` threads (1 by default) and restores torch's setting afterwards.
    """
    before = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        return _fit(model, x, cfg, progress, desc)
    finally:
        torch.set_num_threads(before)


def _round(model: nn.Module, x_train: torch.Tensor, run: Run, steps: int | None, bar: Any) -> dict[str, float]:
    """One epoch (steps None) or `steps` random batches; returns the mean training losses."""
    step, on_step_end = _hook(model, "training_step", default_training_step), _hook(model, "on_step_end")
    means = _Means()
    model.train()
    for idx in _batches(len(x_train), run.cfg.batch_size, run.generator, steps):
        means.add(step(x_train[idx], run), len(idx))
        for scheduler in run.optimization.schedulers:
            scheduler.step()
        run.step += 1
        on_step_end(run)
        bar.update(1)
    return means.result()


def _validate(model: nn.Module, x_val: torch.Tensor, cfg: TrainConfig) -> float:
    # the same noise every round (a fresh generator), so rounds are compared on equal terms
    g = torch.Generator(device=x_val.device).manual_seed(cfg.seed + 1)
    model.eval()
    with torch.no_grad():
        return float(_hook(model, "validation_loss", default_validation_loss)(x_val, g))


def _fit(model: nn.Module, x: torch.Tensor, cfg: TrainConfig, progress: bool, desc: str) -> TrainReport:
    from tqdm.auto import tqdm

    device = _device(model)
    x = x.to(device)
    g = torch.Generator(device=device).manual_seed(cfg.seed)
    x_train, x_val = _split(x, cfg.val_fraction, g)
    total = cfg.planned_steps(len(x_train))
    run = Run(cfg, g, _hook(model, "configure_optimizers", default_optimizers)(cfg, total))
    stopper, history = _EarlyStopping(cfg.patience), []
    bar = tqdm(total=total, desc=desc, disable=not progress, file=sys.stderr, leave=False)
    rounds = _rounds(cfg)
    for i, steps in enumerate(rounds):
        entry: dict[str, float] = {("round" if cfg.steps else "epoch"): i, **_round(model, x_train, run, steps, bar)}
        if x_val is not None:
            entry["val_loss"] = _validate(model, x_val, cfg)
        history.append(entry)
        monitored = entry.get("val_loss", entry.get("loss", math.nan))
        bar.set_postfix(loss=f"{monitored:.4g}")
        if stopper.should_stop(monitored, model):
            break
    bar.close()
    best = stopper.restore(model)
    model.eval()
    _hook(model, "on_fit_end")(x)
    epochs = len(history) if cfg.steps is None else run.step * cfg.batch_size // len(x_train)
    return TrainReport(epochs, best, len(history) < len(rounds), history, run.step)
