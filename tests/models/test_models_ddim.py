"""DDIM noise latent: deterministic inversion followed by sampling gives the input back; the
error is measured per input; diffusers stays an extra."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from latentwalk.errors import InvalidParameterError, MissingExtraError, UnsupportedOperationError
from latentwalk.models import build, load_checkpoint, save_checkpoint
from latentwalk.models.ddim import DDIMConfig

pytest.importorskip("diffusers")

# Per-image RMS in [0, 1] pixels after x -> x_T -> x with 100 DDIM steps on the tiny model trained
# 150 steps (conftest.py; measured 0.008-0.011 on 4 digits). Another x_T of the same norm decodes
# 0.47-0.69 away; 4 steps instead of 40 give 100x the squared error.
ROUND_TRIP_RMSE_BOUND = 0.03


def _rmse(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).pow(2).flatten(1).mean(1).sqrt()


def test_inversion_then_sampling_reproduces_the_input(trained_ddim: torch.nn.Module, digits: torch.Tensor) -> None:
    x = digits[[0, 1, 2, 3]]
    x_t = trained_ddim.invert(x)
    rec = trained_ddim.decode(x_t)
    rmse = _rmse(rec, x)
    assert float(rmse.max()) < ROUND_TRIP_RMSE_BOUND, rmse
    assert trained_ddim.last_inversion["rmse"] == pytest.approx(rmse.tolist(), abs=1e-4)  # recorded per input
    # x_T is noise-like: about unit variance, far from the image itself ...
    assert 0.5 < float(x_t.std()) < 1.5
    assert float((x_t - (2 * x - 1)).abs().mean()) > 0.3
    # ... and another x_T of the same norm decodes far from x: the bound above can fail
    other = torch.randn(x_t.shape, generator=torch.Generator().manual_seed(0))
    other = other * x_t.flatten(1).norm(dim=1)[:, None, None, None] / other.flatten(1).norm(dim=1)[:, None, None, None]
    assert float(_rmse(trained_ddim.decode(other), x).min()) > 5 * ROUND_TRIP_RMSE_BOUND


def test_more_steps_invert_better(trained_ddim: torch.nn.Module, digits: torch.Tensor) -> None:
    x = digits[[4, 5]]
    errs = [float((trained_ddim.sample(trained_ddim.invert(x, steps=s), s) - x).pow(2).mean()) for s in (4, 40)]
    assert errs[1] < errs[0] / 4


def test_same_seed_same_bytes(digits: torch.Tensor) -> None:
    a, b = (build("ddim", DDIMConfig(width=8, sample_steps=5), seed=3).eval() for _ in range(2))
    x = digits[:2]
    assert torch.equal(a.invert(x), b.invert(x)) and torch.equal(a.invert(x), a.invert(x))
    z = torch.randn(2, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    assert a.decode(z).numpy().tobytes() == b.decode(z).numpy().tobytes()


def test_timesteps_end_at_t_minus_one() -> None:
    m = build("ddim", DDIMConfig(width=8, sample_steps=10), seed=0)
    ts = m.timesteps()
    assert ts[-1] == 999 and ts == sorted(ts) and len(set(ts)) == 10


def test_no_transposed_convolutions() -> None:
    """The old patch-2 output layer (a stride-2 ConvTranspose2d) drew checkerboards."""
    m = build("ddim", DDIMConfig(width=8), seed=0)
    assert not any(isinstance(layer, torch.nn.ConvTranspose2d) for layer in m.modules())


def test_bad_input_and_config() -> None:
    m = build("ddim", DDIMConfig(width=8, sample_steps=2), seed=0).eval()
    with pytest.raises(InvalidParameterError, match="shape"):
        m.invert(torch.zeros(1, 1, 8, 8))
    with pytest.raises(UnsupportedOperationError, match="invert"):
        m.encode(torch.zeros(1, 1, 16, 16))
    with pytest.raises(InvalidParameterError, match="multiple of 8"):
        DDIMConfig(width=12)
    with pytest.raises(InvalidParameterError, match="sample_steps"):
        DDIMConfig(sample_steps=0)
    with pytest.raises(InvalidParameterError, match="divisible by 4"):
        DDIMConfig(size=18, channel_mult=(1, 2, 2))
    with pytest.raises(InvalidParameterError, match="prediction_type"):
        DDIMConfig(prediction_type="sample")  # type: ignore[arg-type]


def test_v_prediction_trains_and_inverts(digits: torch.Tensor) -> None:
    """The built-in's choice (Salimans & Ho 2022): the U-Net learns v, the schedulers read it as v."""
    from latentwalk.models import train
    from latentwalk.models.ddim import DDIMTrainConfig

    m = build("ddim", DDIMConfig(width=8, sample_steps=100, prediction_type="v_prediction"), seed=0)
    train(m, digits, DDIMTrainConfig(steps=150, batch_size=32), progress=False)
    m.eval().invert(digits[[0, 1]])
    assert max(m.last_inversion["rmse"]) < ROUND_TRIP_RMSE_BOUND


def test_a_walk_records_the_inversion_error(trained_ddim: torch.nn.Module, digits: torch.Tensor) -> None:
    from latentwalk.data import Item
    from latentwalk.pipeline import run_walk

    res = run_walk(trained_ddim, [Item(digits[0], "a"), Item(digits[1], "b")], ["slerp"], steps=4)
    report = res.params["inversion"]
    assert report["steps"] == trained_ddim.config.sample_steps and len(report["rmse"]) == 2
    assert max(report["rmse"]) < ROUND_TRIP_RMSE_BOUND


def test_without_diffusers_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "diffusers", None)  # `import diffusers` now raises ImportError
    with pytest.raises(MissingExtraError, match=r"latentwalk\[diffusion\]"):
        build("ddim", DDIMConfig(width=8), seed=0)


def test_checkpoint_round_trip(trained_ddim: torch.nn.Module, tmp_path: Path) -> None:
    save_checkpoint(trained_ddim, tmp_path / "ddim")
    loaded, _ = load_checkpoint(tmp_path / "ddim")
    z = torch.randn(2, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    assert torch.allclose(loaded.decode(z), trained_ddim.decode(z), atol=1e-6)
