"""The evaluate table: per (model, method, schedule), every metric's mean over pairs and its 95 % interval.

The interval is Student's t: mean ± t(0.975, n - 1) · s / √n over the n pairs where the metric is
defined (ACAI Smoothness is undefined when the endpoints share an angle); it needs n ≥ 2.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from latentwalk.sweep.tables import metric_names

# The columns the printed table and the picture show (Berthelot et al. 2019's two ACAI scores first).
HEADLINE = {
    "acai.mean_distance": "ACAI mean dist",
    "acai.smoothness": "ACAI smooth",
    "realism.middle_excess": "realism mid-excess",
    "smoothness.evenness": "evenness",
    "smoothness.max_step_ratio": "max/mean step",
    "typicality.mid_norm_ratio": "mid-norm ratio",
    "ppl.mean": "PPL",
    "reconstruction.recon_error_end": "ends' recon RMS",
    "inversion.rmse": "inversion RMSE",
    "faces.mid_off_manifold": "off-face mid",
    "faces.factor_monotonicity": "factor monotone",
    "audio.max_pitches": "max pitches",
    "audio.loudness_monotone": "loudness monotone",
}


def interval(values: np.ndarray) -> dict[str, float | int | None]:
    """{"n", "mean", "ci_low", "ci_high"} of the finite values (None where undefined)."""
    v = values[np.isfinite(values)]
    n = int(v.size)
    if n == 0:
        return {"n": 0, "mean": None, "ci_low": None, "ci_high": None}
    mean = float(v.mean())
    if n < 2:
        return {"n": n, "mean": mean, "ci_low": None, "ci_high": None}
    from scipy.stats import t

    half = float(t.ppf(0.975, n - 1) * v.std(ddof=1) / math.sqrt(n))
    return {"n": n, "mean": mean, "ci_low": mean - half, "ci_high": mean + half}


@dataclass
class SummaryTable:
    """One entry per (model, method, schedule); `rows` is every walk (a pyarrow Table)."""

    groups: list[dict[str, Any]]
    metrics: list[str]
    rows: Any = field(default=None, repr=False)

    def __getitem__(self, key: tuple[str, ...]) -> dict[str, Any]:
        """table["lines-vae", "slerp"] (or with the schedule) -> {metric: {"n", "mean", "ci_low", "ci_high"}}."""
        for g in self.groups:
            if (g["model"], g["method"], g["schedule"])[: len(key)] == tuple(key):
                return dict(g["metrics"])
        raise KeyError(key)

    def to_json(self) -> dict[str, Any]:
        return {"interval": "95 % Student t over pairs", "metrics": self.metrics, "groups": self.groups}

    def to_csv(self) -> str:
        """Wide CSV: model, model_sha256, method, schedule, walks, then mean/ci_low/ci_high/n per metric."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["model", "model_sha256", "method", "schedule", "walks",
                    *[f"{m}.{k}" for m in self.metrics for k in ("mean", "ci_low", "ci_high", "n")]])
        for g in self.groups:
            cells = [g["metrics"].get(m, {}).get(k) for m in self.metrics for k in ("mean", "ci_low", "ci_high", "n")]
            w.writerow([g["model"], g["model_sha256"], g["method"], g["schedule"], g["walks"],
                        *["" if c is None else repr(c) for c in cells]])
        return buf.getvalue()

    def headline(self) -> list[str]:
        return [m for m in HEADLINE if m in self.metrics]

    def format(self) -> str:
        """The table as text: mean ± half the 95 % interval of the headline metrics."""
        cols = self.headline()
        several = len({(g["model"], g["schedule"]) for g in self.groups}) > 1
        label = [(f"{g['model']} {g['method']}" + (f" ({g['schedule']})" if g["schedule"] != "uniform" else ""))
                 if several else g["method"] for g in self.groups]
        width = max([len(s) for s in label] + [6])
        lines = [f"{'':<{width}}  {'walks':>5}  " + "  ".join(f"{HEADLINE[c]:>18}" for c in cols)]
        for name, g in zip(label, self.groups, strict=True):
            cells = [_cell(g["metrics"].get(c)) for c in cols]
            lines.append(f"{name:<{width}}  {g['walks']:>5}  " + "  ".join(f"{c:>18}" for c in cells))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.format()


def _cell(stat: dict[str, Any] | None) -> str:
    if not stat or stat["mean"] is None:
        return "-"
    if stat["ci_low"] is None:
        return f"{stat['mean']:.4g}"
    return f"{stat['mean']:.4g} ± {(stat['ci_high'] - stat['ci_low']) / 2:.2g}"


def summarize(rows: Any) -> SummaryTable:
    """Group every walk by (model, method, schedule), in the rows' order, and reduce each metric."""
    names = metric_names(rows.column_names)
    cols = {n: rows.column(n).to_numpy(zero_copy_only=False).astype(np.float64) for n in names}  # null -> NaN
    keys = list(zip(*(rows.column(c).to_pylist() for c in ("model", "method", "schedule")), strict=True))
    shas = rows.column("model_sha256").to_pylist()
    order: dict[tuple[str, str, str], list[int]] = {}
    for i, k in enumerate(keys):
        order.setdefault(k, []).append(i)
    groups = []
    for (model, method, schedule), idx in order.items():
        at = np.asarray(idx)
        stats = {n: interval(cols[n][at]) for n in names}
        groups.append({"model": model, "model_sha256": shas[idx[0]], "method": method, "schedule": schedule,
                       "walks": len(idx), "metrics": {n: s for n, s in stats.items() if s["n"]}})
    used = [n for n in names if any(n in g["metrics"] for g in groups)]
    return SummaryTable(groups, used, rows)
