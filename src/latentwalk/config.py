"""Shared ground: parameter constraints as data, and where latentwalk keeps its cache.

Validation follows scikit-learn's `_parameter_constraints`: the public entry point declares what
each parameter may be, and one function checks them all with a message of the form
"The 'steps' parameter of walk must be an int in the range [2, 4096]. Got 1 instead."
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from numbers import Integral
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

    def describe(self) -> str:
        name = "an int" if self.kind is Integral else "a float"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"{name} in the range {left}{lo}, {hi}{right}"


@dataclass(frozen=True)
class Options:
    """A closed set of allowed values."""

    values: frozenset[Any]

    def accepts(self, value: Any) -> bool:
        return value in self.values

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


def cache_dir() -> Path:
    """Where built-in models are trained once and kept: $LATENTWALK_CACHE, else the user cache."""
    env = os.environ.get("LATENTWALK_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "latentwalk"
