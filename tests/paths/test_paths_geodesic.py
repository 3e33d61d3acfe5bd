"""The geodesic: shorter than the straight line where the decoder curves space, straight where it does not."""

from __future__ import annotations

import math

import pytest
import torch

from latentwalk import interpolate
from latentwalk.errors import InvalidParameterError
from latentwalk.paths.geodesic import GeodesicNotConvergedError, GeodesicWarning, geodesic_path


def polar(z: torch.Tensor) -> torch.Tensor:
    """Latent (angle, radius) -> the point in the plane: a straight latent line is an arc."""
    return torch.stack([z[:, 1] * torch.cos(z[:, 0]), z[:, 1] * torch.sin(z[:, 0])], 1)


def mlp_decoder(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 32), torch.nn.Tanh(), torch.nn.Linear(32, 20), torch.nn.Sigmoid())


def decoded_length(decode, z: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        x = decode(z.reshape(-1, z.shape[-1])).reshape(z.shape[0], z.shape[1], -1)
    return (x[:, 1:] - x[:, :-1]).norm(dim=2).sum(1)


def test_circle_geodesic_is_the_chord() -> None:
    # From angle 0 to angle 2 on the unit circle: the straight latent line walks the arc
    # (length 2); the shortest decoded path is the chord, 2 sin(1).
    z0, z1 = torch.tensor([[0.0, 1.0]]), torch.tensor([[2.0, 1.0]])
    r = geodesic_path(z0, z1, torch.linspace(0, 1, 9), polar)
    assert r.report.converged
    assert r.report.length_before[0] == pytest.approx(2.0, rel=1e-3)
    assert r.report.length_after[0] == pytest.approx(2 * math.sin(1.0), rel=5e-3)
    assert torch.equal(r.z[:, 0], z0) and torch.equal(r.z[:, -1], z1)
    mid = polar(r.z[0, 4:5])[0]  # the chord's midpoint is (cos 1, sin 1) * cos 1
    assert torch.allclose(mid, torch.tensor([math.cos(1.0), math.sin(1.0)]) * math.cos(1.0), atol=1e-2)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_never_longer_than_the_straight_start(seed: int) -> None:
    dec = mlp_decoder(seed)
    g = torch.Generator().manual_seed(seed)
    z0, z1 = torch.randn(4, 3, generator=g) * 2, torch.randn(4, 3, generator=g) * 2
    t = torch.linspace(0, 1, 129)  # the report measures on 4 x 32 steps
    r = geodesic_path(z0, z1, t, dec, parametrize="uniform")
    rep = r.report
    assert all(a <= b + 1e-6 for a, b in zip(rep.length_after, rep.length_before))
    straight = decoded_length(dec, interpolate(z0, z1, t, "lerp"))
    assert bool((decoded_length(dec, r.z) <= straight + 1e-5).all())
    assert bool(torch.isfinite(r.z).all())


def test_strictly_shorter_on_a_curved_decoder() -> None:
    z0, z1 = torch.tensor([[0.2, 1.0], [1.0, 2.0]]), torch.tensor([[2.5, 1.0], [3.0, 0.5]])
    r = geodesic_path(z0, z1, torch.linspace(0, 1, 5), polar)
    assert all(a < 0.95 * b for a, b in zip(r.report.length_after, r.report.length_before))


def test_linear_decoder_geodesic_stays_straight() -> None:
    w = torch.randn(6, 3, generator=torch.Generator().manual_seed(0))
    z0, z1 = torch.randn(3, 3), torch.randn(3, 3)
    t = torch.linspace(0, 1, 7)
    r = geodesic_path(z0, z1, t, lambda z: z @ w.T)
    assert torch.allclose(r.z, interpolate(z0, z1, t, "lerp"), atol=1e-4)


def test_waypoints_are_visited() -> None:
    z0, z1, w = torch.tensor([[0.0, 1.0]]), torch.tensor([[2.0, 1.0]]), torch.tensor([[1.0, 1.5]])
    r = geodesic_path(z0, z1, torch.linspace(0, 1, 5), polar, waypoints=w)
    assert (r.nodes[0] - w[0]).norm(dim=1).min() < 1e-6


def test_unconverged_is_never_silent() -> None:
    z0, z1 = torch.tensor([[0.0, 1.0]]), torch.tensor([[2.5, 1.0]])
    with pytest.warns(GeodesicWarning, match="did not converge"):
        r = geodesic_path(z0, z1, torch.linspace(0, 1, 5), polar, max_iter=2)
    assert not r.report.converged and r.report.summary()["converged"] == 0.0
    with pytest.raises(GeodesicNotConvergedError, match="max_iter"):
        geodesic_path(z0, z1, torch.linspace(0, 1, 5), polar, max_iter=2, strict=True)


def test_bad_input_teaches() -> None:
    z = torch.zeros(1, 2)
    with pytest.raises(InvalidParameterError, match="decoder=model.decode"):
        interpolate(z, z + 1, torch.linspace(0, 1, 3), "geodesic")
    with pytest.raises(InvalidParameterError, match="'n_nodes' parameter of geodesic"):
        geodesic_path(z, z + 1, torch.linspace(0, 1, 3), polar, n_nodes=1)


def test_float64_kept_and_endpoints_exact() -> None:
    z0, z1 = torch.tensor([[0.1, 1.0]], dtype=torch.float64), torch.tensor([[1.5, 1.2]], dtype=torch.float64)
    z = interpolate(z0, z1, torch.linspace(0, 1, 6), "geodesic", decoder=polar)
    assert z.dtype == torch.float64 and torch.equal(z[:, 0], z0) and torch.equal(z[:, -1], z1)


def test_walk_reports_convergence(tiny_vae: torch.nn.Module) -> None:
    from latentwalk.data import resolve_item
    from latentwalk.pipeline import run_walk

    items = [resolve_item(s, (1, 16, 16)) for s in ("digits:0", "digits:1")]
    res = run_walk(tiny_vae, items, ["geodesic"], 5, metrics=["smoothness"])
    conv = res.walks["geodesic"].metrics["convergence"].summary
    assert conv["length_after"] <= conv["length_before"] + 1e-6 and conv["converged"] in (0.0, 1.0)
