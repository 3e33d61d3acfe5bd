"""Run a sweep: check everything, plan the shards, run those not in DIR yet, write the tables.

Nothing is written until the spec, the output folder, the models, the pairs and the engine (a Ray
address) have all been checked; then each finished shard is written as it arrives, and the rows,
summary and manifest at the end. A sweep stopped at any point continues where it stopped.
"""

from __future__ import annotations

import hashlib
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from latentwalk.errors import note
from latentwalk.models.model import Model
from latentwalk.sweep.engines import Engine, Work, make_engine
from latentwalk.sweep.pairs import ModelPairs
from latentwalk.sweep.shards import ShardTask, chunks, make_task
from latentwalk.sweep.spec import SweepSpec
from latentwalk.sweep.store import SHARDS, ShardStore
from latentwalk.sweep.summary import SummaryTable, summarize
from latentwalk.sweep.tables import assemble, shard_notes, shard_table
from latentwalk.sweep.work import ShardOutput, merge_notes, run_shard

ROWS = "rows.parquet"


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C during a sweep: what was finished is kept (in DIR/shards, when there is a DIR)."""

    def __init__(self, done: int, total: int, out: Path | None) -> None:
        super().__init__(f"{done} of {total} shards finished")
        self.done, self.total, self.out = done, total, out


@dataclass
class ModelEntry:
    spec: str  # as the sweep names it (and its rows' `model` column)
    model: Model
    sha256: str


@dataclass
class Plan:
    spec: SweepSpec
    entries: list[ModelEntry]
    tasks: list[ShardTask]


@dataclass
class SweepResult:
    rows: Any  # pyarrow.Table, one row per (model, schedule, pair, method)
    summary: SummaryTable
    out: Path | None
    counts: dict[str, int]
    engine: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)  # start (engine, workers warm), run, stop, write


# -- models -----------------------------------------------------------------------------------


def _resolved(spec: str, base: Path) -> str:
    """A built-in name as it is; a relative path from the spec's folder when it is there."""
    from latentwalk.models import BUILTINS

    p = Path(spec).expanduser()
    if spec in BUILTINS or p.is_absolute() or not (base / p).exists():
        return spec
    return str(base / p)


def _check_model_names(specs: list[str]) -> None:
    """Unknown names fail before any model is loaded (a built-in may train for a minute first)."""
    from latentwalk.models import BUILTINS, open_model

    for s in specs:
        if s not in BUILTINS and not Path(s).expanduser().exists():
            open_model(s, progress=False)  # raises the loader's own one-line error


def model_sha256(model: Model) -> str:
    """The weights hash the model carries, or one of its state's tensors (a wrapped model)."""
    recorded = model.meta.get("weights_sha256")
    if isinstance(recorded, str) and recorded:
        return recorded
    h = hashlib.sha256()
    state = model.module.state_dict() if hasattr(model.module, "state_dict") else {}
    for k, v in sorted(state.items()):
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def load_entries(spec: SweepSpec, models: dict[str, Model] | None = None, progress: bool = True) -> list[ModelEntry]:
    from latentwalk.api import load_model

    given = models or {}
    specs = [s if s in given else _resolved(s, Path(spec.base)) for s in spec.models]
    _check_model_names([s for s in specs if s not in given])
    entries = []
    for name, s in zip(spec.models, specs, strict=True):
        model = given.get(s) or load_model(s, progress=progress)
        entries.append(ModelEntry(name, model, model_sha256(model)))
    return entries


# -- the plan ---------------------------------------------------------------------------------


def make_plan(spec: SweepSpec, entries: list[ModelEntry]) -> Plan:
    """Every shard of the sweep, in the order its rows are written."""
    from latentwalk.metrics import METRICS
    from latentwalk.pipeline.core import check_walk_request

    options = {"methods": spec.methods, "steps": spec.steps, "posterior": spec.posterior, "distance": spec.distance,
               "metrics": tuple(spec.metrics or METRICS.names()), "seed": spec.seed}
    tasks = []
    for e in entries:
        m = e.model
        for schedule in spec.schedules:  # the work budget of one walk, for this model's frames
            check_walk_request(list(spec.methods), spec.steps, schedule, spec.distance, m.data_shape)
        pairs = ModelPairs(spec.pairs, spec.seed, e.spec, m.meta, m.data_shape, m.modality, Path(spec.base))
        for schedule in spec.schedules:
            for run in chunks(len(pairs), spec.shard_size):
                tasks.append(make_task(e.spec, e.sha256, schedule, [pairs.pair(i) for i in run], options))
    return Plan(spec, entries, tasks)


# -- writing ----------------------------------------------------------------------------------


