"""Shared ground: parameter constraints as data, and where latentwalk keeps its cache.

Validation follows scikit-learn's `_parameter_constraints`: the public entry point declares what
each parameter may be, and one function checks them all with a message of the form
"The 'steps' parameter of walk must be an int in the range [2, 4096]. Got 1 instead."
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any, SupportsFloat, cast

from latentwalk.errors import InvalidParameterError


@dataclass(frozen=True)
class Interval:
    """A numeric range; `kind` is Integral or Real."""

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"  # "both", "left", "right", "neither"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        v = float(cast(SupportsFloat, value))  # an Integral or Real, checked above
        if not math.isfinite(v):
            return False
        lo_ok = self.low is None or (v >= self.low if self.closed in ("both", "left") else v > self.low)
        hi_ok = self.high is None or (v <= self.high if self.closed in ("both", "right") else v < self.high)
        return bool(lo_ok and hi_ok)

    def _number(self, v: float) -> str:
        """Integer bounds in full ("[1, 1000000]", not "1e+06"); others as %g."""
        return str(int(v)) if self.kind is Integral and float(v).is_integer() else f"{v:g}"

    def describe(self) -> str:
        name = "an int" if self.kind is Integral else "a float"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else self._number(self.low)
        hi = "inf" if self.high is None else self._number(self.high)
        return f"{name} in the range {left}{lo}, {hi}{right}"


@dataclass(frozen=True)
class Options:
    """A closed set of allowed values."""

    values: frozenset[Any]

    def accepts(self, value: Any) -> bool:
        try:
            return value in self.values
        except TypeError:  # an unhashable value (a list, a dict) is not among them
            return False

    def describe(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.values, key=str))


Constraint = Interval | Options | type | None


def _accepts(c: Constraint, value: Any) -> bool:
    if c is None:
        return value is None
    if isinstance(c, type):
        return isinstance(value, c) and not (c in (int, float) and isinstance(value, bool))
    return c.accepts(value)


def _describe(c: Constraint) -> str:
    if c is None:
        return "None"
    if isinstance(c, type):
        return f"an instance of {c.__name__}"
    return c.describe()


def check_params(
    constraints: dict[str, list[Constraint]], params: dict[str, Any], caller: str
) -> None:
    """Raise InvalidParameterError for the first parameter that meets none of its constraints."""
    for name, allowed in constraints.items():
        if name not in params:
            continue
        value = params[name]
        if any(_accepts(c, value) for c in allowed):
            continue
        desc = " or ".join(_describe(c) for c in allowed)
        raise InvalidParameterError(
            f"The '{name}' parameter of {caller} must be {desc}. Got {value!r} instead."
        )


MAX_STEPS = 4096
# Work budgets, checked before any heavy work (the numbers are in the messages and the README).
MAX_WALK_VALUES = 2**23  # frames x values per frame, summed over methods: 32 MB of float32 frames
MAX_PPL_SAMPLES = 100_000  # StyleGAN's own count
MAX_SEED = 2**63 - 1
MAX_SWEEP_PAIRS = 1_000_000  # pairs in one sweep's pair set (docs/scale.md: a million walks on 100 nodes)
MAX_SWEEP_WALKS = 10_000_000  # rows of one sweep: models x schedules x methods x pairs
MAX_SHARD_SIZE = 4096  # pairs in one shard (one task)
FPS = Interval(Real, 0.5, 100)  # GIF frame times below 10 ms are not shown as written by browsers


def check_budget(n_values: int, what: str, hint: str) -> None:
    if n_values > MAX_WALK_VALUES:
        raise InvalidParameterError(
            f"{what} would decode {n_values:,} values, over latentwalk's budget of {MAX_WALK_VALUES:,} "
            f"(frames x values per frame); {hint}."
        )


def cache_dir() -> Path:
    """Where built-in models are trained once and kept: $LATENTWALK_CACHE, else the user cache."""
    from latentwalk.errors import OutputError

    env = os.environ.get("LATENTWALK_CACHE")
    if env:
        path = Path(env).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "latentwalk"
    if path.exists() and not path.is_dir():
        raise OutputError(f"The cache '{path}' exists and is not a folder; point LATENTWALK_CACHE at a folder.")
    return path
