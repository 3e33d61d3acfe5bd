"""DDIM noise latent: deterministic inversion followed by sampling gives the input back."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.models import load_checkpoint, save_checkpoint
from latentwalk.models.ddim import DDIMConfig

# Per-image RMS in [0, 1] pixels after x -> x_T -> x with 100 DDIM steps on the tiny model
# (measured 0.07 on 4 digits; a random x_T decodes ~0.3 away). The error shrinks with more steps.
ROUND_TRIP_RMSE_BOUND = 0.1


def test_inversion_then_sampling_reproduces_the_input(trained_ddim: torch.nn.Module, digits: torch.Tensor) -> None:
    x = digits[[0, 1, 2, 3]]
    x_t = trained_ddim.encode(x).mode()
    rec = trained_ddim.decode(x_t)
    rmse = (rec - x).pow(2).flatten(1).mean(1).sqrt()
    assert float(rmse.max()) < ROUND_TRIP_RMSE_BOUND, rmse
    # x_T is noise-like: about unit variance, far from the image itself
    assert 0.5 < float(x_t.std()) < 1.5
    assert float((x_t - (2 * x - 1)).abs().mean()) > 0.3


def test_more_steps_invert_better(trained_ddim: torch.nn.Module, digits: torch.Tensor) -> None:
    x = digits[[4, 5]]
    errs = [float((trained_ddim.sample(trained_ddim.invert(x, s), s) - x).pow(2).mean()) for s in (4, 40)]
    assert errs[1] < errs[0]


def test_deterministic(trained_ddim: torch.nn.Module, digits: torch.Tensor) -> None:
    x = digits[:2]
    assert torch.equal(trained_ddim.encode(x).mode(), trained_ddim.encode(x).mode())


def test_timesteps_end_at_t_minus_one() -> None:
    from latentwalk.models import build

    m = build("ddim", DDIMConfig(width=8, sample_steps=10), seed=0)
    ts = m.timesteps()
    assert ts[-1] == 999 and ts == sorted(ts) and len(set(ts)) == 10


def test_bad_input_and_config() -> None:
    from latentwalk.models import build

    m = build("ddim", DDIMConfig(width=8, sample_steps=2), seed=0).eval()
    with pytest.raises(InvalidParameterError, match="shape"):
        m.encode(torch.zeros(1, 1, 8, 8))
    with pytest.raises(InvalidParameterError, match="multiple of 8"):
        DDIMConfig(width=12)
    with pytest.raises(InvalidParameterError, match="sample_steps"):
        DDIMConfig(sample_steps=0)


def test_checkpoint_round_trip(trained_ddim: torch.nn.Module, tmp_path: Path) -> None:
    save_checkpoint(trained_ddim, tmp_path / "ddim")
    loaded, _ = load_checkpoint(tmp_path / "ddim")
    z = torch.randn(2, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(loaded.decode(z), trained_ddim.decode(z), atol=1e-6)
