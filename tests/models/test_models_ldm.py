"""Latent-diffusion autoencoder: the AutoencoderKL adapter, local folders only, (C, H, W) latents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from latentwalk.errors import CheckpointError, InvalidParameterError
from latentwalk.models import load_checkpoint, load_model, save_checkpoint

pytest.importorskip("diffusers")


def test_round_trip_shapes_and_scaling(tiny_ldm: torch.nn.Module) -> None:
    x = torch.rand(3, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        q = tiny_ldm.encode(x)
        z = q.mode()
        rec = tiny_ldm.decode(z)
        raw = tiny_ldm.vae.encode(2 * x - 1).latent_dist.mean
    assert z.shape == (3, *tiny_ldm.latent_shape) == (3, 2, 8, 8)
    assert rec.shape == x.shape and float(rec.min()) >= 0 and float(rec.max()) <= 1
    assert torch.allclose(z, raw * tiny_ldm.config.scaling_factor)
    assert torch.equal(q.sample(torch.Generator().manual_seed(1)), q.sample(torch.Generator().manual_seed(1)))


def test_diffusers_folder_save_and_load(tiny_ldm: torch.nn.Module, tmp_path: Path) -> None:
    folder = tiny_ldm.save_pretrained(tmp_path / "vae")
    model, meta = load_model(str(folder))
    x = torch.rand(2, 1, 16, 16)
    with torch.no_grad():
        assert torch.allclose(model.decode(model.encode(x).mode()), tiny_ldm.decode(tiny_ldm.encode(x).mode()), atol=1e-5)
    assert meta["family"] == "ldm-ae" and len(meta["weights_sha256"]) == 64
    # a pipeline folder with the autoencoder in vae/ works too
    pipeline = tmp_path / "pipe"
    pipeline.mkdir()
    folder.rename(pipeline / "vae")
    assert load_model(str(pipeline))[0].latent_shape == tiny_ldm.latent_shape


def test_latentwalk_checkpoint_round_trip(tiny_ldm: torch.nn.Module, tmp_path: Path) -> None:
    save_checkpoint(tiny_ldm, tmp_path / "ckpt")
    loaded, meta = load_checkpoint(tmp_path / "ckpt")
    z = torch.randn(1, *tiny_ldm.latent_shape)
    with torch.no_grad():
        assert torch.allclose(loaded.decode(z), tiny_ldm.decode(z), atol=1e-6)
    assert meta["family"] == "ldm-ae"


def test_hub_name_offline_gives_the_honest_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CheckpointError, match="never downloads"):
        load_model("stabilityai/sd-vae-ft-mse")


def test_pickle_weights_are_refused(tiny_ldm: torch.nn.Module, tmp_path: Path) -> None:
    folder = tiny_ldm.save_pretrained(tmp_path / "vae")
    (folder / "diffusion_pytorch_model.safetensors").rename(folder / "diffusion_pytorch_model.bin")
    with pytest.raises(CheckpointError, match="safetensors only"):
        load_model(str(folder))


def test_folder_without_config(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "config.json").write_text(json.dumps({"_class_name": "UNet2DModel"}))
    with pytest.raises(CheckpointError):
        load_model(str(tmp_path / "x"))


def test_every_path_method_walks_chw_latents(tiny_ldm: torch.nn.Module) -> None:
    from latentwalk.data import Item
    from latentwalk.paths import PATHS
    from latentwalk.pipeline import run_walk

    g = torch.Generator().manual_seed(0)
    items = [Item(torch.rand(1, 16, 16, generator=g), "a"), Item(torch.rand(1, 16, 16, generator=g), "b")]
    methods = [m for m in PATHS.names() if PATHS.get(m).space == "latent"]
    res = run_walk(tiny_ldm, items, methods, steps=4)
    for name, mw in res.walks.items():
        assert mw.codes is not None and mw.codes.shape == (4, 2, 8, 8), name
        assert torch.isfinite(mw.frames).all(), name
        assert torch.allclose(mw.codes[0], res.codes[0], atol=1e-5), name


def test_bad_input(tiny_ldm: torch.nn.Module) -> None:
    with pytest.raises(InvalidParameterError, match="shape"):
        tiny_ldm.decode(torch.zeros(1, 4, 8, 8))
