"""ACAI lines scores (Berthelot et al. 2019): Mean Distance and Smoothness."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latentwalk.data.lines import LinesGroundTruth, render_lines
from latentwalk.metrics import WalkView, compute_metrics
from latentwalk.metrics.acai import acai_smoothness, shortest_arc

STEPS = 9


@pytest.fixture(scope="module")
def truth() -> LinesGroundTruth:
    return LinesGroundTruth()


def _acai(frames: torch.Tensor, truth: object) -> dict[str, float]:
    walk = WalkView(frames=frames, ts=torch.linspace(0, 1, frames.shape[0]), ground_truth=truth)  # type: ignore[arg-type]
    return compute_metrics(walk, ["acai"])["acai"].summary


def test_a_perfect_angle_walk_scores_zero(truth: LinesGroundTruth) -> None:
    summary = _acai(render_lines(torch.linspace(0.3, 1.9, STEPS)), truth)
    assert summary["mean_distance"] == pytest.approx(0.0, abs=1e-4)
    assert summary["smoothness"] == pytest.approx(0.0, abs=0.01)  # the truth's bank is 0.25 degrees apart
    assert summary["angle_change"] == pytest.approx(1.6, abs=0.01)


def test_a_crossfade_is_far_from_every_line_and_jumps(truth: LinesGroundTruth) -> None:
    a, b = render_lines(torch.tensor([0.3, 1.9]))
    t = torch.linspace(0, 1, STEPS)[:, None, None, None]
    fade = _acai((1 - t) * a + t * b, truth)
    walk = _acai(render_lines(torch.linspace(0.3, 1.9, STEPS)), truth)
    assert fade["mean_distance"] > 100 * max(walk["mean_distance"], 1e-6)
    assert fade["smoothness"] > 0.8  # one step does (almost) all of the turning: 1 - 1/8 at most


def test_smoothness_formula() -> None:
    even = np.linspace(0.0, 1.0, 5)
    assert acai_smoothness(even) == pytest.approx(0.0)
    switch = np.array([0.0, 0.0, 0.0, 1.0, 1.0])
    assert acai_smoothness(switch) == pytest.approx(1 - 1 / 4)
    assert acai_smoothness(np.array([0.5, 0.9, 0.5])) is None  # endpoints share an angle


@settings(max_examples=40, deadline=None)
@given(
    start=st.floats(0, 2 * math.pi),
    step=st.floats(0.05, 0.6),
    sign=st.sampled_from([-1, 1]),
    n=st.integers(3, 12),
)
def test_even_turns_score_zero_across_the_2pi_seam(start: float, step: float, sign: int, n: int) -> None:
    angles = (start + sign * step * np.arange(n)) % (2 * math.pi)  # wraps around 0 / 2 pi
    assert acai_smoothness(angles) == pytest.approx(0.0, abs=1e-9)


def test_the_long_way_round_is_reported() -> None:
    assert shortest_arc(0.1, 2 * math.pi - 0.1) == pytest.approx(0.2)
    long_way = render_lines(torch.linspace(0.0, 1.5 * math.pi, 13))  # steps of pi/8, turning 270 degrees
    summary = _acai(long_way, LinesGroundTruth())
    assert summary["angle_change"] == pytest.approx(1.5 * math.pi, abs=0.01)
    assert summary["shortest_arc"] == pytest.approx(0.5 * math.pi, abs=0.01)


class _NoAngle:
    name = "fake"

    def nearest(self, frames: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        n = frames.shape[0]
        return {"scale": torch.ones(n)}, torch.zeros(n)


def test_not_applicable_without_an_angle_ground_truth() -> None:
    frames = render_lines(torch.linspace(0.3, 1.9, 3))
    assert compute_metrics(WalkView(frames=frames, ts=torch.linspace(0, 1, 3)), ["acai"]) == {}
    walk = WalkView(frames=frames, ts=torch.linspace(0, 1, 3), ground_truth=_NoAngle())
    assert compute_metrics(walk, ["acai"]) == {}


def test_profiles_have_one_value_per_frame(truth: LinesGroundTruth) -> None:
    frames = render_lines(torch.linspace(0.3, 1.9, STEPS))
    walk = WalkView(frames=frames, ts=torch.linspace(0, 1, STEPS), ground_truth=truth)
    profile = compute_metrics(walk, ["acai"])["acai"].profile
    assert len(profile["angle"]) == len(profile["line_distance"]) == STEPS
