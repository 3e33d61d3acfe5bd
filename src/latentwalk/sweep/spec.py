"""A sweep's spec: which models, methods, schedules, pairs and metrics; read from TOML, checked as data.

    models    = ["lines-ae", "lines-vae"]       # built-in names or checkpoint folders
    methods   = ["lerp", "slerp", "crossfade"]
    schedules = ["uniform"]                      # optional, default ["uniform"]
    steps     = 16                               # optional, default 16
    seed      = 0                                # optional, default 0: every pair's seed derives from it
    metrics   = ["acai", "smoothness"]           # optional, default: every metric that applies

    [pairs]                                      # exactly one of random, grid, list
    random = 16                                  # pairs of items drawn from the models' dataset
    # grid = { factor = "angle", from = [0.3, 1.0], to = [2.5, 4.0] }   # lines:angle=a -> b for every a, b
    # list = [["lines:angle=0.3", "lines:angle=2.5"], ["a.png", "b.png"]]
    # dataset = "lines"                          # optional: else each model's training dataset

Optional too: `distance` ("rms"), `posterior` ("mean"), `shard_size` (pairs per task, 32). Paths
(checkpoint folders, item files) are relative to the spec file's folder. Building a spec checks
names, ranges and sizes and touches nothing: no model is loaded, no file written.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import Any

from latentwalk.config import (
    MAX_SEED,
    MAX_SHARD_SIZE,
    MAX_STEPS,
    MAX_SWEEP_PAIRS,
    MAX_SWEEP_WALKS,
    Constraint,
    Interval,
    Options,
    check_params,
)
from latentwalk.errors import DataError, InvalidParameterError

MAX_SPEC_BYTES = 1 << 20
DEFAULT_SHARD_SIZE = 32  # ~0.3 s of work per task for a lines model: Ray's per-task cost stays under 1 %

_TOP: dict[str, list[Constraint]] = {
    "models": [list],
    "methods": [list],
    "schedules": [list],
    "steps": [Interval(Integral, 2, MAX_STEPS)],
    "seed": [Interval(Integral, 0, MAX_SEED)],
    "pairs": [dict],
    "metrics": [list, None],
    "distance": [str],
    "posterior": [Options(frozenset({"mean", "sample"}))],
    "shard_size": [Interval(Integral, 1, MAX_SHARD_SIZE)],
}
_PAIRS: dict[str, list[Constraint]] = {
    "random": [Interval(Integral, 1, MAX_SWEEP_PAIRS)],
    "grid": [dict],
    "list": [list],
    "dataset": [str, None],
}
_GRID: dict[str, list[Constraint]] = {"factor": [str], "from": [list], "to": [list]}


def _unknown_keys(given: dict[str, Any], known: dict[str, Any], where: str) -> None:
    for key in given:
        if key not in known:
            close = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.5)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise InvalidParameterError(f"Unknown key '{key}' in {where}.{hint} Valid keys: {', '.join(known)}.")


def _names(value: list[Any], key: str) -> tuple[str, ...]:
    """A non-empty list of distinct, non-empty strings."""
    if not value:
        raise InvalidParameterError(f"The sweep spec's '{key}' is empty; name at least one.")
    for v in value:
        if not isinstance(v, str) or not v.strip():
            raise InvalidParameterError(f"The sweep spec's '{key}' must list names (strings). Got {v!r} among them.")
    twice = sorted({v for v in value if value.count(v) > 1})
    if twice:
        raise InvalidParameterError(f"The sweep spec's '{key}' lists '{twice[0]}' more than once; name each once.")
    return tuple(value)


@dataclass(frozen=True)
class RandomPairs:
    """`n` pairs of distinct items of a dataset, pair i drawn from (seed, i) alone."""

    n: int
    dataset: str | None = None
    kind: str = field(default="random", init=False)

    def count(self) -> int:
        return self.n


@dataclass(frozen=True)
class GridPairs:
    """Ground-truth pairs DATASET:FACTOR=a -> DATASET:FACTOR=b for every a in `starts`, b in `ends`."""

    factor: str
    starts: tuple[float, ...]
    ends: tuple[float, ...]
    dataset: str | None = None
    kind: str = field(default="grid", init=False)

    def count(self) -> int:
        return len(self.starts) * len(self.ends)


@dataclass(frozen=True)
class ListPairs:
    """Pairs given one by one: dataset items or files (relative to the spec's folder)."""

    pairs: tuple[tuple[str, str], ...]
    kind: str = field(default="list", init=False)

    def count(self) -> int:
        return len(self.pairs)


PairSet = RandomPairs | GridPairs | ListPairs


@dataclass(frozen=True)
class SweepSpec:
    """What to sweep. `base` is the folder relative paths in the spec are read from."""

    models: tuple[str, ...]
    methods: tuple[str, ...]
    pairs: PairSet
    schedules: tuple[str, ...] = ("uniform",)
    steps: int = 16
    seed: int = 0
    metrics: tuple[str, ...] | None = None
    distance: str = "rms"
    posterior: str = "mean"
    shard_size: int = DEFAULT_SHARD_SIZE
    base: str = "."

    def walks(self) -> int:
        """Rows the sweep writes: one per (model, schedule, method, pair)."""
        return len(self.models) * len(self.schedules) * len(self.methods) * self.pairs.count()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _numbers(value: list[Any], key: str) -> tuple[float, ...]:
    if not value:
        raise InvalidParameterError(f"The sweep spec's pairs.grid '{key}' is empty; give at least one value.")
    for v in value:
        if isinstance(v, bool) or not isinstance(v, Real) or not math.isfinite(float(v)):
            raise InvalidParameterError(f"The sweep spec's pairs.grid '{key}' must list finite numbers. Got {v!r}.")
    return tuple(float(v) for v in value)


def _grid(grid: dict[str, Any], dataset: str | None) -> GridPairs:
    _unknown_keys(grid, _GRID, "the sweep spec's pairs.grid")
    missing = [k for k in _GRID if k not in grid]
    if missing:
        raise InvalidParameterError(f"The sweep spec's pairs.grid needs '{missing[0]}' "
                                    "(e.g. grid = { factor = \"angle\", from = [0.3], to = [2.5] }).")
    check_params(_GRID, grid, "the sweep spec's pairs.grid")
    return GridPairs(grid["factor"], _numbers(grid["from"], "from"), _numbers(grid["to"], "to"), dataset)


def _pair_list(value: list[Any]) -> ListPairs:
    if not value:
        raise InvalidParameterError("The sweep spec's pairs.list is empty; give at least one pair.")
    pairs = []
    for p in value:
        if not (isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) and s.strip() for s in p)):
            raise InvalidParameterError("Each entry of the sweep spec's pairs.list must be two item specs or files, "
                                        f"e.g. [\"lines:angle=0.3\", \"lines:angle=2.5\"]. Got {p!r}.")
        pairs.append((p[0], p[1]))
    return ListPairs(tuple(pairs))


