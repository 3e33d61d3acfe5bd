"""Sweep specs, pairs and shards as data: checked before any work, the same on every run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from latentwalk.errors import InvalidParameterError, LatentwalkError, UnknownNameError
from latentwalk.sweep import GridPairs, RandomPairs, load_spec, make_plan, parse_spec
from latentwalk.sweep.pairs import pair_seed, random_indices
from latentwalk.sweep.run import load_entries

ROOT = Path(__file__).resolve().parents[2]


def spec_dict(**changes: Any) -> dict[str, Any]:
    return {"models": ["lines-ae"], "methods": ["slerp"], "pairs": {"random": 4}, **changes}


def test_the_example_spec_reads_as_the_readme_says() -> None:
    spec = load_spec(ROOT / "examples" / "sweep-lines.toml")
    assert spec.models == ("lines-ae", "lines-vae") and spec.methods == ("lerp", "slerp", "crossfade")
    assert spec.pairs == RandomPairs(16) and spec.walks() == 2 * 3 * 16


def test_defaults_and_grid_pairs() -> None:
    spec = parse_spec(spec_dict(pairs={"grid": {"factor": "angle", "from": [0.3, 1], "to": [2.5, 4.0, 5.0]}}))
    assert spec.pairs == GridPairs("angle", (0.3, 1.0), (2.5, 4.0, 5.0)) and spec.pairs.count() == 6
    assert (spec.schedules, spec.steps, spec.seed, spec.shard_size, spec.metrics) == (("uniform",), 16, 0, 32, None)


def test_pair_i_depends_on_the_seed_and_i_alone() -> None:
    first = [random_indices(0, i, 2048) for i in range(1000)]
    assert first[:16] == [random_indices(0, i, 2048) for i in range(16)]  # 16 pairs are the first 16 of 1,000
    assert all(a != b and 0 <= a < 2048 and 0 <= b < 2048 for a, b in first)
    assert len({a for a, _ in first}) > 600  # spread over the dataset
    assert random_indices(1, 0, 2048) != random_indices(0, 0, 2048)
    assert len({pair_seed(0, i) for i in range(1000)}) == 1000


def test_shards_are_keyed_by_their_inputs(lines_models: Path) -> None:
    base = {"models": ["tiny-ae"], "methods": ["lerp", "crossfade"], "steps": 4, "shard_size": 2}

    def keys(**changes: Any) -> list[str]:
        spec = parse_spec({**base, "pairs": {"random": 6}, **changes}, lines_models)
        return [t.key for t in make_plan(spec, load_entries(spec, progress=False)).tasks]

    six = keys()
    assert len(six) == 3 and len(set(six)) == 3
    assert keys(pairs={"random": 7})[:3] == six  # one more pair: the first shards are the same shards
    assert not set(keys(steps=5)) & set(six)
    assert not set(keys(seed=1)) & set(six)
    assert not set(keys(methods=["lerp"])) & set(six)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [
        ({"models": []}, InvalidParameterError, "'models' is empty"),
        ({"methods": ["slurp"]}, UnknownNameError, "Did you mean 'slerp'"),
        ({"schedules": ["bounce"]}, UnknownNameError, "Unknown t-schedule 'bounce'"),
        ({"metrics": ["acia"]}, UnknownNameError, "Did you mean 'acai'"),
        ({"methods": ["slerp", "slerp"]}, InvalidParameterError, "lists 'slerp' more than once"),
        ({"steps": 1}, InvalidParameterError, r"'steps' parameter of the sweep spec must be an int in the range \[2, 4096\]"),
        ({"pairs": {"random": 10**9}}, InvalidParameterError, r"range \[1, 1000000\]. Got 1000000000"),
        ({"pairs": {"random": 0}}, InvalidParameterError, "Got 0 instead"),
        ({"pairs": {"list": []}}, InvalidParameterError, "pairs.list is empty"),
        ({"pairs": {"random": 3, "list": [["a", "b"]]}}, InvalidParameterError, "exactly one of"),
        ({"pairs": {"grid": {"factor": "angle", "from": [1e3000], "to": [1]}}}, InvalidParameterError, "finite numbers"),
        ({"pairs": {"grid": {"factor": "angle", "from": list(range(1001)), "to": list(range(1000))}}},
         InvalidParameterError, "1,001,000 pairs, over latentwalk's limit of 1,000,000"),
        ({"pairs": {"random": 4, "dataset": "lnies"}}, UnknownNameError, "Did you mean 'lines'"),
        ({"modles": ["x"]}, InvalidParameterError, "Did you mean 'models'"),
        ({"steps": "16"}, InvalidParameterError, "Got '16' instead"),
    ],
)
def test_bad_specs_raise_errors_that_teach(changes: dict[str, Any], error: type[LatentwalkError], match: str) -> None:
    with pytest.raises(error, match=match):
        parse_spec(spec_dict(**changes))


def test_too_many_walks_are_refused_before_anything_loads() -> None:
    with pytest.raises(InvalidParameterError, match="12,000,000 walks"):
        parse_spec(spec_dict(models=[f"m{i}" for i in range(20)], methods=["lerp", "slerp"], pairs={"random": 300_000}))
