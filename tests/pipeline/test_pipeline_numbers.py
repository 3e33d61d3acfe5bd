"""Numbers a walk writes are finite and in range: a broken model is an error that names the step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

import latentwalk
from latentwalk.data import Item
from latentwalk.errors import InvalidParameterError, LatentwalkWarning, ModelOutputError
from latentwalk.pipeline import run_walk, write_walk
from latentwalk.pipeline.core import check_walk_request


def items() -> list[Item]:
    g = torch.Generator().manual_seed(0)
    return [Item(torch.rand(1, 4, 4, generator=g), f"x{i}") for i in range(2)]


def model(decode, encode=lambda x: x.flatten(1)[:, :3]):  # type: ignore[no-untyped-def]
    return latentwalk.wrap(encode=encode, decode=decode, latent_shape=(3,), data_shape=(1, 4, 4), prior="gaussian")


def decode_nan_in_the_middle(z: torch.Tensor) -> torch.Tensor:
    """Fine at both ends, NaN where the code's first entry is near 0.5 (the middle of the walk)."""
    x = torch.sigmoid(z.sum(1)).reshape(-1, 1, 1, 1).expand(-1, 1, 4, 4).clone()
    x[(z[:, 0] > 0.3) & (z[:, 0] < 0.7)] = float("nan")
    return x


def test_a_decoder_that_returns_nan_is_an_error_naming_the_frame() -> None:
    m = model(decode_nan_in_the_middle, encode=lambda x: torch.tensor([[0.0, 1, 0], [1.0, 1, 0]])[: len(x)])
    with pytest.raises(ModelOutputError, match="frame 2 of 5"):
        run_walk(m, items(), ["lerp"], steps=5)


def test_an_encoder_that_returns_nan_is_an_error() -> None:
    m = model(lambda z: torch.rand(len(z), 1, 4, 4), encode=lambda x: torch.full((len(x), 3), float("nan")))
    with pytest.raises(ModelOutputError, match="input 0"):
        run_walk(m, items(), ["lerp"], steps=3)


def test_frames_outside_0_1_are_clamped_with_a_note(tmp_path: Path) -> None:
    m = model(lambda z: 3 * z.sum(1).reshape(-1, 1, 1, 1).expand(-1, 1, 4, 4) - 1)
    with pytest.warns(LatentwalkWarning, match="clamped to"):
        res = run_walk(m, items(), ["lerp", "crossfade"], steps=4)
    frames = res.walks["lerp"].frames
    assert float(frames.min()) >= 0 and float(frames.max()) <= 1
    assert float(frames.max()) == 1.0 or float(frames.min()) == 0.0  # it really was out of range
    write_walk(res, tmp_path / "w", {"command": ["test"]})
    text = (tmp_path / "w" / "manifest.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)


def test_work_budget_is_checked_from_the_shape_before_decoding() -> None:
    check_walk_request(["slerp"], 4096, "uniform", "rms", (1, 32, 32))  # lines: fits
    with pytest.raises(InvalidParameterError, match="budget of 8,388,608"):
        check_walk_request(["slerp"], 4096, "uniform", "rms", (1, 257, 63))  # tones at 4096 steps: 7 min, 4.6 GB
    with pytest.raises(InvalidParameterError, match="3 method"):
        check_walk_request(["slerp", "lerp", "matched"], 1024, "uniform", "rms", (3, 64, 64))
