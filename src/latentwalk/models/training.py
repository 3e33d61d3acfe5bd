"""Training with a fixed seed, a progress bar and early stopping on a held-out split.

The global RNG is never touched for good: parameter initialisation runs inside
`torch.random.fork_rng()` with the given seed, and batches are shuffled by a local generator.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from latentwalk.models.families import FAMILIES


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 40
    batch_size: int = 64
    lr: float = 2e-3
    patience: int = 5  # epochs without a better validation loss before stopping
    val_fraction: float = 0.1
    seed: int = 0
    threads: int | None = 1  # small models train faster on one thread; None keeps torch's setting


@dataclass
class TrainReport:
    epochs_run: int
    best_val_loss: float
    stopped_early: bool
    history: list[dict[str, float]] = field(default_factory=list)


def build(family: str, config: Any, seed: int) -> nn.Module:
    """A family's model with its weights drawn from `seed`, after checking its size (no allocation)."""
    from latentwalk.models.families import check_param_budget

    cls = FAMILIES.get(family)
    check_param_budget(f"The '{family}' config", lambda: cls(config))
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return cls(config)  # type: ignore[no-any-return]


def _split(x: torch.Tensor, frac: float, g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    perm = torch.randperm(len(x), generator=g)
    n_val = max(1, int(len(x) * frac))
    return x[perm[n_val:]], x[perm[:n_val]]


@torch.no_grad()
def _evaluate(model: nn.Module, x: torch.Tensor, batch: int, g: torch.Generator) -> float:
    model.eval()
    total = 0.0
    for i in range(0, len(x), batch):
        xb = x[i : i + batch]
        total += float(model.training_loss(xb, g)["loss"]) * len(xb)  # type: ignore[operator]
    return total / len(x)


def train(model: nn.Module, x: torch.Tensor, cfg: TrainConfig, progress: bool = True, desc: str = "train") -> TrainReport:
    """Fit `model` on x (N, *X) in place; keeps the weights of the best validation epoch.

    Tiny models spend more time waking OpenMP threads than computing, so training runs on
    `cfg.threads` threads (1 by default) and restores torch's setting afterwards.
    """
    before = torch.get_num_threads()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    try:
        return _train(model, x, cfg, progress, desc)
    finally:
        torch.set_num_threads(before)


def _train(model: nn.Module, x: torch.Tensor, cfg: TrainConfig, progress: bool, desc: str) -> TrainReport:
    from tqdm.auto import tqdm

    g = torch.Generator().manual_seed(cfg.seed)
    x_train, x_val = _split(x, cfg.val_fraction, g)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    best, best_state, bad, history = math.inf, None, 0, []
    bar = tqdm(range(cfg.epochs), desc=desc, disable=not progress, file=sys.stderr, leave=False)
    epoch = -1
    for epoch in bar:
        model.train()
        perm = torch.randperm(len(x_train), generator=g)
        for i in range(0, len(x_train), cfg.batch_size):
            losses = model.training_loss(x_train[perm[i : i + cfg.batch_size]], g)  # type: ignore[operator]
            opt.zero_grad(set_to_none=True)
            losses["loss"].backward()
            opt.step()
        val = _evaluate(model, x_val, 256, torch.Generator().manual_seed(cfg.seed + 1))
        history.append({"epoch": epoch, "val_loss": val})
        bar.set_postfix(val_loss=f"{val:.2f}")
        if math.isinf(best) or val < best - 1e-4 * abs(best):
            best, bad = val, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
            if bad >= cfg.patience:
                break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainReport(epoch + 1, best, epoch + 1 < cfg.epochs, history)
