"""Typicality: LERP dips inside the chi shell at the midpoint, SLERP stays on it."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi

from latentwalk.metrics import MetricResult, WalkView, compute_metrics
from latentwalk.paths import PATHS, schedule_ts

D = 64


def _walk(method: str, seed: int, steps: int = 11, prior: str = "gaussian") -> WalkView:
    z0, z1 = torch.randn(2, 1, D, generator=torch.Generator().manual_seed(seed))
    ts = schedule_ts(steps)
    codes = PATHS.get(method).fn(z0, z1, ts)[0]  # (T, D)
    return WalkView(frames=torch.zeros(steps, 1, 4, 4), ts=ts, codes=codes, prior=prior, method=method)


def _typicality(walk: WalkView) -> MetricResult:
    return compute_metrics(walk, ["typicality"])["typicality"]


def test_lerp_dips_slerp_keeps_the_norm() -> None:
    lerp, slerp = _typicality(_walk("lerp", seed=3)), _typicality(_walk("slerp", seed=3))
    assert lerp.summary["mid_norm_ratio"] == pytest.approx(1 / math.sqrt(2), abs=0.1)
    assert slerp.summary["mid_norm_ratio"] == pytest.approx(1.0, abs=1e-5)
    assert lerp.summary["min_norm_ratio"] < 0.85
    assert lerp.summary["frac_in_shell"] < slerp.summary["frac_in_shell"]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_slerp_norm_ratio_is_one_everywhere(seed: int) -> None:
    ratio = torch.tensor(_typicality(_walk("slerp", seed=seed)).profile["norm_ratio"])
    assert torch.allclose(ratio, torch.ones_like(ratio, dtype=ratio.dtype), atol=1e-5)


def test_shell_and_profiles() -> None:
    result = _typicality(_walk("lerp", seed=0))
    assert result.summary["chi_low"] == pytest.approx(chi.ppf(0.005, D))
    assert result.summary["chi_high"] == pytest.approx(chi.ppf(0.995, D))
    norms = torch.tensor(result.profile["norm"], dtype=torch.float64)
    expected = -0.5 * math.log(2 * math.pi) - norms**2 / (2 * D)
    assert torch.allclose(torch.tensor(result.profile["log_density"], dtype=torch.float64), expected)
    assert {len(v) for v in result.profile.values()} == {11}


def test_not_applicable_without_codes_or_gaussian_prior() -> None:
    walk = _walk("lerp", seed=0)
    assert "typicality" not in compute_metrics(_walk("lerp", seed=0, prior="none"), ["typicality"])
    walk.codes = None
    assert compute_metrics(walk, ["typicality"]) == {}
