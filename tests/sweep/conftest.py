"""Sweep fixtures: tiny untrained models of 32x32 lines (the ACAI metrics apply), specs, one Ray."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from latentwalk.models import build, save_checkpoint
from latentwalk.models.autoencoders import ConvAEConfig


@pytest.fixture(scope="session")
def lines_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding `tiny-ae` and `tiny-vae` checkpoints marked as trained on lines."""
    root = tmp_path_factory.mktemp("lines-models")
    for family in ("ae", "vae"):
        model = build(family, ConvAEConfig(channels=1, size=32, latent_dim=4, width=4, arch="mlp", depth=1), seed=0)
        save_checkpoint(model, root / f"tiny-{family}", {"trained_on": {"dataset": "lines", "n_items": 0}})
    return root


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[object]:
    """One local Ray for the session (2 CPUs; it takes several seconds to start), shut down at the end."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()
