"""Tiny models of the GAN, latent-diffusion and DDIM families, so each test file runs in seconds."""

from __future__ import annotations

import pytest
import torch
from families_tiny import TINY_DDIM, TINY_GAN, tiny_ldm_config  # type: ignore[import-not-found]

from latentwalk.data import get_dataset
from latentwalk.models import build, train
from latentwalk.models.ddim import DDIMTrainConfig
from latentwalk.models.gan import GANTrainConfig


@pytest.fixture(scope="session")
def digits() -> torch.Tensor:
    return get_dataset("digits").load().x


@pytest.fixture(scope="session")
def trained_gan(digits: torch.Tensor) -> torch.nn.Module:
    model = build("gan", TINY_GAN, seed=0)
    train(model, digits, GANTrainConfig(steps=150, batch_size=32), progress=False)
    return model.eval()


@pytest.fixture(scope="session")
def trained_ddim(digits: torch.Tensor) -> torch.nn.Module:
    model = build("ddim", TINY_DDIM, seed=0)
    train(model, digits, DDIMTrainConfig(steps=150, batch_size=32), progress=False)
    return model.eval()


@pytest.fixture(scope="session")
def tiny_ldm() -> torch.nn.Module:
    pytest.importorskip("diffusers")
    return build("ldm-ae", tiny_ldm_config(), seed=0).eval()
