"""One shard's rows: every pair walked by `latentwalk.walk` — the function `latentwalk walk` calls —
so a pair-walk is computed by one code path everywhere; one row per (pair, method).

Every engine runs `run_shard` on one torch thread: a reduction split over threads adds in another
order, and the rows of a sweep must be the same bits on a laptop, a process pool and a cluster.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import torch

from latentwalk.errors import LatentwalkWarning
from latentwalk.models.model import Model
from latentwalk.sweep.pairs import Pair
from latentwalk.sweep.shards import ShardTask

# The columns every row has, in order; the metrics follow as "metric.name" (float64), sorted.
ROW_COLUMNS = ("model", "model_sha256", "method", "schedule", "steps", "pair", "a", "b", "seed", "pair_seed", "shard")
INT_COLUMNS = frozenset({"steps", "pair", "seed", "pair_seed"})


@dataclass
class ShardOutput:
    key: str
    rows: list[dict[str, Any]]
    notes: dict[str, tuple[str, int]] = field(default_factory=dict)  # kind -> (first message, how many)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """torch on one thread for the block (the serial engine runs in the caller's process)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def prepare(models: Iterable[Model]) -> None:
    """Build what every walk of these models reads — the dataset's ground truth and training data —
    once in this process, so that a worker is warm before its first shard."""
    from latentwalk.api import ground_truth_for, reference_for

    for m in models:
        ground_truth_for(m.meta)
        reference_for(m.meta)


def metric_columns(metrics: dict[str, Any]) -> dict[str, float]:
    """{metric: MetricResult} -> {"metric.name": value} of the scalar summaries."""
    return {f"{m}.{k}": float(v) for m, r in metrics.items() for k, v in r.summary.items()}


def inversion_columns(params: dict[str, Any]) -> dict[str, float]:
    """{"inversion.rmse": mean over the inputs} of a walk whose codes were found by inversion (a GAN,
    a DDIM, a latent diffusion model: `params["inversion"]`); {} for a model with an encoder."""
    rmse = (params.get("inversion") or {}).get("rmse")
    return {"inversion.rmse": sum(map(float, rmse)) / len(rmse)} if rmse else {}


def pair_rows(model: Model, task: ShardTask, pair: Pair) -> list[dict[str, Any]]:
    """Walk one pair with every method of the task; one row per method."""
    from latentwalk.api import walk

    a = pair.xa if pair.xa is not None else pair.a
    b = pair.xb if pair.xb is not None else pair.b
    w = walk(model, a, b, method=list(task.methods), steps=task.steps, schedule=task.schedule, posterior=task.posterior,
             distance=task.distance, seed=pair.seed, metrics=list(task.metrics))
    head = {"model": task.model, "model_sha256": task.model_sha256, "schedule": task.schedule, "steps": task.steps,
            "pair": pair.index, "a": pair.a, "b": pair.b, "seed": task.seed, "pair_seed": pair.seed, "shard": task.key}
    inv = inversion_columns(w.result.params)  # the codes' error: not the crossfade's, which walks the inputs
    return [{**head, "method": name, **metric_columns(mw.metrics), **(inv if mw.codes is not None else {})}
            for name, mw in w.result.walks.items()]


def note_kind(message: str) -> str:
    """A note with its numbers blanked: "frames clamped to [-0.01, 1.02]" of every walk is one kind."""
    return re.sub(r"[-+]?\d[\d.eE+-]*", "#", message)


def merge_notes(into: dict[str, tuple[str, int]], notes: dict[str, tuple[str, int]]) -> None:
    for kind, (first, n) in notes.items():
        old = into.get(kind)
        into[kind] = (old[0], old[1] + n) if old else (first, n)


def run_shard(task: ShardTask, model: Model) -> ShardOutput:
    """Every pair of the shard, in order; notes (frames clamped, ...) counted by kind, not printed."""
    rows: list[dict[str, Any]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LatentwalkWarning)
        for pair in task.pairs:
            rows += pair_rows(model, task, pair)
    notes: dict[str, tuple[str, int]] = {}
    for w in caught:
        if issubclass(w.category, LatentwalkWarning):
            merge_notes(notes, {note_kind(str(w.message)): (str(w.message), 1)})
    return ShardOutput(task.key, rows, notes)
