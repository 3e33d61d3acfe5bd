"""Latent-diffusion autoencoder: the AutoencoderKL adapter, local folders only, (C, H, W) latents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from latentwalk.errors import CheckpointError, InvalidParameterError, UnsupportedOperationError
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


# ----------------------------------------------------------------------------------------------
# The `ldm` family: a DDIM in the autoencoder's latent (models/latent_diffusion.py)


def _tiny_latent_ddim() -> torch.nn.Module:
    from families_tiny import tiny_latent_ddim_config  # type: ignore[import-not-found]

    from latentwalk.models import build

    return build("ldm", tiny_latent_ddim_config(), seed=0).eval()


def _spy(monkeypatch: pytest.MonkeyPatch, owner: object, name: str, calls: list[tuple[str, torch.Tensor, torch.Tensor]]) -> None:
    original = getattr(owner, name)

    def spy(x: torch.Tensor, *args: object) -> object:
        out = original(x, *args)
        calls.append((name, x, out if isinstance(out, torch.Tensor) else out.mode()))  # a posterior: its mean
        return out

    monkeypatch.setattr(owner, name, spy)


def test_latent_ddim_decodes_through_both_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    m = _tiny_latent_ddim()
    calls: list[tuple[str, torch.Tensor, torch.Tensor]] = []
    _spy(monkeypatch, m.diffusion, "sample", calls)
    _spy(monkeypatch, m.autoencoder, "decode", calls)
    z = torch.randn(2, *m.latent_shape, generator=torch.Generator().manual_seed(0))
    out = m.decode(z)
    assert m.latent_shape == (2, 8, 8) and out.shape == (2, 1, 16, 16)
    assert [c[0] for c in calls] == ["sample", "decode"]
    assert torch.equal(calls[0][1], z) and torch.equal(calls[1][1], calls[0][2])  # x_T -> z_0 -> the AE's decoder
    assert torch.equal(out, calls[1][2])


def test_latent_ddim_inverts_through_both_stages(monkeypatch: pytest.MonkeyPatch) -> None:
    m = _tiny_latent_ddim()
    calls: list[tuple[str, torch.Tensor, torch.Tensor]] = []
    _spy(monkeypatch, m.autoencoder, "encode", calls)
    _spy(monkeypatch, m.diffusion, "invert", calls)
    x = torch.rand(2, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    x_t = m.invert(x)
    assert [c[0] for c in calls] == ["encode", "invert"] and torch.equal(calls[1][1], calls[0][2])  # the posterior mean
    assert x_t.shape == (2, 2, 8, 8) and torch.equal(x_t, calls[1][2])
    report = m.last_inversion
    assert all(len(report[k]) == 2 for k in ("rmse", "autoencoder_rmse", "latent_rmse"))
    with pytest.raises(UnsupportedOperationError, match="invert"):
        m.encode(x)


def test_latent_ddim_is_deterministic() -> None:
    a, b = _tiny_latent_ddim(), _tiny_latent_ddim()
    x = torch.rand(2, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    assert a.invert(x).numpy().tobytes() == b.invert(x).numpy().tobytes()
    z = torch.randn(2, 2, 8, 8, generator=torch.Generator().manual_seed(1))
    assert a.decode(z).numpy().tobytes() == b.decode(z).numpy().tobytes()


def test_a_first_stage_that_does_not_fit_is_refused() -> None:
    from dataclasses import replace

    from latentwalk.models.training import TrainConfig

    m = _tiny_latent_ddim()
    m.config = replace(m.config, first_stage="digits-ldm-ae")  # (4, 4, 4) latents, not the tiny (2, 8, 8)
    with pytest.raises(CheckpointError, match="does not fit"):
        m.configure_optimizers(TrainConfig(), 1)


def test_without_diffusers_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from families_tiny import tiny_latent_ddim_config  # type: ignore[import-not-found]

    from latentwalk.errors import MissingExtraError
    from latentwalk.models import build

    monkeypatch.setitem(sys.modules, "diffusers", None)  # `import diffusers` now raises ImportError
    with pytest.raises(MissingExtraError, match=r"latentwalk\[diffusion\]"):
        build("ldm", tiny_latent_ddim_config(), seed=0)


# The shipped digits-ldm (bench/bench_diffusion.py measures it on 64 held-out digits): the diffusion
# stage gives the autoencoder's latent back to within LATENT_RMSE_BOUND (measured 0.034-0.036 on these
# three, the latent has unit variance), so the round trip in pixels is the autoencoder's own error
# (0.039-0.052 here) plus at most PIXEL_EXTRA (measured 0.001-0.003).
LATENT_RMSE_BOUND = 0.1
PIXEL_EXTRA = 0.01


def test_shipped_digits_ldm_inverts_held_out_digits() -> None:
    from latentwalk.data import get_dataset
    from latentwalk.models.builtin import ships_current

    if not ships_current("digits-ldm"):
        pytest.skip("digits-ldm is not shipped for the recipe of today")
    model, _ = load_model("digits-ldm", progress=False)
    x = get_dataset("digits").load().x[[5, 500, 1000]]
    model.invert(x)
    r = model.last_inversion
    assert max(r["latent_rmse"]) < LATENT_RMSE_BOUND, r
    assert all(p <= a + PIXEL_EXTRA for p, a in zip(r["rmse"], r["autoencoder_rmse"], strict=True)), r


def test_cli_walks_digits_ldm_between_real_digits(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from latentwalk.cli import app
    from latentwalk.models.builtin import ships_current

    if not ships_current("digits-ldm"):
        pytest.skip("digits-ldm is not shipped for the recipe of today")
    args = ["walk", "--model", "digits-ldm", "--from", "digits:3", "--to", "digits:8", "--steps", "4", "--out", str(tmp_path / "w"), "-q"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text())
    assert len(json.dumps(manifest)) and "inversion" in json.dumps(manifest)
