"""Perceptual path length (Karras et al. 2019): units, scaling, determinism and trimming."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentwalk.errors import InvalidParameterError, UnknownNameError
from latentwalk.metrics import WalkView, compute_metrics, perceptual_path_length, ppl_samples, trim_outliers
from latentwalk.paths import PATHS, schedule_ts

D = 8
N = 120  # samples: enough to test the maths, small enough for a shared 2-core machine
A = torch.randn(D, 16, generator=torch.Generator().manual_seed(7))


def linear(z: torch.Tensor) -> torch.Tensor:
    return (z @ A).reshape(-1, 1, 4, 4)


def smooth(z: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(z @ A / 4).reshape(-1, 1, 4, 4)


def _ppl(decode, seed: int = 1, **kwargs) -> dict[str, float]:  # type: ignore[no-untyped-def]
    kwargs.setdefault("n_samples", N)
    return perceptual_path_length(decode, (D,), generator=torch.Generator().manual_seed(seed), **kwargs)


@pytest.mark.parametrize("sampling", ["full", "end"])
def test_zero_for_a_constant_decoder(sampling: str) -> None:
    result = _ppl(lambda z: torch.full((z.shape[0], 1, 4, 4), 0.5), sampling=sampling)
    assert result["mean"] == 0.0 and result["mean_untrimmed"] == 0.0


def test_end_sampling_measures_at_the_endpoints() -> None:
    # G(z) = z / |z| along lerp turns slowest at the ends. At t = 0 a sample is
    # |(z1 - z0) orthogonal to z0|^2 / |z0|^2 / 8 pixels, whose expectation is (D - 1) / (D - 2) / 8.
    def direction(z: torch.Tensor) -> torch.Tensor:
        return (z / z.norm(dim=1, keepdim=True)).reshape(-1, 1, 2, 4)

    end = _ppl(direction, sampling="end", space_method="lerp")["mean"]
    full = _ppl(direction, sampling="full", space_method="lerp")["mean"]
    assert end == pytest.approx((D - 1) / (D - 2) / 8, rel=0.25)
    assert full > 1.5 * end


def test_doubling_the_output_quadruples_squared_l2_ppl() -> None:
    once, twice = _ppl(smooth), _ppl(lambda z: 2 * smooth(z))
    assert twice["mean"] == pytest.approx(4 * once["mean"], rel=1e-6)


def test_deterministic_with_the_same_generator() -> None:
    assert _ppl(smooth, seed=3) == _ppl(smooth, seed=3)
    assert _ppl(smooth, seed=3)["mean"] != _ppl(smooth, seed=4)["mean"]
    assert _ppl(smooth, seed=3, batch_size=32) == _ppl(smooth, seed=3, batch_size=32)


def test_units_match_the_formula_for_a_linear_decoder() -> None:
    # Along lerp, G(z(t + eps)) - G(z(t)) = eps A^T (z1 - z0): every sample is mean((A^T dz)^2),
    # whose expectation over dz ~ N(0, 2 I) is 2 |A|_F^2 / 16.
    samples = ppl_samples(
        linear, (D,), n_samples=400, space_method="lerp", generator=torch.Generator().manual_seed(0)
    )
    expected = 2 * float(A.pow(2).sum()) / 16
    assert float(samples.mean()) == pytest.approx(expected, rel=0.15)


def test_trimming_drops_the_outliers() -> None:
    samples = np.ones(1000)
    samples[:5] = 0.0  # below the 1st percentile
    samples[-5:] = 1e6  # above the 99th percentile
    kept = trim_outliers(samples)
    assert kept.min() == 1.0 and kept.max() == 1.0
    spread = np.random.default_rng(0).random(1000)
    assert (
        trim_outliers(spread).size == 1000 - 9 - 9
    )  # numpy "lower" 1st / "higher" 99th: 9 dropped each side


def test_reported_mean_is_the_trimmed_mean() -> None:
    def spiky(z: torch.Tensor) -> torch.Tensor:  # 50x steeper where z_0 > 1.5: rare huge samples
        return smooth(z) + 50 * torch.relu(z[:, :1, None, None] - 1.5)

    result = _ppl(spiky, seed=5)
    samples = ppl_samples(spiky, (D,), n_samples=N, generator=torch.Generator().manual_seed(5))
    assert result["mean"] == pytest.approx(float(trim_outliers(samples).mean()))
    assert result["mean_untrimmed"] == pytest.approx(float(samples.mean()))
    assert result["n_trimmed"] == N - result["n_kept"] > 0
    assert result["mean"] < result["mean_untrimmed"]


def test_walk_profile_along_the_walks_own_path() -> None:
    z0, z1 = torch.randn(2, 1, D, generator=torch.Generator().manual_seed(2))
    ts = schedule_ts(6)
    codes = PATHS.get("lerp").fn(z0, z1, ts)[0]
    walk = WalkView(frames=linear(codes), ts=ts, codes=codes, decode=linear, method="lerp")
    result = compute_metrics(walk, ["ppl"])["ppl"]
    expected = float(((z1 - z0) @ A).pow(2).mean())  # constant along a straight line
    assert result.profile["t"] == pytest.approx(ts[:-1].tolist())
    assert result.profile["ppl"] == pytest.approx([expected] * 5, rel=1e-2)
    assert result.summary["mean"] == pytest.approx(expected, rel=1e-2)


def test_walk_profile_not_applicable() -> None:
    ts = schedule_ts(4)
    frames = torch.rand(4, 1, 4, 4)
    codes = torch.randn(4, D)
    for walk in (
        WalkView(frames=frames, ts=ts, codes=None, decode=linear, method="lerp"),
        WalkView(frames=frames, ts=ts, codes=codes, decode=None, method="lerp"),
        WalkView(frames=frames, ts=ts, codes=codes, decode=linear, method="crossfade"),
    ):
        assert compute_metrics(walk, ["ppl"]) == {}


def test_bad_parameters_raise() -> None:
    with pytest.raises(InvalidParameterError, match="'sampling' parameter"):
        _ppl(smooth, sampling="middle")
    with pytest.raises(InvalidParameterError, match="'epsilon' parameter"):
        _ppl(smooth, epsilon=0.0)
    with pytest.raises(InvalidParameterError, match="latent_shape"):
        perceptual_path_length(smooth, (0,))
    with pytest.raises(InvalidParameterError, match="latent method"):
        _ppl(smooth, space_method="crossfade")
    with pytest.raises(UnknownNameError, match="Did you mean 'slerp'"):
        _ppl(smooth, space_method="slurp")
    with pytest.raises(UnknownNameError, match="Did you mean 'ssim'"):
        _ppl(smooth, distance="sim")
