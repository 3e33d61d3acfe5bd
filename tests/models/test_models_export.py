"""`.pt2` models (torch.export): round trip with a dynamic batch, inversion, files refused with one
line and never unpickled, no warnings, the CLI; TorchScript loads with one deprecation note."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from click.testing import CliRunner
from torch import nn

from latentwalk.cli import app
from latentwalk.errors import CheckpointError, InvalidParameterError, LatentwalkWarning, OutputError
from latentwalk.models.export import is_exported, load_exported, save_exported

SHAPES: dict[str, Any] = {"latent_shape": (8,), "data_shape": (1, 16, 16)}


def _modules() -> tuple[nn.Module, nn.Module]:
    with torch.random.fork_rng():
        torch.manual_seed(0)
        encoder = nn.Sequential(nn.Flatten(), nn.Linear(256, 8))
        decoder = nn.Sequential(nn.Linear(8, 256), nn.Sigmoid(), nn.Unflatten(1, (1, 16, 16)))
    return encoder, decoder


@pytest.fixture(scope="module")
def ae() -> tuple[nn.Module, nn.Module]:
    return _modules()


@pytest.fixture(scope="module")
def pt2(ae: tuple[nn.Module, nn.Module], tmp_path_factory: pytest.TempPathFactory) -> Path:
    encoder, decoder = ae
    return save_exported(tmp_path_factory.mktemp("pt2") / "ae.pt2", decode=decoder, encode=encoder, **SHAPES)


def _one_line(exc: pytest.ExceptionInfo[Exception]) -> str:
    msg = str(exc.value)
    assert "\n" not in msg and "Traceback" not in msg
    return msg


def _rewrite(src: Path, dst: Path, edit: Callable[[str, bytes], bytes | None]) -> Path:
    """A copy of the zip `src` in which `edit(name, data)` replaces each entry (None drops it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def _edit_json(suffix: str, change: Callable[[Any], None]) -> Callable[[str, bytes], bytes | None]:
    def edit(name: str, data: bytes) -> bytes:
        if not name.endswith(suffix):
            return data
        doc = json.loads(data)
        change(doc)
        return json.dumps(doc).encode()

    return edit


# ---------------------------------------------------------------------------------------------
# Round trip


@pytest.mark.parametrize("batch", [1, 5])
def test_round_trip_matches_the_original_modules_at_any_batch(pt2: Path, ae: tuple[nn.Module, nn.Module],
                                                                batch: int) -> None:
    encoder, decoder = ae
    model, _ = load_exported(str(pt2))
    x = torch.rand(batch, 1, 16, 16, generator=torch.Generator().manual_seed(batch))
    with torch.no_grad():
        z = model.encode(x).mode()
        torch.testing.assert_close(z, encoder(x), atol=1e-6, rtol=0)
        torch.testing.assert_close(model.decode(z), decoder(z), atol=1e-6, rtol=0)


def test_metadata_travels_with_the_model(pt2: Path) -> None:
    model, info = load_exported(str(pt2))
    assert (model.latent_shape, model.data_shape, model.prior, model.modality) == ((8,), (1, 16, 16), "gaussian", "image")
    assert model.has_encoder and is_exported(str(pt2))
    assert info["family"] == "exported"
    assert info["weights_sha256"] == hashlib.sha256(pt2.read_bytes()).hexdigest()
    assert info["config"]["programs"] == {"decode": "model", "encode": "encode"}


def test_plain_torch_export_load_gives_the_decoder(pt2: Path, ae: tuple[nn.Module, nn.Module]) -> None:
    z = torch.rand(3, 8)
    torch.testing.assert_close(torch.export.load(str(pt2)).module()(z), ae[1](z), atol=1e-6, rtol=0)


def test_eval_and_to_reach_the_programs(pt2: Path) -> None:
    model, _ = load_exported(str(pt2))
    assert model.eval() is model and model.to("cpu") is model  # torch's programs refuse .eval() themselves
    assert len(list(model.parameters())) == 4


def test_a_decoder_alone_is_inverted(ae: tuple[nn.Module, nn.Module], tmp_path: Path) -> None:
    path = save_exported(tmp_path / "gen.pt2", decode=ae[1], **SHAPES)
    model, info = load_exported(path)
    assert not model.has_encoder and info["config"]["programs"] == {"decode": "model"}
    x = ae[1](torch.randn(2, 8, generator=torch.Generator().manual_seed(1))).detach()
    z = model.invert(x, generator=torch.Generator().manual_seed(0))
    assert z.shape == (2, 8) and model.last_inversion is not None


def test_methods_of_one_module_and_a_gaussian_encoder_export(tmp_path: Path) -> None:
    class VAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc, self.dec = nn.Linear(256, 8), nn.Linear(4, 256)

        def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            mean, logvar = self.enc(x.flatten(1)).chunk(2, dim=1)
            return mean, logvar

        def decode(self, z: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.dec(z)).view(z.shape[0], 1, 16, 16)

    vae = VAE()
    path = save_exported(tmp_path / "vae.pt2", decode=vae.decode, encode=vae.encode, latent_shape=(4,),
                         data_shape=(1, 16, 16))
    model, _ = load_exported(path)
    x = torch.rand(3, 1, 16, 16)
    dist = model.encode(x)
    torch.testing.assert_close(dist.mode(), vae.encode(x)[0], atol=1e-6, rtol=0)
    assert dist.sample(torch.Generator().manual_seed(0)).shape == (3, 4)


def test_the_users_modules_keep_their_mode(tmp_path: Path) -> None:
    encoder, decoder = _modules()
    encoder.train()
    save_exported(tmp_path / "m.pt2", decode=decoder.eval(), encode=encoder, **SHAPES)
    assert encoder.training and not decoder.training


# ---------------------------------------------------------------------------------------------
# No warnings, nothing unpickled


def test_load_encode_decode_without_any_warning(pt2: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model, _ = load_exported(str(pt2))
        with torch.no_grad():
            model.decode(model.encode(torch.rand(2, 1, 16, 16)).mode())


def test_loading_never_unpickles(pt2: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample inputs torch would unpickle (with weights_only=False as its fallback) are never read."""
    tripped: list[str] = []

    def refuse(*_: object, **__: object) -> None:
        tripped.append("unpickled")
        raise AssertionError("latentwalk must not unpickle a .pt2")

    poisoned = _rewrite(pt2, tmp_path / "poisoned.pt2",
                        lambda n, d: pickle.dumps({"not": "tensors"}) if "sample_inputs/" in n else d)
    for target in (torch, pickle):
        monkeypatch.setattr(target, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    model, _ = load_exported(str(poisoned))
    model.decode(torch.zeros(1, 8))
    assert tripped == []


# ---------------------------------------------------------------------------------------------
# Files refused with one line


def _not_a_zip(src: Path, path: Path) -> None:
    path.write_bytes(b"not a zip at all")


def _plain_zip(src: Path, path: Path) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("a/readme.txt", "hello")


def _no_metadata(src: Path, path: Path) -> None:
    torch.export.save(torch.export.load(str(src)), str(path))


def _wrong_latent(src: Path, path: Path) -> None:
    _rewrite(src, path, _edit_json("extra/latentwalk.json", lambda m: m.update(latent_shape=[7])))


def _wrong_data(src: Path, path: Path) -> None:
    _rewrite(src, path, _edit_json("extra/latentwalk.json", lambda m: m.update(data_shape=[3, 16, 16])))


def _bad_json(src: Path, path: Path) -> None:
    _rewrite(src, path, lambda n, d: b"{not json" if n.endswith("extra/latentwalk.json") else d)


def _newer_format(src: Path, path: Path) -> None:
    _rewrite(src, path, _edit_json("extra/latentwalk.json", lambda m: m.update(format_version=99)))


def _unknown_prior(src: Path, path: Path) -> None:
    _rewrite(src, path, _edit_json("extra/latentwalk.json", lambda m: m.update(prior="laplace")))


def _truncated(src: Path, path: Path) -> None:
    path.write_bytes(src.read_bytes()[: src.stat().st_size // 2])


def _fixed_batch(src: Path, path: Path) -> None:
    _, decoder = _modules()
    fixed = torch.export.export(decoder, (torch.rand(2, 8),))  # no dynamic batch
    meta = {"format": "latentwalk-exported", "format_version": 1, "programs": {"decode": "model"}, **SHAPES}
    torch.export.save(fixed, str(path), extra_files={"latentwalk.json": json.dumps(meta)})


def _fifo(src: Path, path: Path) -> None:
    os.mkfifo(path)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (_not_a_zip, "is not a .pt2 archive"),
        (_plain_zip, "is a zip file but not a torch.export .pt2 archive"),
        (_no_metadata, r"without latentwalk's metadata \(extra/latentwalk.json\)"),
        (_wrong_latent, r"decode program .* takes \(B, 8\) but its latentwalk.json says latent_shape \(7,\)"),
        (_wrong_data, r"returns \(B, 1, 16, 16\) but its latentwalk.json says data_shape \(3, 16, 16\)"),
        (_bad_json, "is not valid JSON"),
        (_newer_format, "format_version 99"),
        (_unknown_prior, "does not describe a usable model: The 'prior' parameter"),
        (_truncated, r"not a (torch.export )?.pt2 archive"),  # the sample inputs inside are a zip too
        (_fixed_batch, r"exported for a fixed batch \(2\)"),
        (_fifo, r"named pipe \(FIFO\), not a regular file"),
    ],
    ids=lambda v: v.__name__.strip("_") if callable(v) else None,
)
def test_a_bad_file_is_refused_with_one_line(pt2: Path, tmp_path: Path, make: Callable[[Path, Path], None],
                                             match: str, no_hang: None) -> None:
    path = tmp_path / "bad.pt2"
    make(pt2, path)
    with pytest.raises(CheckpointError, match=match) as exc:
        load_exported(str(path))
    assert "bad.pt2" in _one_line(exc)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        load_exported(str(tmp_path / "nowhere.pt2"))


def _graph(change: Callable[[Any], None]) -> Callable[[str, bytes], bytes | None]:
    return _edit_json("models/model.json", change)


def _first_node(key: str, value: Any) -> Callable[[Any], None]:
    return lambda g: g["graph_module"]["graph"]["nodes"][0].update({key: value})


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (_edit_json("model_weights_config.json", lambda c: next(iter(c["config"].values())).update(use_pickle=True)),
         "pickled tensor"),
        (_graph(_first_node("target", "torch.os.system")), "the operator 'torch.os.system'"),
        (_graph(_first_node("target", "torch.ops.aten.from_file.default")), "the operator"),
        (_graph(lambda g: g.update(guards_code=["__import__('os').system('true')"])), "guards_code"),
        (_graph(lambda g: g["graph_module"]["graph"]["tensor_values"]["input"]["sizes"][0]["as_expr"].update(
            expr_str="__import__('os').system('true')")), "size expression"),
        (_graph(lambda g: g["graph_module"]["signature"]["input_specs"][0]["parameter"].update(
            parameter_name='0.weight"), __import__("os").system("true"), ("')), "the name"),
    ],
    ids=["pickled-weight", "python-callable", "file-io-op", "guards-code", "eval-in-sizes", "code-in-a-name"],
)
def test_a_file_that_could_run_code_is_refused(pt2: Path, tmp_path: Path, edit: Callable[[str, bytes], bytes | None],
                                               match: str) -> None:
    path = _rewrite(pt2, tmp_path / "hostile.pt2", edit)
    with pytest.raises(CheckpointError, match=match) as exc:
        load_exported(str(path))
    assert "could run code" in _one_line(exc) and "hostile.pt2" in _one_line(exc)


def test_a_program_that_raises_gives_one_line_naming_the_file(tmp_path: Path) -> None:
    class Fragile(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(8, 256)

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            torch._assert_async(z.abs().max() < 100, "my decoder is broken")
            return torch.sigmoid(self.lin(z)).unflatten(1, (1, 16, 16))

    model, _ = load_exported(save_exported(tmp_path / "fragile.pt2", decode=Fragile(), **SHAPES))
    model.decode(torch.zeros(1, 8))
    with pytest.raises(CheckpointError, match=r"failed in decode: RuntimeError: my decoder is broken$") as exc:
        model.decode(torch.full((1, 8), 1e3))
    assert "fragile.pt2" in _one_line(exc)


# ---------------------------------------------------------------------------------------------
# Which files are .pt2 models; what save_exported refuses


def test_is_exported_is_cheap_and_reads_only_regular_files(pt2: Path, tmp_path: Path, no_hang: None) -> None:
    renamed = tmp_path / "model.bin"
    renamed.write_bytes(pt2.read_bytes())
    other_zip = tmp_path / "other.zip"
    _plain_zip(pt2, other_zip)
    os.mkfifo(tmp_path / "pipe")
    assert is_exported(str(pt2)) and is_exported(str(tmp_path / "not-yet.pt2")) and is_exported(str(renamed))
    assert not any(is_exported(str(p)) for p in (other_zip, tmp_path / "pipe", tmp_path, "digits-vae"))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"path": "model.ts"}, InvalidParameterError, "must end in .pt2"),
        ({"prior": "laplace"}, InvalidParameterError, "'prior' parameter of save_exported"),
        ({"latent_shape": (0,)}, InvalidParameterError, "'latent_shape' parameter of save_exported"),
        ({"example_batch": 1}, InvalidParameterError, "'example_batch' parameter of save_exported"),
        ({"data_shape": (1, 8, 8)}, InvalidParameterError, r"check data_shape"),
        ({"encode": lambda x: {"z": x.flatten(1)[:, :8]}}, InvalidParameterError, "yours returns dict"),
        ({"decode": lambda z: torch.sigmoid(z.sum(1).reshape(2, 1, 1, 1)).expand(2, 1, 16, 16)},
         InvalidParameterError, "torch.export could not export your `decode` with a dynamic batch"),
    ],
    ids=["suffix", "prior", "latent-shape", "batch-of-one", "wrong-output", "dist-object", "fixed-batch-code"],
)
def test_save_exported_refuses_what_would_not_load(ae: tuple[nn.Module, nn.Module], tmp_path: Path,
                                                   kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    args: dict[str, Any] = {"path": tmp_path / "m.pt2", "decode": ae[1], **SHAPES, **kwargs}
    with pytest.raises(error, match=match):
        save_exported(args.pop("path"), **args)


def test_save_exported_replaces_only_its_own_files(pt2: Path, ae: tuple[nn.Module, nn.Module], tmp_path: Path) -> None:
    theirs = tmp_path / "theirs.pt2"
    theirs.write_bytes(b"somebody's notes")
    with pytest.raises(OutputError, match="not a .pt2 written by save_exported"):
        save_exported(theirs, decode=ae[1], **SHAPES)
    assert theirs.read_bytes() == b"somebody's notes"
    ours = tmp_path / "ours.pt2"
    ours.write_bytes(pt2.read_bytes())
    save_exported(ours, decode=ae[1], **SHAPES)
    assert load_exported(ours)[1]["config"]["programs"] == {"decode": "model"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ours.pt2", "theirs.pt2"]


# ---------------------------------------------------------------------------------------------
# The command line; TorchScript's deprecation


def test_walk_with_a_pt2_file_from_the_command_line(pt2: Path, tmp_path: Path) -> None:
    args = ["walk", "--model", str(pt2), "--from", "digits:0", "--to", "digits:1", "--steps", "4",
            "--out", str(tmp_path / "w"), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr.lower()
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text())
    assert manifest["model"]["family"] == "exported" and len(manifest["model"]["weights_sha256"]) == 64


def test_torchscript_loads_with_one_deprecation_note(tmp_path: Path) -> None:
    from latentwalk.models.torchscript import load_torchscript

    class Scripted(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dec = nn.Linear(8, 256)

        @torch.jit.export
        def decode(self, z: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.dec(z)).view(-1, 1, 16, 16)

        def forward(self, z: torch.Tensor) -> torch.Tensor:
            return self.decode(z)

    path = tmp_path / "m.ts"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit.script and torch.jit.save say it too
        torch.jit.save(torch.jit.script(Scripted()), str(path), _extra_files={"latentwalk.json": json.dumps(SHAPES)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_torchscript(path)
    assert [w.category for w in caught] == [LatentwalkWarning]
    assert "TorchScript is deprecated" in str(caught[0].message)
    assert "latentwalk.models.export.save_exported" in str(caught[0].message)
