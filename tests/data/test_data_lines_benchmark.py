"""`lines` is drawn by the ACAI benchmark's recipe: values pinned by hand from the recipe, and the
metric measures on the benchmark's [-1, 1] scale against a bank of 10,000 lines, as the paper."""

from __future__ import annotations

import math

import pytest
import torch

from latentwalk.data.lines import N_BANK, LinesGroundTruth, render_lines, to_benchmark_scale


def test_east_is_a_two_pixel_band_of_full_ink() -> None:
    """theta = 0: from (16, 16) to (31, 16); columns are the major axis, k = 16 .. 30; the band
    [15, 17] covers rows 15 and 16 fully; nothing else is inked."""
    x = render_lines(torch.tensor([0.0]))[0, 0]
    want = torch.zeros(32, 32)
    want[15:17, 16:31] = 1
    assert torch.equal(x, want)


def test_a_slope_of_one_half_by_hand() -> None:
    """theta = atan(1/2): the end is (16 + 6 sqrt 5, 16 - 3 sqrt 5) = (29.416, 9.292); slope -1/2;
    at column k the band starts at 15 - (k - 16.5) / 2. Column 16: [15.25, 17.25] -> rows 15, 16, 17
    get 0.75, 1, 0.25. Column 17: [14.75, 16.75] -> rows 14..16: 0.25, 1, 0.75. Column 29 (the last,
    ceil(29.416) - 1): [8.75, 10.75] -> rows 8..10: 0.25, 1, 0.75. Column 30: nothing."""
    x = render_lines(torch.tensor([math.atan(0.5)]))[0, 0].double()
    assert x[15:18, 16].tolist() == pytest.approx([0.75, 1.0, 0.25], abs=1e-6)
    assert x[14:17, 17].tolist() == pytest.approx([0.25, 1.0, 0.75], abs=1e-6)
    assert x[8:11, 29].tolist() == pytest.approx([0.25, 1.0, 0.75], abs=1e-6)
    assert float(x[:, 30].sum()) == 0 and float(x[:, :16].sum()) == 0
    assert float(x.sum()) == pytest.approx(14 * 2.0, abs=1e-5)  # 14 columns, a band 2 pixels wide each
    assert float(to_benchmark_scale(x)[15, 16]) == pytest.approx(0.5)  # 2 * 0.75 - 1


def test_a_line_entering_part_way_weighs_its_first_pixel() -> None:
    """theta = pi + atan(1/2) points west-south-west; walking the major axis upwards starts at the far
    end, column 16 - 6 sqrt 5 = 2.584, whose column 2 has weight ceil(2.584) - 2.584 = 0.416."""
    x = render_lines(torch.tensor([math.pi + math.atan(0.5)]))[0, 0].double()
    w = 3 - (16 - 6 * math.sqrt(5))
    assert float(x[:, 2].sum()) == pytest.approx(2 * w, abs=1e-5)
    assert float(x[:, 1].sum()) == 0 and float(x[:, 3].sum()) == pytest.approx(2.0, abs=1e-5)


def test_the_bank_is_the_papers() -> None:
    gt = LinesGroundTruth()
    assert N_BANK == 10_000 and gt.bank.shape == (10_000, 32 * 32)
    assert float(gt.angles[1]) == pytest.approx(2 * math.pi / 10_000)


def test_distance_is_cosine_on_the_benchmark_scale() -> None:
    """A crossfade of two lines, measured by hand on the [-1, 1] scale against the nearest bank line."""
    gt = LinesGroundTruth()
    a, b = render_lines(torch.tensor([0.3, 1.9]))
    mix = 0.5 * (a + b)
    factors, dist = gt.nearest(mix[None])
    f = (2 * mix - 1).flatten().double()
    lines = (2 * render_lines(gt.angles) - 1).flatten(1).double()
    cos = (lines @ f) / (lines.norm(dim=1) * f.norm())
    assert float(dist[0]) == pytest.approx(float(1 - cos.max()), abs=1e-6)
    assert float(factors["angle"][0]) == pytest.approx(float(gt.angles[int(cos.argmax())]))
    on_grid = render_lines(gt.angles[[17, 4321]])
    assert gt.nearest(on_grid)[1].max() < 1e-6
