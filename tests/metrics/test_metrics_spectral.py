"""High-frequency share: a checkerboard is all high frequency, a flat or slowly varying image none."""

from __future__ import annotations

import pytest
import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.metrics.spectral import high_frequency_share


def test_extremes_and_a_known_mix() -> None:
    i = torch.arange(16.0)
    checker = ((i[:, None] + i[None, :]) % 2)[None, None]  # power only at (Nyquist, Nyquist)
    slow = torch.cos(2 * torch.pi * i / 16)[None, :].expand(16, 16)[None, None]  # 1/16 cycles per sample
    flat = torch.full((1, 1, 16, 16), 0.7)
    share = high_frequency_share(torch.cat([checker, slow, flat, 0.5 * slow + 0.5 * checker]))
    # the mix (Parseval): cosine of amplitude 1/2 has energy N/8, the checker +-1/4 (mean removed) N/16
    assert share.tolist() == pytest.approx([1.0, 0.0, 0.0, 1 / 3], abs=1e-6)


def test_white_noise_fills_the_band_by_area() -> None:
    noise = torch.randn(64, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    # radius > 1/4 in the [-1/2, 1/2)^2 square of frequencies: 1 - pi/16 of the bins
    assert float(high_frequency_share(noise).mean()) == pytest.approx(1 - torch.pi / 16, abs=0.02)


def test_bad_input_raises() -> None:
    with pytest.raises(InvalidParameterError, match="shape"):
        high_frequency_share(torch.zeros(16, 16))
    with pytest.raises(InvalidParameterError, match="cutoff"):
        high_frequency_share(torch.zeros(1, 1, 4, 4), cutoff=0.0)
