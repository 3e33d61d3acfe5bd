"""The walk pipeline and its output folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from latentwalk.data import Item
from latentwalk.errors import InvalidParameterError, OutputError
from latentwalk.pipeline import run_walk, write_walk


def items(n: int = 2) -> list[Item]:
    g = torch.Generator().manual_seed(0)
    return [Item(torch.rand(1, 16, 16, generator=g), f"x{i}") for i in range(n)]


def test_walk_shapes_endpoints_and_metrics(tiny_vae: torch.nn.Module) -> None:
    res = run_walk(tiny_vae, items(), ["crossfade", "lerp", "slerp"], steps=7)
    lerp, xf = res.walks["lerp"], res.walks["crossfade"]
    assert lerp.frames.shape == (7, 1, 16, 16) and lerp.codes is not None and lerp.codes.shape == (7, 4)
    assert torch.equal(lerp.codes[0], res.codes[0]) and torch.equal(lerp.codes[-1], res.codes[1])
    assert xf.codes is None and torch.allclose(xf.frames[0], res.inputs[0])  # crossfade mixes the inputs
    assert torch.allclose(xf.frames[3], (res.inputs[0] + res.inputs[1]) / 2)
    assert "typicality" in lerp.metrics and "typicality" not in xf.metrics
    assert lerp.metrics["smoothness"].profile["step"].__len__() == 6


def test_posterior_mean_by_default_sample_when_asked(tiny_vae: torch.nn.Module) -> None:
    a = run_walk(tiny_vae, items(), ["lerp"], steps=3, seed=0)
    b = run_walk(tiny_vae, items(), ["lerp"], steps=3, seed=1)
    assert torch.equal(a.codes, b.codes)  # the mean does not depend on the seed
    s1 = run_walk(tiny_vae, items(), ["lerp"], steps=3, posterior="sample", seed=1)
    s2 = run_walk(tiny_vae, items(), ["lerp"], steps=3, posterior="sample", seed=1)
    s3 = run_walk(tiny_vae, items(), ["lerp"], steps=3, posterior="sample", seed=2)
    assert torch.equal(s1.codes, s2.codes) and not torch.equal(s1.codes, s3.codes)


def test_keyframes_and_loop(tiny_vae: torch.nn.Module) -> None:
    res = run_walk(tiny_vae, items(3), ["slerp"], steps=9)
    z = res.walks["slerp"].codes
    assert torch.equal(z[4], res.codes[1])  # passes through the middle keyframe
    res = run_walk(tiny_vae, items(2), ["slerp"], steps=8, loop=True)
    assert not torch.equal(res.walks["slerp"].codes[-1], res.codes[0])  # no repeated frame


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"steps": 1}, r"The 'steps' parameter of walk must be an int in the range \[2, 4096\]. Got 1 instead."),
        ({"steps": 10**6}, "range"),
        ({"posterior": "median"}, "posterior"),
        ({"methods": []}, "at least one path method"),
    ],
)
def test_bad_parameters(tiny_vae: torch.nn.Module, kwargs: dict, match: str) -> None:  # type: ignore[type-arg]
    args = {"methods": ["lerp"], **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        run_walk(tiny_vae, items(), **args)


def test_bad_inputs(tiny_vae: torch.nn.Module) -> None:
    bad = [Item(torch.full((1, 16, 16), float("nan")), "nan"), items()[0]]
    with pytest.raises(InvalidParameterError, match="NaN"):
        run_walk(tiny_vae, bad, ["lerp"])
    wrong = [Item(torch.rand(1, 8, 8), "small"), Item(torch.rand(1, 8, 8), "small")]
    with pytest.raises(InvalidParameterError, match="model takes"):
        run_walk(tiny_vae, wrong, ["lerp"])


def test_output_folder_is_complete_and_reproducible(tmp_path: Path, tiny_vae: torch.nn.Module) -> None:
    res = run_walk(tiny_vae, items(), ["slerp"], steps=5)
    write_walk(res, tmp_path / "a", {"command": ["test"]})
    write_walk(run_walk(tiny_vae, items(), ["slerp"], steps=5), tmp_path / "b", {"command": ["test"]})
    names = {p.name for p in (tmp_path / "a").iterdir()}
    assert {"frames.npy", "codes.npy", "strip.png", "walk.gif", "walk.mp4", "metrics.json", "manifest.json"} <= names
    frames = np.load(tmp_path / "a" / "frames.npy")
    assert frames.dtype == np.float32 and frames.shape == (5, 1, 16, 16) and frames.min() >= 0 and frames.max() <= 1
    ma = json.loads((tmp_path / "a" / "manifest.json").read_text())
    mb = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert ma["files"] == mb["files"]  # same inputs and seed: the same bytes
    assert ma["params"]["seed"] == 0 and ma["methods"] == ["slerp"] and "torch" in ma["versions"]


def test_several_methods_get_folders_and_a_comparison(tmp_path: Path, tiny_vae: torch.nn.Module) -> None:
    res = run_walk(tiny_vae, items(), ["crossfade", "slerp"], steps=4)
    write_walk(res, tmp_path / "c", {})
    assert (tmp_path / "c" / "comparison.png").exists()
    assert (tmp_path / "c" / "slerp" / "codes.npy").exists() and not (tmp_path / "c" / "crossfade" / "codes.npy").exists()
    assert set(json.loads((tmp_path / "c" / "metrics.json").read_text())) == {"crossfade", "slerp"}


def test_failed_write_leaves_nothing(tmp_path: Path, tiny_vae: torch.nn.Module, monkeypatch: pytest.MonkeyPatch) -> None:
    import latentwalk.pipeline.output as out

    res = run_walk(tiny_vae, items(), ["slerp"], steps=4)

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("renderer broke")

    monkeypatch.setattr(out, "write_method", boom)
    with pytest.raises(RuntimeError):
        write_walk(res, tmp_path / "w", {})
    assert list(tmp_path.iterdir()) == []


def test_foreign_folders_are_not_overwritten(tmp_path: Path, tiny_vae: torch.nn.Module) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    res = run_walk(tiny_vae, items(), ["slerp"], steps=4)
    with pytest.raises(OutputError, match="did not write"):
        write_walk(res, tmp_path / "mine", {})
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"
