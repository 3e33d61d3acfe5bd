"""GAN family: no encoder (a named error), inversion recovers sampled codes' images, checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from latentwalk.errors import InvalidParameterError, UnsupportedOperationError
from latentwalk.models import load_checkpoint, save_checkpoint
from latentwalk.models.inversion import InversionConfig

# Pixel MSE in [0, 1] images. A random code's image is ~0.05-0.1 away from a target; inversion
# of an image the generator can make must get an order of magnitude closer.
INVERSION_MSE_BOUND = 5e-3


def test_encode_says_to_invert(trained_gan: torch.nn.Module) -> None:
    with pytest.raises(UnsupportedOperationError, match="invert"):
        trained_gan.encode(torch.zeros(1, 1, 16, 16))


def test_inversion_recovers_a_sampled_codes_image(trained_gan: torch.nn.Module) -> None:
    g = torch.Generator().manual_seed(3)
    z_true = trained_gan.sample_latents(4, g)
    with torch.no_grad():
        x = trained_gan.decode(z_true)
        others = trained_gan.decode(trained_gan.sample_latents(64, g))  # (64, *X)
        baseline = (others[:, None] - x[None]).pow(2).flatten(2).mean(2)  # (64, 4): random codes' errors
    z_hat = trained_gan.invert(x, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        err = (trained_gan.decode(z_hat) - x).pow(2).flatten(1).mean(1)
    assert z_hat.shape == z_true.shape
    assert float(err.max()) < INVERSION_MSE_BOUND, err
    assert float(err.mean()) < 0.2 * float(baseline.mean())
    report = trained_gan.last_inversion
    assert report is not None and len(report["mse"]) == 4 and report["restarts"] == trained_gan.inversion.restarts


def test_inversion_is_deterministic_with_a_seed(trained_gan: torch.nn.Module) -> None:
    x = torch.rand(2, 1, 16, 16)
    cfg = InversionConfig(steps=20, restarts=2)
    a = trained_gan.invert(x, torch.Generator().manual_seed(1), cfg)
    b = trained_gan.invert(x, torch.Generator().manual_seed(1), cfg)
    assert torch.equal(a, b)


def test_inversion_leaves_global_rng_and_weights_alone(trained_gan: torch.nn.Module) -> None:
    before = [p.detach().clone() for p in trained_gan.parameters()]
    trained_gan.zero_grad(set_to_none=True)
    x = torch.rand(1, 1, 16, 16)
    state = torch.random.get_rng_state()
    trained_gan.invert(x, torch.Generator().manual_seed(0), InversionConfig(steps=5, restarts=1))
    assert torch.equal(state, torch.random.get_rng_state())
    assert all(torch.equal(a, b) for a, b in zip(before, trained_gan.parameters()))
    assert all(p.grad is None for p in trained_gan.parameters())


def test_bad_inputs_raise(trained_gan: torch.nn.Module) -> None:
    with pytest.raises(InvalidParameterError, match="shape"):
        trained_gan.invert(torch.rand(2, 1, 8, 8))
    with pytest.raises(InvalidParameterError, match="shape"):
        trained_gan.decode(torch.zeros(2, 3))
    with pytest.raises(InvalidParameterError, match="restarts"):
        InversionConfig(restarts=0)


def test_checkpoint_round_trip(trained_gan: torch.nn.Module, tmp_path: Path) -> None:
    save_checkpoint(trained_gan, tmp_path / "gan")
    loaded, meta = load_checkpoint(tmp_path / "gan")
    z = torch.randn(3, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(loaded.decode(z), trained_gan.decode(z))
    assert meta["family"] == "gan"


def test_walk_between_inverted_inputs_records_the_inversion(trained_gan: torch.nn.Module, digits: torch.Tensor) -> None:
    from latentwalk.data import Item
    from latentwalk.pipeline import run_walk

    items = [Item(digits[0], "digits:0"), Item(digits[1], "digits:1")]
    res = run_walk(trained_gan, items, ["slerp"], steps=5)
    assert res.walks["slerp"].frames.shape == (5, 1, 16, 16)
    assert res.params["inversion"]["restarts"] >= 1 and len(res.params["inversion"]["mse"]) == 2
