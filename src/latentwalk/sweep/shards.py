"""A sweep cut into shards: one model, one schedule, a run of consecutive pairs, every method.

A shard is the unit of work (one task on a worker) and of resumption (one file in DIR/shards).
It is named by the SHA-256 of everything its rows depend on — the model's spec and weights hash,
methods, schedule, steps, posterior, distance, metrics, the seed and its pairs (with the bytes
of any files) — so a shard already in DIR is the same rows, and a changed input is a new shard.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from latentwalk.sweep.pairs import Pair

ROW_FORMAT = 1  # bump when a row's columns or their meaning change: old shards are then recomputed


@dataclass(frozen=True)
class ShardTask:
    """What one worker needs to make one shard's rows (the model itself travels separately, once)."""

    key: str
    model: str  # the spec as the sweep names it
    model_sha256: str
    schedule: str
    methods: tuple[str, ...]
    steps: int
    posterior: str
    distance: str
    metrics: tuple[str, ...]
    seed: int
    pairs: tuple[Pair, ...]


def _identity(t: ShardTask) -> dict[str, Any]:
    return {
        "row_format": ROW_FORMAT, "model": t.model, "model_sha256": t.model_sha256, "schedule": t.schedule,
        "methods": list(t.methods), "steps": t.steps, "posterior": t.posterior, "distance": t.distance,
        "metrics": list(t.metrics), "seed": t.seed,
        "pairs": [[p.index, p.a, p.b, p.seed, p.digest] for p in t.pairs],
    }


def shard_key(task: ShardTask) -> str:
    """SHA-256 of the shard's inputs, as canonical JSON."""
    text = json.dumps(_identity(task), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def make_task(model: str, model_sha256: str, schedule: str, pairs: list[Pair], options: dict[str, Any]) -> ShardTask:
    """A task with its key filled in; `options` holds methods, steps, posterior, distance, metrics, seed."""
    draft = ShardTask("", model, model_sha256, schedule, pairs=tuple(pairs), **options)
    return ShardTask(**{**draft.__dict__, "key": shard_key(draft)})


def chunks(n: int, size: int) -> list[range]:
    """[0, n) in consecutive runs of `size` (the last may be shorter)."""
    return [range(i, min(i + size, n)) for i in range(0, n, size)]
