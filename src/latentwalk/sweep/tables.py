"""Rows as Arrow tables (pyarrow, the `sweep` extra): one per shard, then all of a sweep in one.

Columns: model, model_sha256, method, schedule, steps, pair, a, b, seed, pair_seed, shard, then one
float64 column per metric value ("acai.mean_distance", ...), sorted; a metric that does not apply
to a walk (typicality of the crossfade) is null. The order of rows is the plan's — model, schedule,
pair, method — whatever engine ran them and in whatever order they finished.
"""

from __future__ import annotations

import json
from typing import Any

from latentwalk.errors import require
from latentwalk.sweep.work import INT_COLUMNS, ROW_COLUMNS, ShardOutput

SHARD_FORMAT = "latentwalk-sweep-shard/1"


def arrow() -> Any:
    return require("pyarrow", "sweep")


def parquet() -> Any:
    return require("pyarrow.parquet", "sweep")


def _field(name: str) -> Any:
    pa = arrow()
    return pa.field(name, pa.int64() if name in INT_COLUMNS else pa.string() if name in ROW_COLUMNS else pa.float64())


def metric_names(columns: list[str]) -> list[str]:
    return sorted(c for c in columns if c not in ROW_COLUMNS)


def shard_table(out: ShardOutput) -> Any:
    """A shard's rows as a table; its key and notes ride in the schema's metadata."""
    pa = arrow()
    names = list(ROW_COLUMNS) + metric_names(sorted({k for r in out.rows for k in r}))
    schema = pa.schema([_field(n) for n in names], metadata={
        "latentwalk.format": SHARD_FORMAT, "latentwalk.shard": out.key,
        "latentwalk.notes": json.dumps([[k, m, n] for k, (m, n) in sorted(out.notes.items())]),
    })
    return pa.Table.from_pylist(out.rows, schema=schema)


def shard_notes(table: Any) -> dict[str, tuple[str, int]]:
    raw = (table.schema.metadata or {}).get(b"latentwalk.notes", b"[]")
    try:
        return {str(k): (str(m), int(n)) for k, m, n in json.loads(raw)}
    except (ValueError, TypeError):
        return {}


def assemble(tables: list[Any]) -> Any:
    """One table of every row, columns unified (a metric missing from a shard is null there)."""
    pa = arrow()
    names = list(ROW_COLUMNS) + metric_names(sorted({c for t in tables for c in t.column_names}))
    schema = pa.schema([_field(n) for n in names])
    parts = []
    for t in tables:
        cols = [t.column(n) if n in t.column_names else pa.nulls(t.num_rows, pa.float64()) for n in names]
        parts.append(pa.Table.from_arrays(cols, schema=schema))
    return pa.concat_tables(parts) if parts else schema.empty_table()
