"""Frame distances: zero on identical frames, positive otherwise, matching scikit-image."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from skimage.metrics import structural_similarity

from latentwalk.errors import InvalidParameterError, UnknownNameError
from latentwalk.metrics import FRAME_DISTANCES, step_distances
from latentwalk.metrics.distances import ssim_window


def _frames(seed: int, shape: tuple[int, ...]) -> torch.Tensor:
    return torch.rand(shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("name", ["rms", "ssim"])
@pytest.mark.parametrize("shape", [(3, 1, 8, 8), (2, 3, 16, 16), (2, 1, 5, 4), (2, 2, 12)])
def test_zero_for_identical_positive_otherwise(name: str, shape: tuple[int, ...]) -> None:
    dist = FRAME_DISTANCES.get(name)
    a, b = _frames(0, shape), _frames(1, shape)
    same, diff = dist(a, a.clone()), dist(a, b)
    assert same.shape == diff.shape == (shape[0],)
    assert same.dtype == diff.dtype == torch.float64
    assert torch.allclose(same, torch.zeros_like(same), atol=1e-12)
    assert bool((diff > 0).all())


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), channels=st.sampled_from([1, 3]), side=st.sampled_from([3, 4, 8, 16]))
def test_ssim_in_0_2_and_matches_scikit_image(seed: int, channels: int, side: int) -> None:
    a, b = _frames(seed, (2, channels, side, side)), _frames(seed + 1, (2, channels, side, side))
    b[1] = 1 - a[1]  # an anti-correlated pair pushes SSIM below 0
    d = FRAME_DISTANCES.get("ssim")(a, b)
    assert bool(((d >= 0) & (d <= 2)).all())
    win = ssim_window((side, side))
    for i in range(2):
        ref = structural_similarity(
            a[i].double().numpy(), b[i].double().numpy(), win_size=win, data_range=1.0, channel_axis=0
        )
        assert float(d[i]) == pytest.approx(1 - ref, abs=1e-10)


def test_l2_is_root_mean_square() -> None:
    a = torch.zeros(1, 1, 2, 2)
    b = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])
    assert float(FRAME_DISTANCES.get("rms")(a, b)[0]) == pytest.approx(np.sqrt(0.25))


def test_ssim_window_fits_tiny_images() -> None:
    assert ssim_window((8, 8)) == 7
    assert ssim_window((16, 16)) == 7
    assert ssim_window((4, 6)) == 3
    with pytest.raises(InvalidParameterError, match="at least 3"):
        ssim_window((2, 8))


def test_step_distances_adjacent_frames() -> None:
    frames = torch.stack([torch.full((1, 4, 4), v) for v in (0.0, 0.1, 0.3, 0.3)])
    steps = step_distances(frames, "rms")
    assert torch.allclose(steps, torch.tensor([0.1, 0.2, 0.0], dtype=torch.float64), atol=1e-6)


def test_bad_inputs_raise_one_line_errors() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'ssim'"):
        step_distances(torch.rand(3, 1, 8, 8), "ssmi")
    with pytest.raises(InvalidParameterError, match="T >= 2"):
        step_distances(torch.rand(1, 1, 8, 8), "rms")
    with pytest.raises(InvalidParameterError, match="same shape"):
        FRAME_DISTANCES.get("rms")(torch.rand(2, 1, 8, 8), torch.rand(2, 1, 4, 4))
