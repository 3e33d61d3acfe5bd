"""Directions from labelled codes: atvec, balanced atvec, classifier normal, PCA."""

from __future__ import annotations

import math

import pytest
import torch

from latentwalk.errors import InvalidParameterError, UnknownNameError
from latentwalk.factors import DIRECTIONS, FactorInfo, binary_target, find_direction, pca_directions, traverse

BINARY = FactorInfo("a", "categorical", 1.0)


def correlated_codes(n: int = 4000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Codes where factor a lives on axis 0 and factor b on axis 1, and b mostly equals a."""
    g = torch.Generator().manual_seed(seed)
    a = (torch.rand(n, generator=g) < 0.5).double()
    b = torch.where(torch.rand(n, generator=g) < 0.9, a, 1 - a)
    z = torch.randn(n, 6, generator=g, dtype=torch.float64) * 0.3
    z[:, 0] += 2 * a
    z[:, 1] += 2 * b
    return z, a, b


def test_plain_atvec_leaks_a_correlated_factor_and_balanced_does_not() -> None:
    z, a, b = correlated_codes()
    plain = find_direction("atvec", z, "a", a, BINARY, positive=1.0)
    balanced = find_direction("balanced", z, "a", a, BINARY, positive=1.0, others={"b": (b, FactorInfo("b", "categorical", 1.0))})
    assert abs(float(plain.vector[1])) > 0.5  # b's axis leaks into a's vector
    assert float(balanced.vector[0]) > 0.99 and abs(float(balanced.vector[1])) < 0.1


def test_balanced_with_many_factors_keeps_the_correlated_one_and_still_removes_its_leak() -> None:
    """Ten continuous nuisance factors in quartiles would put every item in a stratum of its own
    (faces): balancing keeps the correlated factor and drops independent ones until pairs remain."""
    z, a, b = correlated_codes()
    g = torch.Generator().manual_seed(3)
    cont = FactorInfo("n", "continuous", 2.0)
    others = {f"n{i}": (torch.rand(len(a), generator=g, dtype=torch.float64) * 2 - 1, cont) for i in range(10)}
    others["b"] = (b, FactorInfo("b", "categorical", 1.0))
    d = find_direction("balanced", z, "a", a, BINARY, positive=1.0, others=others)
    assert "b" in d.info["balanced_on"] and len(d.info["balanced_on"]) < len(others)
    assert float(d.vector[0]) > 0.99 and abs(float(d.vector[1])) < 0.1


def test_classifier_normal_finds_the_separating_axis() -> None:
    z, a, _ = correlated_codes()
    z[:, 1] = torch.randn(len(z), generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    d = find_direction("classifier", z, "a", a, BINARY, positive=1.0)
    assert float(d.vector[0]) > 0.95 and d.vector.norm().item() == pytest.approx(1.0)


def test_pca_in_sigma_units() -> None:
    g = torch.Generator().manual_seed(0)
    z = torch.randn(5000, 4, generator=g, dtype=torch.float64) * torch.tensor([3.0, 1.0, 0.5, 0.1], dtype=torch.float64)
    dirs = pca_directions(z, 2)
    assert abs(float(dirs[0].vector[0])) > 0.99 and dirs[0].sigma == pytest.approx(3.0, rel=0.05)
    assert dirs[1].sigma == pytest.approx(1.0, rel=0.05)


def test_traversal_moves_alpha_sigma_along_v() -> None:
    z, a, _ = correlated_codes(200)
    d = find_direction("atvec", z, "a", a, BINARY, positive=1.0)
    path = traverse(z[:3], d, torch.tensor([-2.0, 0.0, 2.0], dtype=torch.float64))
    assert path.shape == (3, 3, 6)
    assert torch.allclose((path[:, 2] - path[:, 1]).norm(dim=1), torch.full((3,), 2 * d.sigma, dtype=torch.float64))


def test_circular_target_splits_by_half_plane() -> None:
    angles = torch.linspace(0, 2 * math.pi, 400, dtype=torch.float64)[:-1]
    z = torch.stack([torch.cos(angles), torch.sin(angles)], 1)
    d = find_direction("atvec", z, "angle", angles, FactorInfo("angle", "circular", math.pi))
    assert float(d.vector[1]) > 0.99  # toward pi/2 by default


def test_bad_input() -> None:
    z, a, _ = correlated_codes(100)
    with pytest.raises(InvalidParameterError, match="which class is positive"):
        find_direction("atvec", z, "a", a, BINARY)
    with pytest.raises(InvalidParameterError, match="at least 2"):
        find_direction("atvec", z, "a", a, BINARY, positive=7.0)
    with pytest.raises(UnknownNameError, match="Did you mean 'atvec'"):
        find_direction("atvek", z, "a", a, BINARY, positive=1.0)


# --- every kind through the registry, PCA included ---------------------------------------------------


def axis_codes(n: int = 3000, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Codes whose principal axes are the coordinate axes, with sigma 3, 2, 1, 0.5, 0.2: factor a
    (binary) moves axis 1 only, so PCA's first axis is noise and its second is a."""
    g = torch.Generator().manual_seed(seed)
    a = (torch.rand(n, generator=g) < 0.5).double()
    z = torch.randn(n, 5, generator=g, dtype=torch.float64) * torch.tensor([3.0, 0.6, 1.0, 0.5, 0.2], dtype=torch.float64)
    z[:, 1] += 3.6 * (a - 0.5)  # std sqrt(0.36 + 3.24) ~ 1.9: PCA's second axis
    return z, a


@pytest.mark.parametrize("kind", ["atvec", "balanced", "classifier", "pca"])
def test_every_kind_has_the_same_call(kind: str) -> None:
    z, a = axis_codes(600)
    y, used = binary_target(a, BINARY, 1.0)
    d = DIRECTIONS.get(kind)(z, "a", y, used, others=None, seed=0)
    assert d.kind == kind and d.vector.shape == (5,) and d.vector.norm().item() == pytest.approx(1.0)
    assert d.sigma > 0 and abs(float(d.vector[1])) > 0.9  # every kind finds a's axis here
    assert float(d.vector[1]) > 0  # pointing at the positives


def test_pca_finder_picks_the_axis_that_separates_the_factor() -> None:
    z, a = axis_codes()
    d = find_direction("pca", z, "a", a, BINARY, positive=1.0)
    assert d.info["component"] == 1 and float(d.vector[1]) > 0.99
    assert d.name == "pca:1" and d.info["chosen_for"] == "a" and d.info["chosen_by"] == "separation"
    assert d.info["separation"] > 1.5  # the classes lie ~1.9 sigma apart along it
    flipped = find_direction("pca", z, "a", a, BINARY, positive=0.0)  # the other class is positive
    assert torch.equal(flipped.vector, -d.vector) and flipped.info["component"] == 1


def test_pca_finder_takes_a_component() -> None:
    z, a = axis_codes()
    d = find_direction("pca", z, "a", a, BINARY, positive=1.0, component=0)
    axes = pca_directions(z, 8)
    assert d.info["component"] == 0 and d.info["chosen_by"] == "component"
    assert torch.allclose(d.vector.abs(), axes[0].vector.abs()) and d.sigma == axes[0].sigma
    with pytest.raises(InvalidParameterError, match=r"The 'component' parameter of the 'pca' direction must be an int in the range \[0, 4\]"):
        find_direction("pca", z, "a", a, BINARY, positive=1.0, component=5)  # 5 dimensions: axes 0 to 4
    with pytest.raises(InvalidParameterError, match="'component' parameter"):
        find_direction("pca", z, "a", a, BINARY, positive=1.0, component="1")


def test_a_kind_refuses_keywords_it_does_not_take() -> None:
    z, a = axis_codes(200)
    with pytest.raises(InvalidParameterError, match=r"'atvec' got unexpected keyword argument\(s\) 'component'; its valid keywords: none"):
        find_direction("atvec", z, "a", a, BINARY, positive=1.0, component=1)
    with pytest.raises(InvalidParameterError, match="'pca' got unexpected .* 'n_axes'; its valid keywords: component"):
        find_direction("pca", z, "a", a, BINARY, positive=1.0, n_axes=3)
    with pytest.raises(UnknownNameError, match="Did you mean 'pca'"):
        find_direction("pcaa", z, "a", a, BINARY, positive=1.0)