def _write_finals(stage: Path, rows: Any, summary: SummaryTable, stem: str, header: dict[str, Any]) -> None:
    from latentwalk.files import write_json
    from latentwalk.sweep.plot import plot_summary
    from latentwalk.sweep.tables import parquet

    parquet().write_table(rows, stage / ROWS)
    write_json(stage / f"{stem}.json", {**header, **summary.to_json()})
    (stage / f"{stem}.csv").write_text(summary.to_csv())
    plot_summary(summary, stage / f"{stem}.png")


def _progress(total: int, done: int, engine: str, show: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=done, desc=f"sweep ({engine})", unit="shard", disable=not show, file=sys.stderr,
                leave=False)


def run_sweep(spec: SweepSpec, out: str | Path | None = None, *, engine: str = "local", workers: int | None = None,
              address: str | None = None, force: bool = False, progress: bool = True, stem: str = "summary",
              record: dict[str, Any] | None = None, models: dict[str, Model] | None = None,
              work: Work = run_shard) -> SweepResult:
    """Run `spec`; with `out`, keep finished shards there and write rows, summary and manifest.

    `models` maps names in the spec to Model objects already loaded; `record` adds to the manifest
    (the command line); `work` replaces the shard function (tests: a worker that dies once)."""
    from latentwalk.sweep.tables import arrow

    arrow()  # the extra, before any work
    finals = (ROWS, f"{stem}.json", f"{stem}.csv", f"{stem}.png")
    store = ShardStore.open(out, force, finals) if out is not None else None
    runner = make_engine(engine, workers, address, work)
    plan = make_plan(spec, load_entries(spec, models, progress))
    tables: dict[str, Any] = {t.key: store.read(t.key) for t in plan.tasks if store and t.key in store.shards}
    todo = [t for t in plan.tasks if t.key not in tables]
    seconds = {"start": 0.0, "run": 0.0, "stop": 0.0, "write": 0.0}
    if todo:
        _run(runner, plan, todo, tables, store, progress, seconds)
    t0 = time.perf_counter()
    rows = assemble([tables[t.key] for t in plan.tasks])
    summary = summarize(rows)
    counts = {"shards": len(plan.tasks), "reused": len(plan.tasks) - len(todo), "computed": len(todo),
              "rows": rows.num_rows}
    notes: dict[str, tuple[str, int]] = {}
    for t in plan.tasks:
        merge_notes(notes, shard_notes(tables[t.key]))
    if store is not None:
        header = {"spec": spec.to_json(), "counts": counts}
        manifest = {**(record or {}), "sweep": {**header, "engine": runner.describe(),
                    "models": [{"spec": e.spec, "weights_sha256": e.sha256, "family": e.model.meta.get("family")}
                               for e in plan.entries]},
                    "notes": [f"{m} ({n} walks)" for m, n in notes.values()]}
        store.finish(lambda stage: _write_finals(stage, rows, summary, stem, header), manifest)
    for first, n in notes.values():
        note(f"{first} (and {n - 1} more walks like it)" if n > 1 else first)
    seconds["write"] = time.perf_counter() - t0
    return SweepResult(rows, summary, store.out if store else None, counts, runner.describe(), seconds)


def _kept(plan: Plan, tables: dict[str, Any], store: Any) -> int:
    """Shards finished: on disk when there is a DIR (Ctrl-C may land between a write and its count)."""
    if store is None:
        return sum(t.key in tables for t in plan.tasks)
    return sum((store.out / SHARDS / f"{t.key}.parquet").is_file() for t in plan.tasks)


def _run(runner: Engine, plan: Plan, todo: list[ShardTask], tables: dict[str, Any], store: Any, progress: bool,
         seconds: dict[str, float]) -> None:
    """Start the engine (the last check: a Ray address), then run; each shard is kept as it finishes."""
    bars: list[Any] = []

    def on_done(out: ShardOutput) -> None:
        table = shard_table(out)
        if store is not None:
            store.write(out.key, table)
        tables[out.key] = table
        bars[0].update(1)

    t0 = time.perf_counter()
    try:
        runner.start({e.sha256: e.model for e in plan.entries if e.sha256 in {t.model_sha256 for t in todo}})
        t1 = time.perf_counter()
        seconds["start"] = t1 - t0
        bars.append(_progress(len(plan.tasks), len(plan.tasks) - len(todo), runner.name, progress))
        runner.run(todo, on_done)
        seconds["run"] = time.perf_counter() - t1
    except KeyboardInterrupt:
        raise SweepInterrupted(_kept(plan, tables, store), len(plan.tasks), store.out if store else None) from None
    finally:
        for bar in bars:
            bar.close()
        t2 = time.perf_counter()
        runner.close()
        seconds["stop"] = time.perf_counter() - t2
