"""The demo's numbers: means and 95 % intervals over random pairs drawn with the seed.

The pairs, their walk seeds and the metrics are those of `latentwalk evaluate --pairs N --seed S
--steps T` (pair i is `random_indices(S, i, n)` of latentwalk.sweep.pairs), computed here in the
demo's own process so that the demo needs no extra (evaluate writes Parquet with pyarrow).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from latentwalk.data import resolve_item
from latentwalk.models.model import Model
from latentwalk.pipeline import run_walk
from latentwalk.sweep.pairs import pair_seed, random_indices
from latentwalk.sweep.summary import interval
from latentwalk.sweep.work import metric_columns

RANK_BY = "realism.middle_excess"  # how much farther the worst middle frame is from real data than the ends


def random_pairs(dataset: str, n_items: int, seed: int, n: int) -> list[tuple[str, str, int]]:
    """The first n random pairs `latentwalk evaluate --seed` draws: (item a, item b, walk seed)."""
    out = []
    for i in range(n):
        a, b = random_indices(seed, i, n_items)
        out.append((f"{dataset}:{a}", f"{dataset}:{b}", pair_seed(seed, i)))
    return out


@dataclass
class PairMeans:
    """Per method: {metric: {"n", "mean", "ci_low", "ci_high"}} over the pairs."""

    model: str
    pairs: int
    steps: int
    seed: int
    methods: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def mean(self, method: str, metric: str) -> float:
        v = self.methods.get(method, {}).get(metric, {}).get("mean")
        return float("nan") if v is None else float(v)

    def cell(self, method: str, metric: str) -> str:
        s = self.methods.get(method, {}).get(metric)
        if not s or s["mean"] is None:
            return "–"
        if s["ci_low"] is None:
            return f"{s['mean']:.3g}"
        return f"{s['mean']:.3g} [{s['ci_low']:.3g}, {s['ci_high']:.3g}]"


def pair_means(model: Model, dataset: str, methods: list[str], n: int, seed: int, steps: int,
               ground_truth: Any, reference: Any, crossfade: bool = True, n_items: int | None = None) -> PairMeans:
    """Walk n seeded random pairs with every method (plus the crossfade unless told, when another
    model of the same data has it already: it does not depend on the model); summarise every metric.
    Without a `reference` set (then give `n_items`, the dataset's size) the realism metric is left out."""
    rows: dict[str, list[dict[str, float]]] = {}
    names = (["crossfade"] if crossfade else []) + [m for m in methods if m != "crossfade"]
    size = len(reference) if n_items is None else n_items
    for a, b, s in random_pairs(dataset, size, seed, n):
        items = [resolve_item(a, tuple(model.data_shape)), resolve_item(b, tuple(model.data_shape))]
        res = run_walk(model, items, names, steps, seed=s, ground_truth=ground_truth, reference=reference)
        for name, mw in res.walks.items():
            rows.setdefault(name, []).append(metric_columns(mw.metrics))
    out = PairMeans(model.spec, n, steps, seed)
    for name, rs in rows.items():
        keys = sorted({k for r in rs for k in r})
        out.methods[name] = {k: interval(np.array([r.get(k, np.nan) for r in rs], dtype=np.float64)) for k in keys}
    return out
