"""Tiny models of the GAN, latent-diffusion and DDIM families, so each test file runs in seconds."""

from __future__ import annotations

import pytest
import torch

from latentwalk.data import get_dataset
from latentwalk.models import build
from latentwalk.models.ddim import DDIMConfig, DDIMTrainConfig, fit_ddim
from latentwalk.models.gan import GANConfig, GANTrainConfig, fit_gan

TINY_GAN = GANConfig(channels=1, size=16, latent_dim=8, width=8)
TINY_DDIM = DDIMConfig(channels=1, size=16, width=8, sample_steps=100)


def tiny_ldm_config():  # type: ignore[no-untyped-def]
    from latentwalk.models.ldm import LDMConfig

    return LDMConfig(in_channels=1, sample_size=16, block_out_channels=(8, 8), latent_channels=2,
                     norm_num_groups=4, mid_block_add_attention=False)


@pytest.fixture(scope="session")
def digits() -> torch.Tensor:
    return get_dataset("digits").load().x


@pytest.fixture(scope="session")
def trained_gan(digits: torch.Tensor) -> torch.nn.Module:
    model = build("gan", TINY_GAN, seed=0)
    fit_gan(model, digits, GANTrainConfig(steps=150, batch_size=32), progress=False)
    return model.eval()


@pytest.fixture(scope="session")
def trained_ddim(digits: torch.Tensor) -> torch.nn.Module:
    model = build("ddim", TINY_DDIM, seed=0)
    fit_ddim(model, digits, DDIMTrainConfig(steps=150, batch_size=32), progress=False)
    return model.eval()


@pytest.fixture(scope="session")
def tiny_ldm() -> torch.nn.Module:
    pytest.importorskip("diffusers")
    return build("ldm-ae", tiny_ldm_config(), seed=0).eval()
