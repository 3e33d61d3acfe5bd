"""`latentwalk.wrap` and TorchScript models: the user's own encoder/decoder in a few lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

import latentwalk
from latentwalk.errors import CheckpointError, InvalidParameterError, UnsupportedOperationError
from latentwalk.models import load_model


class TinyAE(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Linear(64, 4)
        self.dec = nn.Sequential(nn.Linear(4, 64), nn.Sigmoid())

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x.flatten(1))

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.dec(z).view(-1, 1, 8, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def _ae() -> TinyAE:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        return TinyAE()


def test_wrap_plain_functions() -> None:
    w = torch.randn(64, 4, generator=torch.Generator().manual_seed(0))
    model = latentwalk.wrap(encode=lambda x: x.flatten(1) @ w, decode=lambda z: torch.sigmoid(z @ w.T).view(-1, 1, 8, 8),
                            latent_shape=(4,), data_shape=(1, 8, 8))
    x = torch.rand(3, 1, 8, 8)
    z = model.encode(x).mode()
    assert z.shape == (3, 4) and model.decode(z).shape == (3, 1, 8, 8)
    assert model.has_encoder and model.prior == "gaussian"


def test_wrap_modules_registers_them_and_gaussian_pairs() -> None:
    enc, dec = nn.Linear(64, 8), nn.Sequential(nn.Linear(4, 64), nn.Unflatten(1, (1, 8, 8)))
    model = latentwalk.wrap(encode=lambda x: tuple(enc(x.flatten(1)).chunk(2, 1)), decode=dec, latent_shape=[4], data_shape=(1, 8, 8))
    assert len(list(model.parameters())) == len(list(dec.parameters()))
    x = torch.rand(2, 1, 8, 8)
    q = model.encode(x)
    with torch.no_grad():
        assert torch.allclose(q.mode(), enc(x.flatten(1))[:, :4])
    assert q.sample(torch.Generator().manual_seed(0)).shape == (2, 4)
    model.eval()
    assert not dec.training


def test_wrap_without_encoder_inverts(tmp_path: Path) -> None:
    ae = _ae()
    model = latentwalk.wrap(decode=ae.decode, latent_shape=(4,), data_shape=(1, 8, 8), prior="none")
    with pytest.raises(UnsupportedOperationError, match="invert"):
        model.encode(torch.rand(1, 1, 8, 8))
    with torch.no_grad():
        x = ae.decode(torch.randn(2, 4, generator=torch.Generator().manual_seed(5)))
    z = model.invert(x, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert float((ae.decode(z) - x).pow(2).mean()) < 1e-3
    assert model.last_inversion is not None


def test_wrap_checks_what_the_user_gives() -> None:
    with pytest.raises(InvalidParameterError, match="decode"):
        latentwalk.wrap(encode=None, decode=None, latent_shape=(4,), data_shape=(1, 8, 8))
    with pytest.raises(InvalidParameterError, match="latent_shape"):
        latentwalk.wrap(decode=lambda z: z, latent_shape=(0,), data_shape=(1, 8, 8))
    with pytest.raises(InvalidParameterError, match="prior"):
        latentwalk.wrap(decode=lambda z: z, latent_shape=(4,), data_shape=(1, 8, 8), prior="laplace")
    model = latentwalk.wrap(encode=lambda x: x.flatten(1)[:, :3], decode=_ae().decode, latent_shape=(4,), data_shape=(1, 8, 8))
    with pytest.raises(InvalidParameterError, match="latent_shape"):
        model.encode(torch.rand(1, 1, 8, 8))
    with pytest.raises(InvalidParameterError, match="shape"):
        model.decode(torch.zeros(1, 5))


def _save_folder(folder: Path, meta: dict[str, object]) -> Path:
    folder.mkdir()
    torch.jit.save(torch.jit.script(_ae()), str(folder / "model.ts"))
    (folder / "latentwalk.json").write_text(json.dumps(meta))
    return folder


def test_torchscript_folder(tmp_path: Path) -> None:
    folder = _save_folder(tmp_path / "ts", {"latent_shape": [4], "data_shape": [1, 8, 8], "prior": "gaussian"})
    model, meta = load_model(str(folder))
    x = torch.rand(2, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(model.decode(model.encode(x).mode()), _ae()(x))
    assert meta["family"] == "torchscript" and model.prior == "gaussian"


def test_torchscript_single_file_with_embedded_metadata(tmp_path: Path) -> None:
    path = tmp_path / "m.ts"
    torch.jit.save(torch.jit.script(_ae()), str(path),
                   _extra_files={"latentwalk.json": json.dumps({"latent_shape": [4], "data_shape": [1, 8, 8]})})
    model, _ = load_model(str(path))
    assert model.latent_shape == (4,) and model.prior == "none"


def test_torchscript_errors(tmp_path: Path) -> None:
    path = tmp_path / "m.ts"
    torch.jit.save(torch.jit.script(_ae()), str(path))
    with pytest.raises(CheckpointError, match="latentwalk.json"):
        load_model(str(path))
    bad = tmp_path / "bad.ts"
    bad.write_bytes(b"not a zip")
    with pytest.raises(CheckpointError, match="TorchScript"):
        load_model(str(bad))
    folder = _save_folder(tmp_path / "nometa", {"data_shape": [1, 8, 8]})
    with pytest.raises(CheckpointError, match="latent_shape"):
        load_model(str(folder))
