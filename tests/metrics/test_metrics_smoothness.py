"""Smoothness: evenness (1 - Gini), max/mean step ratio and the jump count see an inserted jump."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latentwalk.metrics import WalkView, compute_metrics, count_jumps, evenness, gini, max_step_ratio


def _walk_with_steps(steps: list[float]) -> WalkView:
    """Flat grey frames whose brightness moves by the given steps, so rms steps equal them."""
    levels = torch.cumsum(torch.tensor([0.0, *steps], dtype=torch.float64), 0)
    frames = levels[:, None, None, None].expand(-1, 1, 4, 4).to(torch.float32)
    return WalkView(frames=frames, ts=torch.linspace(0, 1, len(steps) + 1))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(2, 40), step=st.floats(1e-6, 10.0))
def test_equal_steps_are_perfectly_even(n: int, step: float) -> None:
    steps = torch.full((n,), step, dtype=torch.float64)
    assert evenness(steps) == pytest.approx(1.0, abs=1e-9)
    assert max_step_ratio(steps) == pytest.approx(1.0, abs=1e-9)
    assert count_jumps(steps) == 0


@settings(max_examples=30, deadline=None)
@given(n=st.integers(4, 40), where=st.integers(0, 39), size=st.floats(4.0, 100.0))
def test_an_inserted_jump_is_seen(n: int, where: int, size: float) -> None:
    steps = torch.ones(n, dtype=torch.float64)
    steps[where % n] = size
    assert evenness(steps) < 1.0
    assert max_step_ratio(steps) == pytest.approx(size / ((n - 1 + size) / n))
    assert max_step_ratio(steps) > 1.5
    assert count_jumps(steps) == 1


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.0, 1e3), min_size=1, max_size=30))
def test_gini_matches_pairwise_definition(values: list[float]) -> None:
    x = torch.tensor(values, dtype=torch.float64)
    if float(x.sum()) == 0:
        assert gini(x) == 0.0
        return
    pairwise = (x[:, None] - x[None, :]).abs().sum() / (2 * x.numel() ** 2 * x.mean())
    assert gini(x) == pytest.approx(float(pairwise), abs=1e-9)
    assert 0.0 <= gini(x) <= (x.numel() - 1) / x.numel() + 1e-12


def test_one_step_does_everything() -> None:
    steps = torch.tensor([0.0, 0.0, 5.0, 0.0])
    assert gini(steps) == pytest.approx(3 / 4)
    assert count_jumps(steps) == 1
    assert max_step_ratio(steps) == pytest.approx(4.0)


def test_metric_on_a_walk_with_a_jump() -> None:
    even = compute_metrics(_walk_with_steps([0.05] * 8), ["smoothness"])["smoothness"]
    jumpy = compute_metrics(_walk_with_steps([0.05] * 4 + [0.4] + [0.05] * 3), ["smoothness"])["smoothness"]
    assert len(even.profile["step"]) == 8
    assert even.summary["path_length"] == pytest.approx(0.4, rel=1e-5)
    assert even.summary["evenness"] == pytest.approx(1.0, abs=1e-5)
    assert even.summary["jumps"] == 0
    assert jumpy.summary["jumps"] == 1
    assert jumpy.summary["max_step_ratio"] > 3 * even.summary["max_step_ratio"]
    assert jumpy.summary["evenness"] < even.summary["evenness"] - 0.2
