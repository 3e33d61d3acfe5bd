"""Shared fixtures: tiny models so the suite runs in minutes on 2 cores, and a private cache."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from hypothesis import settings

# CI runs the same examples every time: a property that fails, fails reproducibly.
settings.register_profile("latentwalk", derandomize=True, deadline=None)
settings.load_profile("latentwalk")

from latentwalk.models import build, save_checkpoint
from latentwalk.models.autoencoders import ConvAEConfig


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Built-in models train into a cache of the test session's own, never the user's.

    Set LATENTWALK_TEST_CACHE to reuse trained built-ins between local runs."""
    shared = os.environ.get("LATENTWALK_TEST_CACHE")
    os.environ["LATENTWALK_CACHE"] = shared or str(tmp_path_factory.mktemp("cache"))


@pytest.fixture()
def no_hang() -> Iterator[None]:
    """Fail, rather than block the suite for ever, if a test opens a FIFO or reads a device to its end."""
    import signal

    def fail(*_: object) -> None:
        raise TimeoutError("a special file was read instead of refused")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture(scope="session")
def tiny_vae() -> torch.nn.Module:
    return build("vae", ConvAEConfig(channels=1, size=16, latent_dim=4, width=4), seed=0)


@pytest.fixture(scope="session")
def tiny_ae() -> torch.nn.Module:
    return build("ae", ConvAEConfig(channels=1, size=16, latent_dim=4, width=4), seed=0)


@pytest.fixture()
def tiny_checkpoint(tmp_path: Path, tiny_vae: torch.nn.Module) -> Path:
    return save_checkpoint(tiny_vae, tmp_path / "tiny-vae", {"trained_on": {"dataset": "digits", "n_items": 0}})
