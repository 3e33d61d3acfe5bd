"""The server's requests as data, checked at the door with the words the CLI and the API use.

Query strings and JSON bodies become frozen dataclasses whose fields are plain values, so a
request is also its cache key. Every refusal is a LatentwalkError with one line; the routes turn
it into `{"error": "..."}` with a 4xx status.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from numbers import Integral, Real
from typing import Any

from latentwalk.config import Constraint, Interval, Options, check_params
from latentwalk.data.base import shown
from latentwalk.errors import InvalidParameterError

T_DECIMALS = 3  # frames are cached by t to 1/1000: a slider's step
W_DECIMALS = 3  # weights of a mix, likewise
ALPHA_DECIMALS = 2  # direction offsets, in sigma units
MAX_VIA = 8
MAX_EDITS = 32
MAX_METHODS = 8
MAX_SERVER_STEPS = 256  # a walk the server computes for a page; the CLI goes to 4096
MAX_SPEC_CHARS = 200
FORMATS = ("png", "wav")
DEFAULT_METHODS = ("crossfade", "lerp", "slerp", "matched")

Query = Mapping[str, Sequence[str]]  # parse_qs: every parameter's values


def _check_known(query: Query, known: Sequence[str], where: str) -> None:
    unknown = sorted(set(query) - set(known))
    if unknown:
        raise InvalidParameterError(f"{where} has no parameter {', '.join(repr(shown(u)) for u in unknown)}; "
                                    f"its parameters: {', '.join(known)}.")


def one(query: Query, name: str, where: str, default: str | None = None) -> str:
    values = query.get(name, [])
    if len(values) > 1:
        raise InvalidParameterError(f"The '{name}' parameter of {where} is given {len(values)} times; give it once.")
    if not values:
        if default is None:
            raise InvalidParameterError(f"{where} needs the '{name}' parameter.")
        return default
    return values[0]


def number(text: str, name: str, where: str, allowed: Constraint, integer: bool = False) -> Any:
    """A query value as a number, checked against `allowed`; 'nan', '2' or 'abc' get the CLI's words."""
    try:
        value: Any = int(text) if integer else float(text)
    except (ValueError, OverflowError):
        value = text
    check_params({name: [allowed]}, {name: value}, where)
    return value


def spec(text: Any, name: str) -> str:
    """An item as a client names it: a dataset item or an upload id, never a path."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidParameterError(f"The '{name}' item must be a non-empty string such as 'digits:17'. Got {text!r} instead.")
    if len(text) > MAX_SPEC_CHARS or any(c in text for c in "/\\\x00"):
        raise InvalidParameterError(f"'{shown(text)}' is not an item this server knows: use DATASET:INDEX or "
                                    "DATASET:FACTOR=VALUE or an id from POST /api/upload; file paths are never read.")
    return text


def _edits(query: Query, where: str) -> tuple[tuple[str, float], ...]:
    """dir=ID&alpha=A pairs: move the codes A sigma along direction ID (GET /api/directions)."""
    ids, alphas = query.get("dir", []), query.get("alpha", [])
    if len(ids) != len(alphas):
        raise InvalidParameterError(f"{where} takes one 'alpha' per 'dir' (dir=atvec:label=3&alpha=1.5); "
                                    f"got {len(ids)} dir and {len(alphas)} alpha.")
    if len(ids) > MAX_EDITS:
        raise InvalidParameterError(f"{where} takes at most {MAX_EDITS} directions; got {len(ids)}.")
    out: dict[str, float] = {}
    for d, a in zip(ids, alphas, strict=True):
        alpha = number(a, "alpha", where, Interval(Real, -10, 10))
        if len(d) > MAX_SPEC_CHARS:
            raise InvalidParameterError(f"'{shown(d)}' is not a direction; GET /api/directions lists them.")
        out[d] = out.get(d, 0.0) + round(alpha, ALPHA_DECIMALS)
    return tuple(sorted((d, a) for d, a in out.items() if a != 0))


def _format(query: Query, where: str, default: str) -> str:
    fmt = one(query, "format", where, default)
    check_params({"format": [Options(frozenset(FORMATS))]}, {"format": fmt}, where)
    return fmt


@dataclass(frozen=True)
class FrameQuery:
    """GET /api/frame: the frame of `method` at t on the path through keys (A, via..., B)."""

    model: str
    keys: tuple[str, ...]
    method: str
    t: float  # rounded to T_DECIMALS
    schedule: str
    format: str
    edits: tuple[tuple[str, float], ...]

    PARAMS = ("model", "from", "to", "via", "method", "t", "schedule", "format", "dir", "alpha")

    @classmethod
    def parse(cls, query: Query, default_format: Mapping[str, str]) -> FrameQuery:
        where = "frame"
        _check_known(query, cls.PARAMS, "/api/frame")
        model = one(query, "model", where)
        via = query.get("via", [])
        if len(via) > MAX_VIA:
            raise InvalidParameterError(f"/api/frame takes at most {MAX_VIA} 'via' items; got {len(via)}.")
        keys = (spec(one(query, "from", where), "from"), *(spec(v, "via") for v in via), spec(one(query, "to", where), "to"))
        t = number(one(query, "t", where), "t", where, Interval(Real, 0, 1))
        return cls(model, keys, one(query, "method", where, "slerp"), round(t, T_DECIMALS),
                   one(query, "schedule", where, "uniform"), _format(query, where, default_format.get(model, "png")),
                   _edits(query, where))


@dataclass(frozen=True)
class MixQuery:
    """GET /api/mix: the decoded mix of 3 (or 4) items' codes with the given weights."""

    model: str
    items: tuple[str, ...]
    weights: tuple[float, ...]
    mode: str
    format: str
    edits: tuple[tuple[str, float], ...]

    PARAMS = ("model", "item", "w", "mode", "format", "dir", "alpha")

    @classmethod
    def parse(cls, query: Query, default_format: Mapping[str, str]) -> MixQuery:
        where = "mix"
        _check_known(query, cls.PARAMS, "/api/mix")
        model = one(query, "model", where)
        items, ws = query.get("item", []), query.get("w", [])
        if len(items) not in (2, 3, 4) or len(ws) != len(items):
            raise InvalidParameterError(f"/api/mix takes 2 to 4 'item's and one weight 'w' for each; got {len(items)} "
                                        f"items and {len(ws)} weights.")
        weights = tuple(round(number(w, "w", where, Interval(Real, -4, 4)), W_DECIMALS) for w in ws)
        if not any(weights):
            raise InvalidParameterError("A matched mix needs weights that are not all zero.")
        mode = one(query, "mode", where, "matched")
        check_params({"mode": [Options(frozenset({"matched", "linear"}))]}, {"mode": mode}, where)
        return cls(model, tuple(spec(i, "item") for i in items), weights, mode,
                   _format(query, where, default_format.get(model, "png")), _edits(query, where))


