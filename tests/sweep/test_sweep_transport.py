"""Models reach the workers as checkpoint bytes (family, config, safetensors weights), nothing pickled."""

from __future__ import annotations

import pytest
import torch

import latentwalk
from latentwalk.errors import InvalidParameterError
from latentwalk.models import build
from latentwalk.models.gan import GANConfig
from latentwalk.models.model import Model
from latentwalk.sweep.transport import pack, unpack


def test_a_family_model_is_rebuilt_from_its_weights_exactly() -> None:
    # a GAN: spectral norm makes it a parametrized module, which pickle refuses
    gan = Model(build("gan", GANConfig(channels=1, size=16, latent_dim=8, width=8), seed=0).eval(),
                {"trained_on": {"dataset": "digits"}}, "tiny-gan")
    blob = pack(gan)
    assert b'"kind": "family"' in blob[:200]
    again = unpack(blob)
    z = torch.randn(3, 8, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(gan.decode(z), again.decode(z))
    assert again.meta["trained_on"] == {"dataset": "digits"} and again.spec == "tiny-gan"


def test_a_model_that_cannot_travel_says_what_to_do() -> None:
    dec = torch.nn.Sequential(torch.nn.Linear(4, 64), torch.nn.Sigmoid(), torch.nn.Unflatten(1, (1, 8, 8)))
    wrapped = latentwalk.wrap(encode=lambda x: x.flatten(1)[:, :4], decode=dec, latent_shape=(4,), data_shape=(1, 8, 8))
    with pytest.raises(InvalidParameterError, match="--engine serial"):
        pack(Model(wrapped, {}, "mine"))
