"""One conformance suite over every model family (and the user's own models through `wrap`):
shapes of encode/decode, determinism with a seed, bad input raising with a teaching message."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import pytest
import torch
from families_tiny import tiny_latent_ddim_config, tiny_ldm_config  # type: ignore[import-not-found]

import latentwalk
from latentwalk.errors import InvalidParameterError, LatentwalkError, UnsupportedOperationError
from latentwalk.models import FAMILIES, build
from latentwalk.models.acai import ACAIConfig, AudioACAIConfig
from latentwalk.models.audio import AudioAEConfig
from latentwalk.models.autoencoders import ConvAEConfig
from latentwalk.models.ddim import DDIMConfig
from latentwalk.models.gan import GANConfig
from latentwalk.models.inversion import InversionConfig

HAS_DIFFUSERS = importlib.util.find_spec("diffusers") is not None
AE = ConvAEConfig(channels=1, size=16, latent_dim=4, width=4)


def _wrapped() -> Any:
    dec = torch.nn.Sequential(torch.nn.Linear(4, 256), torch.nn.Sigmoid(), torch.nn.Unflatten(1, (1, 16, 16)))
    enc = torch.nn.Linear(256, 4)
    return latentwalk.wrap(encode=lambda x: enc(x.flatten(1)), decode=dec, latent_shape=(4,), data_shape=(1, 16, 16))


TINY: dict[str, Callable[[], Any]] = {
    "ae": lambda: build("ae", AE, 0),
    "vae": lambda: build("vae", AE, 0),
    "gan": lambda: build("gan", GANConfig(size=16, latent_dim=4, width=8), 0),
    "ldm-ae": lambda: build("ldm-ae", tiny_ldm_config(), 0),
    "ldm": lambda: build("ldm", tiny_latent_ddim_config(), 0),
    "ddim": lambda: build("ddim", DDIMConfig(width=8, sample_steps=3), 0),
    "audio-ae": lambda: build("audio-ae", AudioAEConfig(latent_dim=3, hidden=16, pool=9, arch="logconv", channels=4), 0),
    "audio-vae": lambda: build("audio-vae", AudioAEConfig(latent_dim=3, hidden=16, pool=9), 0),
    "acai": lambda: build("acai", ACAIConfig(channels=1, size=16, latent_dim=4, width=4), 0),
    "audio-acai": lambda: build("audio-acai", AudioACAIConfig(latent_dim=3, hidden=16, pool=9), 0),
    "wrapped": _wrapped,
}
INVERT_FAST = InversionConfig(steps=10, restarts=2)


def _model(name: str) -> Any:
    if name in ("ldm-ae", "ldm", "ddim") and not HAS_DIFFUSERS:
        pytest.skip("diffusers is not installed (pip install 'latentwalk[diffusion]')")
    if name not in TINY:  # a family added without one fails here, so the suite covers every family
        pytest.fail(f"no tiny config for family '{name}' in this suite: add one to TINY")
    with torch.random.fork_rng():
        torch.manual_seed(0)
        model = TINY[name]()
    return model.eval()


def _codes(model: Any, x: torch.Tensor, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    if not getattr(model, "has_encoder", True):
        return model.invert(x, generator=g, config=INVERT_FAST) if model.family == "gan" else model.invert(x, generator=g)
    with torch.no_grad():
        return model.encode(x).mode()


NAMES = sorted(set(FAMILIES.names()) | {"wrapped"})


@pytest.mark.parametrize("name", NAMES)
def test_shapes(name: str) -> None:
    model = _model(name)
    x = torch.rand(2, *model.data_shape, generator=torch.Generator().manual_seed(0))
    z = _codes(model, x, 0)
    assert z.shape == (2, *model.latent_shape)
    with torch.no_grad():
        out = model.decode(z)
    assert out.shape == x.shape and torch.isfinite(out).all()
    assert model.prior in ("gaussian", "uniform", "none") and model.modality in ("image", "audio")


@pytest.mark.parametrize("name", NAMES)
def test_randomness_comes_only_from_the_generator(name: str) -> None:
    """Codes depend on the generator's seed and never on (nor change) torch's global RNG: a model
    that drew from the global RNG would give different codes after the global state is moved."""
    model = _model(name)
    x = torch.rand(2, *model.data_shape, generator=torch.Generator().manual_seed(1))
    first = _codes(model, x, 7)
    state = torch.get_rng_state()
    torch.manual_seed(12345)  # move the global RNG
    moved = torch.get_rng_state()
    again = _codes(model, x, 7)
    assert torch.equal(first, again)
    assert torch.equal(torch.get_rng_state(), moved)  # and it was not drawn from
    torch.set_rng_state(state)
    z = torch.randn(2, *model.latent_shape, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():  # a batch decodes as its items do alone (no state between calls, eval mode)
        assert torch.allclose(model.decode(z)[1:], model.decode(z[1:]), atol=1e-4)


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_raises_with_a_message(name: str) -> None:
    model = _model(name)
    with pytest.raises(InvalidParameterError, match="shape"):
        model.decode(torch.zeros(2, 3, 5))
    wrong = torch.zeros(1, 2, 3, 3)
    if getattr(model, "has_encoder", True):
        with pytest.raises(InvalidParameterError, match="shape"):
            model.encode(wrong)
    else:
        with pytest.raises(UnsupportedOperationError, match="invert"):
            model.encode(wrong)
        with pytest.raises(InvalidParameterError, match="shape"):
            model.invert(wrong)


@pytest.mark.parametrize("name", sorted(FAMILIES.names()))
def test_every_family_round_trips_a_checkpoint(name: str, tmp_path: Any) -> None:
    from latentwalk.models import load_checkpoint, save_checkpoint

    model = _model(name)
    save_checkpoint(model, tmp_path / name)
    loaded, meta = load_checkpoint(tmp_path / name)
    z = torch.randn(2, *model.latent_shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(loaded.decode(z), model.decode(z), atol=1e-5)
    assert meta["family"] == name


def test_a_family_without_an_encoder_says_what_to_do_in_one_cli_line(tmp_path: Any) -> None:
    """encode on a GAN raises an error the CLI prints as one line (a LatentwalkError), naming `invert`."""
    model = _model("gan")
    with pytest.raises(LatentwalkError, match="invert") as err:
        model.encode(torch.rand(1, *model.data_shape))
    assert isinstance(err.value, UnsupportedOperationError) and "\n" not in str(err.value)
