"""The Python API: load_model / walk / compare / save, the same engine and folder as the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

import latentwalk
from latentwalk.cli import app
from latentwalk.errors import InvalidParameterError


@pytest.fixture()
def model(tiny_checkpoint: Path) -> latentwalk.Model:
    return latentwalk.load_model(tiny_checkpoint)


def test_the_model_knows_itself(model: latentwalk.Model, tiny_checkpoint: Path) -> None:
    assert model.latent_shape == (4,) and model.data_shape == (1, 16, 16)
    assert model.meta["family"] == "vae" and len(model.meta["weights_sha256"]) == 64
    assert model.meta["spec"] == str(tiny_checkpoint) and model.config.latent_dim == 4
    assert "vae" in repr(model) and "(1, 16, 16)" in repr(model) and model.device == torch.device("cpu")


def test_walk_one_method(model: latentwalk.Model) -> None:
    w = latentwalk.walk(model, "digits:0", "digits:1", method="slerp", steps=6)
    assert w.frames.shape == (6, 1, 16, 16) and w.codes is not None and w.codes.shape == (6, 4)
    assert 0 <= float(w.frames.min()) and float(w.frames.max()) <= 1
    assert 0 < w.metrics["smoothness"]["evenness"] <= 1
    assert "slerp" in repr(w) and "evenness" in repr(w)
    image = w.show()
    assert image.size[0] > 6 * 16 and w._repr_png_().startswith(b"\x89PNG")


def test_items_as_paths_and_tensors(model: latentwalk.Model, tmp_path: Path) -> None:
    from PIL import Image

    Image.new("L", (16, 16), 0).save(tmp_path / "a.png")
    x = torch.rand(1, 16, 16, generator=torch.Generator().manual_seed(0))
    w = latentwalk.walk(model, tmp_path / "a.png", x, steps=3)
    assert torch.allclose(w.result.inputs[1], x)
    with pytest.raises(InvalidParameterError, match="shape"):
        latentwalk.walk(model, "digits:0", torch.rand(3, 8, 8), steps=3)


def test_compare_and_method_access(model: latentwalk.Model) -> None:
    w = latentwalk.compare(model, "digits:0", "digits:1", steps=4)
    assert w.methods == ["crossfade", "lerp", "slerp", "matched"]
    assert w["crossfade"].codes is None and w["lerp"].frames.shape == (4, 1, 16, 16)
    with pytest.raises(InvalidParameterError, match="no method 'geodesic'"):
        w["geodesic"]


def test_saved_from_python_reruns_bit_for_bit(model: latentwalk.Model, tmp_path: Path) -> None:
    w = latentwalk.walk(model, "digits:3", "digits:8", method=["lerp", "slerp"], via=["digits:5"], steps=5, seed=3)
    out = w.save(tmp_path / "w")
    m = json.loads((out / "manifest.json").read_text())
    assert m["invocation"]["command"] == "walk" and m["command"][:2] == ["latentwalk", "walk"]
    r = CliRunner().invoke(app, ["rerun", str(out)])
    assert r.exit_code == 0 and "bit for bit" in r.stdout, r.stderr
    # the CLI writes the same folder as Python, byte for byte
    r = CliRunner().invoke(app, m["command"][1:] + ["--out", str(tmp_path / "cli"), "-q"])
    assert r.exit_code == 0, r.stderr
    assert json.loads((tmp_path / "cli" / "manifest.json").read_text())["files"] == m["files"]


def test_a_walk_of_tensors_saves_but_says_it_cannot_be_rerun(model: latentwalk.Model, tmp_path: Path) -> None:
    w = latentwalk.walk(model, torch.zeros(1, 16, 16), torch.ones(1, 16, 16), steps=3)
    w.save(tmp_path / "w")
    assert "tensors" in json.loads((tmp_path / "w" / "manifest.json").read_text())["notes"][0]
    r = CliRunner().invoke(app, ["rerun", str(tmp_path / "w")])
    assert r.exit_code == 2 and "cannot be re-created" in r.stderr


def test_generator_and_seed(model: latentwalk.Model) -> None:
    a = latentwalk.walk(model, "digits:0", "digits:1", steps=3, posterior="sample", seed=5)
    b = latentwalk.walk(model, "digits:0", "digits:1", steps=3, posterior="sample", generator=torch.Generator().manual_seed(5))
    assert torch.equal(a.codes, b.codes) and not b.notes  # a fresh generator is as good as its seed
    g = torch.Generator().manual_seed(5)
    torch.rand(1, generator=g)
    c = latentwalk.walk(model, "digits:0", "digits:1", steps=3, posterior="sample", generator=g)
    assert not torch.equal(a.codes, c.codes) and "generator" in c.notes[0]


def test_bad_calls_are_library_errors(model: latentwalk.Model) -> None:
    with pytest.raises(InvalidParameterError, match="device"):
        latentwalk.load_model(model.spec, device="tpu:9")
    with pytest.raises(InvalidParameterError):
        latentwalk.load_model(42)  # type: ignore[arg-type]
    with pytest.raises(latentwalk.errors.UnknownNameError, match="Did you mean 'slerp'"):
        latentwalk.walk(model, "digits:0", "digits:1", method="slurp")


def test_a_module_that_breaks_the_contract_is_refused() -> None:
    from latentwalk.api import Model

    with pytest.raises(InvalidParameterError, match="decode"):
        Model(torch.nn.Linear(2, 2), {}, "linear")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device (run on a machine with a GPU)")
def test_a_walk_on_cuda_equals_the_cpu_walk(tiny_checkpoint: Path) -> None:
    cpu = latentwalk.walk(latentwalk.load_model(tiny_checkpoint), "digits:0", "digits:1", steps=5, posterior="sample")
    gpu_model = latentwalk.load_model(tiny_checkpoint, device="cuda")
    assert gpu_model.device.type == "cuda"
    gpu = latentwalk.walk(gpu_model, "digits:0", "digits:1", steps=5, method=["lerp", "slerp", "crossfade"])
    assert gpu.frames.device.type == "cpu" and torch.isfinite(gpu.frames).all()
    ref = latentwalk.walk(latentwalk.load_model(tiny_checkpoint), "digits:0", "digits:1", steps=5,
                          method=["lerp", "slerp", "crossfade"])
    assert torch.allclose(gpu.frames, ref.frames, atol=1e-4)
    assert cpu.frames.shape == gpu.frames.shape