WALK_FIELDS = ("model", "from", "to", "via", "methods", "steps", "schedule")
_WALK: dict[str, list[Constraint]] = {
    "model": [str],
    "via": [list],
    "methods": [list],
    "steps": [Interval(Integral, 2, MAX_SERVER_STEPS)],
    "schedule": [str],
}


@dataclass(frozen=True)
class WalkRequest:
    """POST /api/walk and /api/export: a walk as `latentwalk walk` would make it (seed 0, 8 fps)."""

    model: str
    src: str
    dst: str
    via: tuple[str, ...] = ()
    methods: tuple[str, ...] = DEFAULT_METHODS
    steps: int = 16
    schedule: str = "uniform"

    @classmethod
    def parse(cls, body: bytes) -> WalkRequest:
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise InvalidParameterError('The body must be a JSON object such as {"model": "digits-vae", '
                                        '"from": "digits:3", "to": "digits:8"}.') from None
        if not isinstance(data, dict):
            raise InvalidParameterError(f"The body must be a JSON object with the fields {', '.join(WALK_FIELDS)}.")
        _check_known({k: [] for k in data}, WALK_FIELDS, "The walk request")
        for name in ("model", "from", "to"):
            if name not in data:
                raise InvalidParameterError(f"The walk request needs the '{name}' field.")
        check_params(_WALK, data, "walk")
        via, methods = data.get("via", []), data.get("methods", list(DEFAULT_METHODS))
        if len(via) > MAX_VIA or not all(isinstance(v, str) for v in via):
            raise InvalidParameterError(f"'via' must be a list of at most {MAX_VIA} items (strings); got {shown(repr(via))}.")
        if not methods or len(methods) > MAX_METHODS or not all(isinstance(m, str) for m in methods):
            raise InvalidParameterError(f"'methods' must be a list of 1 to {MAX_METHODS} method names; got {shown(repr(methods))}.")
        return cls(data["model"], spec(data["from"], "from"), spec(data["to"], "to"), tuple(spec(v, "via") for v in via),
                   tuple(dict.fromkeys(methods)), data.get("steps", 16), data.get("schedule", "uniform"))

    @property
    def id(self) -> str:
        """16 hex digits naming the walk (its frames' URLs, its export's folder)."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None
