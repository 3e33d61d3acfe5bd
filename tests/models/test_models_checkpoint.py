"""Families, checkpoints and training: round trips, tampering, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from latentwalk.errors import CheckpointError, InvalidParameterError, OutputError, UnknownNameError
from latentwalk.models import (
    FAMILIES,
    LatentModel,
    TrainConfig,
    build,
    load_checkpoint,
    load_model,
    save_checkpoint,
    train,
)
from latentwalk.models.autoencoders import ConvAEConfig


@pytest.mark.parametrize("family", ["ae", "vae"])
@pytest.mark.parametrize("arch", ["conv", "mlp"])
def test_family_conformance(family: str, arch: str) -> None:
    m = build(family, ConvAEConfig(size=16, latent_dim=3, width=4, arch=arch), seed=0)
    assert isinstance(m, LatentModel)
    x = torch.rand(5, 1, 16, 16)
    with torch.no_grad():
        q = m.encode(x)
        z = q.mode()
        assert z.shape == (5, 3) and torch.equal(z, m.encode(x).mode())
        out = m.decode(z)
    assert out.shape == x.shape and bool(((out >= 0) & (out <= 1)).all())
    with pytest.raises(InvalidParameterError, match=r"must have shape \(B, 1, 16, 16\)"):
        m.encode(torch.rand(2, 1, 8, 8))
    with pytest.raises(InvalidParameterError, match=r"`z` must have shape \(B, 3\)"):
        m.decode(torch.rand(2, 4))


def test_vae_sample_uses_the_generator_and_mode_is_the_mean(tiny_vae: torch.nn.Module) -> None:
    x = torch.rand(3, 1, 16, 16)
    with torch.no_grad():
        q = tiny_vae.encode(x)
    a = q.sample(torch.Generator().manual_seed(1))
    b = q.sample(torch.Generator().manual_seed(1))
    c = q.sample(torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(q.mode(), q.mean)


def test_build_is_seeded_and_leaves_the_global_rng_alone() -> None:
    state = torch.random.get_rng_state()
    a = build("vae", ConvAEConfig(latent_dim=2, width=4), seed=3)
    b = build("vae", ConvAEConfig(latent_dim=2, width=4), seed=3)
    assert torch.equal(torch.random.get_rng_state(), state)
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.equal(p, q)


def test_training_lowers_the_loss_and_is_deterministic() -> None:
    x = torch.rand(64, 1, 16, 16).round()
    cfg = TrainConfig(epochs=3, batch_size=16, seed=0)
    runs = []
    for _ in range(2):
        m = build("ae", ConvAEConfig(latent_dim=2, width=4), seed=0)
        report = train(m, x, cfg, progress=False)
        runs.append((report, m.state_dict()))
    (r1, s1), (r2, s2) = runs
    assert r1.history[-1]["val_loss"] < r1.history[0]["val_loss"] * 1.01
    assert r1.best_val_loss == r2.best_val_loss
    assert all(torch.equal(s1[k], s2[k]) for k in s1)


def test_checkpoint_round_trip(tiny_checkpoint: Path, tiny_vae: torch.nn.Module) -> None:
    model, meta = load_checkpoint(tiny_checkpoint)
    assert meta["family"] == "vae" and len(meta["weights_sha256"]) == 64
    x = torch.rand(2, 1, 16, 16)
    with torch.no_grad():
        assert torch.equal(model.encode(x).mode(), tiny_vae.encode(x).mode())
    assert not model.training


def test_tampered_weights_are_refused(tiny_checkpoint: Path) -> None:
    w = tiny_checkpoint / "model.safetensors"
    data = bytearray(w.read_bytes())
    data[-5] ^= 0xFF
    w.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="does not match the hash"):
        load_checkpoint(tiny_checkpoint)


def test_corrupt_weights_with_a_matching_hash_are_refused(tiny_checkpoint: Path) -> None:
    import hashlib

    corrupt = b"\x10\x00\x00\x00\x00\x00\x00\x00{not json"
    cfg = json.loads((tiny_checkpoint / "config.json").read_text())
    cfg["weights_sha256"] = hashlib.sha256(corrupt).hexdigest()
    (tiny_checkpoint / "config.json").write_text(json.dumps(cfg))
    (tiny_checkpoint / "model.safetensors").write_bytes(corrupt)
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(tiny_checkpoint)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda c: c.update(family="gan2"), "Unknown model family 'gan2'"),
        (lambda c: c.update(family_version=99), "version 99 is not supported"),
        (lambda c: c.update(format="other"), "not a latentwalk checkpoint"),
        (lambda c: c["config"].update(latent_dim=5), "do not fit"),
        (lambda c: c["config"].update(colour=True), "unknown keys"),
    ],
)
def test_wrong_configs_are_refused(tiny_checkpoint: Path, edit, match: str) -> None:  # type: ignore[no-untyped-def]
    cfg = json.loads((tiny_checkpoint / "config.json").read_text())
    edit(cfg)
    (tiny_checkpoint / "config.json").write_text(json.dumps(cfg))
    with pytest.raises((CheckpointError, UnknownNameError), match=match):
        load_checkpoint(tiny_checkpoint)


def test_invalid_json_and_missing_files(tmp_path: Path, tiny_checkpoint: Path) -> None:
    (tiny_checkpoint / "config.json").write_text("{oops")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_checkpoint(tiny_checkpoint)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nowhere")
    with pytest.raises(CheckpointError, match="needs model.safetensors"):
        load_checkpoint(tmp_path)


def test_pickle_files_are_never_loaded(tmp_path: Path) -> None:
    p = tmp_path / "model.pt"
    p.write_bytes(b"\x80\x04not really")
    with pytest.raises(CheckpointError, match="does not unpickle"):
        load_checkpoint(p)


def test_unknown_builtin_suggests_closest() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'digits-vae'"):
        load_model("digit-vae")


def test_save_is_atomic_on_failure(tmp_path: Path, tiny_vae: torch.nn.Module, monkeypatch: pytest.MonkeyPatch) -> None:
    import latentwalk.models.checkpoint as ck

    def boom(*a: object, **k: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(ck, "file_sha256", boom)
    with pytest.raises(OutputError, match="disk full"):
        save_checkpoint(tiny_vae, tmp_path / "ck")
    assert list(tmp_path.iterdir()) == []


def test_every_family_is_registered() -> None:
    assert {"ae", "vae"} <= set(FAMILIES)
