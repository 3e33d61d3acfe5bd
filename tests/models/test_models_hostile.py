"""Hostile and broken models: each is refused with one LatentwalkError line, fast, never a traceback or a hang."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

import latentwalk
from latentwalk.errors import CheckpointError, InvalidParameterError
from latentwalk.models import build, load_checkpoint, save_checkpoint
from latentwalk.models.audio import AudioAEConfig
from latentwalk.models.autoencoders import ConvAEConfig
from latentwalk.models.checkpoint import MAX_CONFIG_BYTES, MAX_WEIGHTS_BYTES
from latentwalk.models.gan import GANConfig
from latentwalk.models.torchscript import load_torchscript


def _edit_meta(folder: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    cfg = json.loads((folder / "config.json").read_text())
    edit(cfg)
    (folder / "config.json").write_text(json.dumps(cfg))


def _one_line(exc: pytest.ExceptionInfo[Exception]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


# ---------------------------------------------------------------------------------------------
# Checkpoints: the weights hash is required


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: c.pop("weights_sha256"),
        lambda c: c.update(weights_sha256=None),
        lambda c: c.update(weights_sha256="abc123"),
        lambda c: c.update(weights_sha256="z" * 64),
        lambda c: c.update(weights_sha256=12345),
    ],
    ids=["missing", "null", "short", "not-hex", "number"],
)
def test_a_checkpoint_needs_a_weights_hash(tiny_checkpoint: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    _edit_meta(tiny_checkpoint, edit)
    with pytest.raises(CheckpointError, match="has no weights hash") as exc:
        load_checkpoint(tiny_checkpoint)
    assert "latentwalk train" in _one_line(exc) and "sha256sum model.safetensors" in str(exc.value)


# ---------------------------------------------------------------------------------------------
# Checkpoints: only regular files, within a size limit


def _dev_zero(p: Path) -> None:
    p.symlink_to("/dev/zero")


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _folder(p: Path) -> None:
    p.mkdir()


@pytest.mark.parametrize("name", ["config.json", "model.safetensors"])
@pytest.mark.parametrize("make", [_dev_zero, _fifo, _folder], ids=["link-to-dev-zero", "fifo", "folder"])
def test_special_files_are_refused_at_once(
    tiny_checkpoint: Path, name: str, make: Callable[[Path], None], no_hang: None
) -> None:
    (tiny_checkpoint / name).unlink()
    make(tiny_checkpoint / name)
    with pytest.raises(CheckpointError, match="not a regular file") as exc:
        load_checkpoint(tiny_checkpoint)
    assert name in _one_line(exc)


def test_oversized_files_are_refused_with_the_limit(tiny_checkpoint: Path) -> None:
    (tiny_checkpoint / "config.json").write_bytes(b" " * (MAX_CONFIG_BYTES + 1))
    with pytest.raises(CheckpointError, match=r"config.json' is .*over latentwalk's limit of 1 MiB"):
        load_checkpoint(tiny_checkpoint)


def test_oversized_weights_are_refused_without_reading(tiny_checkpoint: Path, no_hang: None) -> None:
    os.truncate(tiny_checkpoint / "model.safetensors", MAX_WEIGHTS_BYTES + 1)  # sparse: no disk used
    with pytest.raises(CheckpointError, match=r"model.safetensors' is .*over latentwalk's limit of 4 GiB"):
        load_checkpoint(tiny_checkpoint)


# ---------------------------------------------------------------------------------------------
# Checkpoints: NaN weights, and configs out of range


def test_nan_weights_name_the_first_bad_tensor(tmp_path: Path) -> None:
    model = build("vae", ConvAEConfig(latent_dim=4, width=4), seed=0)
    with torch.no_grad():
        model.decoder.fc[0].bias[1] = math.inf
        model.decoder.net[2].bias[0] = math.nan
    ck = save_checkpoint(model, tmp_path / "nan")
    with pytest.raises(CheckpointError, match=r"NaN or inf weights \(first in tensor 'decoder.fc.0.bias'\)") as exc:
        load_checkpoint(ck)
    _one_line(exc)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("latent_dim", 1_000_000_000, r"'latent_dim' parameter of ConvAEConfig must be an int in the range \[1, 65536\]"),
        ("latent_dim", 16.5, "'latent_dim' parameter"),
        ("width", 10**6, r"'width' parameter of ConvAEConfig must be an int in the range \[1, 4096\]"),
        ("beta", math.nan, r"'beta' parameter of ConvAEConfig must be a float in the range \[0, inf\)"),
        ("beta", math.inf, "'beta' parameter"),
        ("beta", -5, "'beta' parameter"),
        ("size", 30, "multiple of 4"),
        ("arch", "transformer", "'arch' parameter"),
        ("depth", 10**9, "'depth' parameter"),
    ],
)
def test_checkpoint_configs_out_of_range_are_refused(tiny_checkpoint: Path, key: str, value: Any, match: str) -> None:
    _edit_meta(tiny_checkpoint, lambda c: c["config"].update({key: value}))
    with pytest.raises(CheckpointError, match=match) as exc:
        load_checkpoint(tiny_checkpoint)
    _one_line(exc)


def test_a_checkpoint_config_that_is_not_an_object_is_refused(tiny_checkpoint: Path) -> None:
    _edit_meta(tiny_checkpoint, lambda c: c.update(config=[1, 2, 3]))
    with pytest.raises(CheckpointError, match="must be a JSON object"):
        load_checkpoint(tiny_checkpoint)


def test_a_huge_model_is_refused_before_allocating(tiny_checkpoint: Path) -> None:
    _edit_meta(tiny_checkpoint, lambda c: c["config"].update(size=1024, width=4096, arch="mlp", depth=64))
    with pytest.raises(CheckpointError, match="parameters, over latentwalk's limit"):
        load_checkpoint(tiny_checkpoint)


def test_every_family_has_the_parameter_budget(tmp_path: Path) -> None:
    ck = save_checkpoint(build("gan", GANConfig(size=16, latent_dim=4, width=8), 0), tmp_path / "gan")
    _edit_meta(ck, lambda c: c["config"].update(latent_dim=1_000_000_000))  # GANConfig sets no cap of its own
    with pytest.raises(CheckpointError, match="parameters, over latentwalk's limit"):
        load_checkpoint(ck)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: ConvAEConfig(latent_dim=1_000_000_000), "'latent_dim' parameter of ConvAEConfig"),
        (lambda: ConvAEConfig(beta=math.nan), "'beta' parameter"),
        (lambda: ConvAEConfig(channels=2), "'channels' parameter"),
        (lambda: ConvAEConfig(size=1024, width=4096, arch="mlp"), "parameters, over latentwalk's limit"),
        (lambda: AudioAEConfig(latent_dim=1_000_000_000), "'latent_dim' parameter of AudioAEConfig"),
        (lambda: AudioAEConfig(beta=-5.0), "'beta' parameter of AudioAEConfig"),
        (lambda: AudioAEConfig(beta=math.inf), "'beta' parameter"),
        (lambda: AudioAEConfig(hidden=4096, depth=64), "parameters, over latentwalk's limit"),
        (lambda: AudioAEConfig(pool=4), "'pool' parameter of AudioAEConfig must divide 'frames'"),
        (lambda: AudioAEConfig(arch="logconv", channels=10**6), "'channels' parameter"),
    ],
)
def test_family_configs_check_their_ranges(make: Callable[[], Any], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        make()


def test_the_logconv_budget_counts_without_allocating() -> None:
    assert AudioAEConfig(arch="logconv", channels=16).arch == "logconv"


# ---------------------------------------------------------------------------------------------
# TorchScript models


class Broken(nn.Module):
    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1) @ torch.ones(3, 4)  # wrong inner size: fails at run time

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        if bool(z.sum() > 1e6):
            return z
        raise ValueError("my decoder is broken\nsecond line")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


def _script(folder: Path, meta: dict[str, Any], module: nn.Module | None = None) -> Path:
    folder.mkdir()
    torch.jit.save(torch.jit.script(module or Broken()), str(folder / "model.ts"))
    (folder / "latentwalk.json").write_text(json.dumps(meta))
    return folder


IMAGE_META = {"latent_shape": [4], "data_shape": [1, 8, 8]}


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda m: m.decode(torch.zeros(1, 4)), r"failed in decode: ValueError: my decoder is broken$"),
        (lambda m: m.encode(torch.zeros(1, 1, 8, 8)), "failed in encode: RuntimeError: mat1 and mat2 shapes"),
    ],
    ids=["decode", "encode"],
)
def test_a_scripted_model_that_raises_gives_one_line(tmp_path: Path, call: Callable[[Any], Any], match: str) -> None:
    model, _ = load_torchscript(_script(tmp_path / "ts", IMAGE_META))
    with pytest.raises(CheckpointError, match=match) as exc:
        call(model)
    assert "model.ts" in _one_line(exc)


@pytest.mark.parametrize(
    ("meta", "match"),
    [
        ({**IMAGE_META, "modality": "audio"}, r"must be \(1, 257, 63\) for modality 'audio'"),
        ({**IMAGE_META, "modality": "video"}, "'modality' parameter"),
        ({**IMAGE_META, "modality": ["audio"]}, "does not describe a usable model"),
        ({**IMAGE_META, "prior": "laplace"}, "'prior' parameter"),
        ({"latent_shape": [math.nan], "data_shape": [1, 8, 8]}, "'latent_shape' parameter"),
        ({"latent_shape": [4], "data_shape": [1, -8, 8]}, "'data_shape' parameter"),
    ],
)
def test_torchscript_metadata_that_does_not_fit_is_refused(tmp_path: Path, meta: dict[str, Any], match: str) -> None:
    with pytest.raises(CheckpointError, match=match) as exc:
        load_torchscript(_script(tmp_path / "ts", meta))
    assert "latentwalk.json" in _one_line(exc)


def test_audio_metadata_with_the_spectrogram_shape_loads(tmp_path: Path) -> None:
    model, _ = load_torchscript(_script(tmp_path / "ts", {"latent_shape": [4], "data_shape": [1, 257, 63], "modality": "audio"}))
    assert model.modality == "audio"


@pytest.mark.parametrize("make", [_dev_zero, _fifo], ids=["link-to-dev-zero", "fifo"])
def test_a_special_torchscript_file_is_refused(tmp_path: Path, make: Callable[[Path], None], no_hang: None) -> None:
    make(tmp_path / "m.ts")
    with pytest.raises(CheckpointError, match="not a regular file"):
        load_torchscript(tmp_path / "m.ts")


# ---------------------------------------------------------------------------------------------
# latentwalk.wrap


def _dec(z: torch.Tensor) -> torch.Tensor:
    return torch.zeros(len(z), 1, 8, 8)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"latent_shape": (math.nan,)}, r"'latent_shape' parameter of wrap must be a tuple of positive ints.*Got \(nan,\)"),
        ({"latent_shape": (0,)}, "'latent_shape' parameter"),
        ({"latent_shape": (-3,)}, "'latent_shape' parameter"),
        ({"latent_shape": (1.5,)}, "'latent_shape' parameter"),
        ({"latent_shape": (True,)}, "'latent_shape' parameter"),
        ({"latent_shape": "16"}, "'latent_shape' parameter"),
        ({"latent_shape": 16}, "'latent_shape' parameter"),
        ({"latent_shape": ()}, "'latent_shape' parameter"),
        ({"data_shape": (1, 0, 8)}, "'data_shape' parameter"),
        ({"decode": None}, "'decode' parameter of wrap must be a callable"),
        ({"decode": 5}, "'decode' parameter"),
        ({"encode": "encoder"}, "'encode' parameter of wrap must be a callable"),
        ({"modality": "video"}, r"'modality' parameter of wrap must be one of 'audio', 'image'\. Got 'video'"),
        ({"modality": "audio"}, r"'data_shape' parameter of wrap must be \(1, 257, 63\)"),
        ({"prior": "laplace"}, "'prior' parameter of wrap must be one of"),
        ({"inversion": {"steps": 3}}, "'inversion' parameter of wrap must be an instance of InversionConfig"),
    ],
)
def test_wrap_refuses_bad_arguments(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"decode": _dec, "latent_shape": (4,), "data_shape": (1, 8, 8), **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        latentwalk.wrap(**args)


def test_wrap_accepts_torch_sizes_and_numpy_ints() -> None:
    import numpy as np

    model = latentwalk.wrap(decode=_dec, latent_shape=torch.Size([4]), data_shape=(np.int64(1), 8, 8))
    assert model.latent_shape == (4,) and model.data_shape == (1, 8, 8)
