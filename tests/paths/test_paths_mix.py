"""Distribution-matched mixes, analogies and corner grids."""

from __future__ import annotations

import pytest
import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.paths.mix import analogy, corner_grid, mix


def samples(n: int = 3, m: int = 20000, d: int = 8) -> torch.Tensor:
    return torch.randn(m, n, d, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


def test_matched_mix_keeps_standard_normal() -> None:
    z = samples()
    w = torch.tensor([0.2, 0.5, 0.3])
    out = torch.stack([mix(z[i], w) for i in range(4000)])  # (M, d)
    assert abs(float(out.mean())) < 0.03 and abs(float(out.var()) - 1) < 0.05
    linear = torch.stack([mix(z[i], w, "linear") for i in range(4000)])
    assert abs(float(linear.var()) - float(w.pow(2).sum())) < 0.03  # shrinks: why matching matters


def test_matched_analogy_keeps_standard_normal() -> None:
    z = samples()
    out = analogy(z[:, 0], z[:, 1], z[:, 2])
    assert abs(float(out.mean())) < 0.02 and abs(float(out.var()) - 1) < 0.03
    assert torch.allclose(analogy(z[0, 0], z[0, 1], z[0, 2], "linear"), z[0, 2] + z[0, 1] - z[0, 0])


def test_grid_corners_and_matched_cells() -> None:
    z = samples(4, 2000)
    g = torch.stack([corner_grid(z[i], 5, 5) for i in range(2000)])  # (M, 5, 5, d)
    assert torch.equal(g[:, 0, 0], z[:, 0]) and torch.equal(g[:, 0, -1], z[:, 1])
    assert torch.equal(g[:, -1, 0], z[:, 2]) and torch.equal(g[:, -1, -1], z[:, 3])
    assert abs(float(g[:, 2, 2].var()) - 1) < 0.1  # the centre is as typical as a corner


def test_three_corners_make_an_analogy_grid() -> None:
    c = torch.randn(3, 6)
    g = corner_grid(c, 4, 4, "linear")
    assert torch.allclose(g[-1, -1], c[1] + c[2] - c[0], atol=1e-6)


def test_bad_corners() -> None:
    with pytest.raises(InvalidParameterError, match="3 or 4 corners|at least 3"):
        corner_grid(torch.randn(2, 4))
    with pytest.raises(InvalidParameterError, match="not all zero"):
        mix(torch.randn(2, 4), torch.zeros(2))
