"""`latentwalk walk --model` with a TorchScript folder, a diffusers folder and a hub name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from latentwalk.cli import app


class ScriptedAE(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = torch.nn.Linear(256, 6)
        self.dec = torch.nn.Linear(6, 256)

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x.flatten(1))

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec(z)).view(-1, 1, 16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def _walk(model: str, out: Path) -> object:
    args = ["walk", "--model", model, "--from", "digits:0", "--to", "digits:1", "--steps", "4", "--out", str(out), "-q"]
    return CliRunner().invoke(app, args)


def test_walk_with_a_torchscript_folder(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    with torch.random.fork_rng():
        torch.manual_seed(0)
        torch.jit.save(torch.jit.script(ScriptedAE()), str(folder / "model.ts"))
    (folder / "latentwalk.json").write_text(json.dumps({"latent_shape": [6], "data_shape": [1, 16, 16], "prior": "gaussian"}))
    result = _walk(str(folder), tmp_path / "out")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["model"]["family"] == "torchscript" and len(manifest["model"]["weights_sha256"]) == 64


def test_walk_with_a_diffusers_folder(tmp_path: Path) -> None:
    pytest.importorskip("diffusers")
    from families_tiny import tiny_ldm_config  # type: ignore[import-not-found]

    from latentwalk.models import build

    build("ldm-ae", tiny_ldm_config(), seed=0).eval().save_pretrained(tmp_path / "vae")
    result = _walk(str(tmp_path / "vae"), tmp_path / "out")
    assert result.exit_code == 0, result.output
    codes = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert codes["model"]["family"] == "ldm-ae"


def test_walk_with_a_hub_name_says_it_does_not_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = _walk("stabilityai/sd-vae-ft-mse", tmp_path / "out")
    assert result.exit_code == 2
    assert "never downloads" in result.output and "Traceback" not in result.output
