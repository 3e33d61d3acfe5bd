"""The server over tiny models, one app per module: a digits VAE trained for a quarter of a second
(an untrained decoder draws the same grey blur at every t, and the tests look at frames changing)
and an untrained tiny sound VAE. No built-in model is trained."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from latentwalk.models import build, save_checkpoint
from latentwalk.models.audio import AudioAEConfig


@pytest.fixture(scope="session")
def sketchy_vae() -> torch.nn.Module:
    """A tiny digits VAE after 3 epochs (~0.3 s on one core): blurry, but its frames change along a walk."""
    from latentwalk.data import get_dataset
    from latentwalk.models.autoencoders import ConvAEConfig
    from latentwalk.models.training import TrainConfig, train

    model = build("vae", ConvAEConfig(channels=1, size=16, latent_dim=4, width=8), seed=0)
    train(model, get_dataset("digits").load().x, TrainConfig(epochs=3, lr=3e-3), progress=False)
    return model


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory: pytest.TempPathFactory, sketchy_vae: torch.nn.Module) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    sound = build("audio-vae", AudioAEConfig(latent_dim=2, hidden=8, pool=9, arch="logconv", channels=4), seed=0)
    return {
        "tiny-vae": save_checkpoint(sketchy_vae, root / "tiny-vae", {"trained_on": {"dataset": "digits", "n_items": 0}}),
        "tiny-tones": save_checkpoint(sound, root / "tiny-tones", {"trained_on": {"dataset": "tones", "n_items": 0}}),
    }


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="module")
def web(checkpoints: dict[str, Path], server_dir: Path) -> Any:
    pytest.importorskip("fastapi", reason="the server is the [serve] extra: pip install -e '.[serve]'")
    from latentwalk.serve import create_app

    return create_app([str(checkpoints["tiny-vae"]), str(checkpoints["tiny-tones"])], tmpdir=server_dir)


@pytest.fixture(scope="module")
def client(web: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(web) as c:
        yield c
