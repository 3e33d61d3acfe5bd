"""Property-based tests of the path maths (hypothesis)."""

from __future__ import annotations

import math

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latentwalk import PATHS, interpolate

LATENT = [m for m in PATHS if PATHS.get(m).space == "latent" and not PATHS.get(m).needs_decoder]
floats = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)


def codes(d: int) -> st.SearchStrategy[torch.Tensor]:
    return st.lists(floats, min_size=d, max_size=d).map(lambda v: torch.tensor(v, dtype=torch.float32))


ts = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=12).map(torch.tensor)


@settings(max_examples=60, deadline=None)
@given(d=st.integers(1, 9).flatmap(lambda d: st.tuples(codes(d), codes(d))), t=ts, method=st.sampled_from(LATENT + ["crossfade"]))
def test_never_nan_and_endpoints_exact(d: tuple[torch.Tensor, torch.Tensor], t: torch.Tensor, method: str) -> None:
    z0, z1 = d
    t = torch.cat([torch.tensor([0.0, 1.0]), t])
    z = interpolate(z0, z1, t, method)
    assert z.shape == (len(t), *z0.shape)
    assert torch.isfinite(z).all()
    assert torch.equal(z[0], z0) and torch.equal(z[1], z1)


@settings(max_examples=60, deadline=None)
@given(pair=st.integers(2, 16).flatmap(lambda d: st.tuples(codes(d), codes(d))), t=ts)
def test_slerp_keeps_norm_of_equal_norm_inputs(pair: tuple[torch.Tensor, torch.Tensor], t: torch.Tensor) -> None:
    z0, z1 = pair
    z0, z1 = z0.double(), z1.double()
    if z0.norm() < 1e-3 or z1.norm() < 1e-3:
        return
    z1 = z1 / z1.norm() * z0.norm()
    norms = interpolate(z0, z1, t.double(), "slerp").norm(dim=-1)
    assert torch.allclose(norms, z0.norm().expand_as(norms), rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(pair=st.integers(2, 16).flatmap(lambda d: st.tuples(codes(d), codes(d))), s=st.floats(-3, 3).filter(lambda s: abs(s) > 1e-3))
def test_slerp_degenerate_pairs(pair: tuple[torch.Tensor, torch.Tensor], s: float) -> None:
    """Parallel and antiparallel inputs: finite, exact endpoints, monotone norm."""
    z0, _ = pair
    if z0.norm() < 1e-3:
        return
    t = torch.linspace(0, 1, 11)
    z = interpolate(z0, z0 * s, t, "slerp")
    assert torch.isfinite(z).all()
    norms = z.norm(dim=-1).double()
    expected = (1 - t.double()) * z0.norm().double() + t.double() * abs(s) * z0.norm().double()
    assert torch.allclose(norms, expected, rtol=1e-4, atol=1e-4)


def test_antiparallel_midpoint_is_orthogonal_not_zero() -> None:
    z0 = torch.tensor([[3.0, 4.0, 0.0]])
    z = interpolate(z0, -z0, torch.tensor([0.5]), "slerp")[0, 0]
    assert math.isclose(float(z.norm()), 5.0, rel_tol=1e-5)
    assert abs(float(z @ z0[0])) < 1e-3


def test_slerp_matches_shoemake_formula() -> None:
    g = torch.Generator().manual_seed(1)
    a, b = torch.randn(2, 32, generator=g, dtype=torch.float64)
    b = b / b.norm() * a.norm()
    omega = torch.arccos(a @ b / (a.norm() * b.norm()))
    t = torch.linspace(0, 1, 7, dtype=torch.float64)
    ref = (torch.sin((1 - t)[:, None] * omega) * a + torch.sin(t[:, None] * omega) * b) / torch.sin(omega)
    assert torch.allclose(interpolate(a, b, t, "slerp"), ref, atol=1e-10)


def test_lerp_midpoint_shrinks_and_slerp_keeps_it() -> None:
    """The seed's point: for N(0, I) codes, LERP's midpoint norm is ~1/sqrt(2) of the endpoints'."""
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(4000, 64, generator=g), torch.randn(4000, 64, generator=g)
    half = torch.tensor([0.5])
    ratio = interpolate(z0, z1, half, "lerp")[:, 0].norm(dim=1).mean() / z0.norm(dim=1).mean()
    assert abs(float(ratio) - 1 / math.sqrt(2)) < 0.02
    ratio = interpolate(z0, z1, half, "slerp")[:, 0].norm(dim=1).mean() / z0.norm(dim=1).mean()
    assert abs(float(ratio) - 1) < 0.01


def test_matched_keeps_standard_normal_statistics() -> None:
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(20000, 8, generator=g), torch.randn(20000, 8, generator=g)
    for t in (0.25, 0.5, 0.8):
        z = interpolate(z0, z1, torch.tensor([t]), "matched")[:, 0]
        assert abs(float(z.mean())) < 0.02
        assert abs(float(z.std()) - 1) < 0.02
        lerp_std = float(interpolate(z0, z1, torch.tensor([t]), "lerp")[:, 0].std())
        assert lerp_std < 0.95  # the drift that matched corrects