def _pair_set(pairs: dict[str, Any]) -> PairSet:
    _unknown_keys(pairs, _PAIRS, "the sweep spec's [pairs]")
    kinds = [k for k in ("random", "grid", "list") if k in pairs]
    if len(kinds) != 1:
        raise InvalidParameterError("The sweep spec's [pairs] needs exactly one of random = N, grid = {...} or "
                                    f"list = [...]; it has {', '.join(kinds) or 'none'}.")
    check_params(_PAIRS, pairs, "the sweep spec's [pairs]")
    dataset = pairs.get("dataset")
    if kinds[0] == "random":
        return RandomPairs(pairs["random"], dataset)
    if kinds[0] == "grid":
        return _grid(pairs["grid"], dataset)
    if dataset is not None:
        raise InvalidParameterError("The sweep spec's pairs.dataset goes with random or grid pairs; a list names its items.")
    return _pair_list(pairs["list"])


def _check_names(spec: SweepSpec) -> None:
    """Every name exists (with a did-you-mean), and the work fits latentwalk's budgets."""
    from latentwalk.data import DATASETS
    from latentwalk.metrics import METRICS
    from latentwalk.pipeline.core import check_walk_request

    for schedule in spec.schedules:
        check_walk_request(list(spec.methods), spec.steps, schedule, spec.distance)
    for name in spec.metrics or ():
        METRICS.get(name)
    dataset = getattr(spec.pairs, "dataset", None)
    if dataset is not None:
        DATASETS.get(dataset)
    if spec.pairs.count() > MAX_SWEEP_PAIRS:
        raise InvalidParameterError(f"The sweep's pair set has {spec.pairs.count():,} pairs, over latentwalk's limit of "
                                    f"{MAX_SWEEP_PAIRS:,}; split it into several sweeps.")
    if spec.walks() > MAX_SWEEP_WALKS:
        raise InvalidParameterError(f"The sweep would make {spec.walks():,} walks (models x schedules x methods x pairs), "
                                    f"over latentwalk's limit of {MAX_SWEEP_WALKS:,}; split it into several sweeps.")


def parse_spec(data: dict[str, Any], base: str | Path = ".") -> SweepSpec:
    """A spec from its parsed TOML (or any dict of the same shape); raises InvalidParameterError."""
    if not isinstance(data, dict):
        raise InvalidParameterError(f"A sweep spec is a table of keys; got {type(data).__name__}.")
    _unknown_keys(data, _TOP, "the sweep spec")
    for key in ("models", "methods", "pairs"):
        if key not in data:
            raise InvalidParameterError(f"The sweep spec needs '{key}' (see examples/sweep-lines.toml).")
    check_params(_TOP, data, "the sweep spec")
    metrics = data.get("metrics")
    spec = SweepSpec(
        models=_names(data["models"], "models"),
        methods=_names(data["methods"], "methods"),
        pairs=_pair_set(data["pairs"]),
        schedules=_names(data.get("schedules", ["uniform"]), "schedules"),
        steps=data.get("steps", 16),
        seed=data.get("seed", 0),
        metrics=None if metrics is None else _names(metrics, "metrics"),
        distance=data.get("distance", "rms"),
        posterior=data.get("posterior", "mean"),
        shard_size=data.get("shard_size", DEFAULT_SHARD_SIZE),
        base=str(Path(base).absolute()),
    )
    _check_names(spec)
    return spec


def _toml() -> Any:
    import sys

    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib
    from latentwalk.errors import require

    return require("tomli", "sweep")  # Python 3.10: the same parser, as a package


def load_spec(path: str | Path) -> SweepSpec:
    """Read and check a sweep spec file (TOML)."""
    from latentwalk.files import check_regular_file

    p = Path(path)
    check_regular_file(p, MAX_SPEC_BYTES, DataError, "a sweep spec (a .toml file)")
    toml = _toml()
    try:
        data = toml.loads(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"'{p}' is not a text file; give a sweep spec in TOML.") from None
    except toml.TOMLDecodeError as exc:
        raise DataError(f"'{p}' is not valid TOML: {exc}.") from None
    return parse_spec(data, p.parent)
