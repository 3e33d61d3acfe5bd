"""Embedded datasets and the user's files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from latentwalk.data import get_dataset, resolve_item
from latentwalk.data.lines import LinesGroundTruth, render_lines
from latentwalk.errors import DataError, UnknownNameError


def test_digits_are_scikit_learns_upsampled() -> None:
    split = get_dataset("digits").load()
    assert split.x.shape == (1797, 1, 16, 16)
    assert float(split.x.min()) >= 0 and float(split.x.max()) <= 1
    assert set(split.factors["label"].long().tolist()) == set(range(10))


def test_digit_items_by_index_and_label() -> None:
    item = resolve_item("digits:17", (1, 16, 16))
    assert item.source == "digits:17" and item.x.shape == (1, 16, 16)
    three = resolve_item("digits:label=3", (1, 16, 16))
    assert three.factors["label"] == 3


def test_lines_have_the_angle_they_claim() -> None:
    gt = LinesGroundTruth()
    angles = torch.tensor([0.0, 0.7, 2.1, 3.3, 5.9])
    found, dist = gt.nearest(render_lines(angles))
    err = (found["angle"] - angles.double()).abs()
    assert float(torch.minimum(err, 2 * math.pi - err).max()) < 2e-3
    assert float(dist.max()) < 1e-3  # off-grid angles sit between bank lines 0.1 degree apart


def test_line_geometry() -> None:
    x = render_lines(torch.tensor([0.0, math.pi / 2]))[:, 0]  # east, north
    assert float(x[0, 16, 20]) == pytest.approx(1.0) and float(x[0, 16, 10]) == 0.0  # right of centre
    assert float(x[1, 10, 16]) == pytest.approx(1.0) and float(x[1, 22, 16]) == 0.0  # above centre


def test_lines_item_by_factor_and_training_set() -> None:
    item = resolve_item("lines:angle=2.1", (1, 32, 32))
    assert item.factors["angle"] == pytest.approx(2.1)
    split = get_dataset("lines").load()
    a = split.factors["angle"]
    assert split.x.shape[1:] == (1, 32, 32) and float(a.min()) >= 0 and float(a.max()) < 2 * math.pi
    hist = torch.histc(a, bins=8, min=0, max=2 * math.pi)
    assert float(hist.min()) > 0.9 * float(hist.max())  # every direction is seen


@pytest.mark.parametrize(
    ("spec", "error", "match"),
    [
        ("digits:99999", DataError, "out of range"),
        ("digits:colour=2", DataError, "factors of digits: label"),
        ("lines:angle=abc", DataError, "must be a number"),
        ("digits:label=11", DataError, "no item with label=11"),
        ("nothing:1", DataError, "neither a dataset item nor an existing file"),
        ("missing.png", DataError, "does not exist"),
    ],
)
def test_bad_items(spec: str, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        resolve_item(spec, (1, 16, 16))


def test_wrong_dataset_for_the_model() -> None:
    with pytest.raises(DataError, match="use a model trained on 'lines'"):
        resolve_item("lines:3", (1, 16, 16))


def test_unknown_dataset_name() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'digits'"):
        get_dataset("digit")


def test_dataset_items_only_never_read_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Image.new("L", (16, 16), 255).save(tmp_path / "white.png")
    (tmp_path / "digits:3").write_bytes((tmp_path / "white.png").read_bytes())  # a file named like an item
    monkeypatch.chdir(tmp_path)
    assert float(resolve_item("digits:3", (1, 16, 16)).x.min()) == 1.0  # a file, where files are allowed
    assert resolve_item("digits:3", (1, 16, 16), files=False).source == "digits:3"  # the dataset's item
    with pytest.raises(DataError, match="is not a dataset item.*file paths are not read"):
        resolve_item(str(tmp_path / "white.png"), (1, 16, 16), files=False)


def test_user_images_are_converted(tmp_path: Path) -> None:
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:, :30] = 255
    Image.fromarray(rgb).save(tmp_path / "a.png")
    item = resolve_item(str(tmp_path / "a.png"), (1, 16, 16))
    assert item.x.shape == (1, 16, 16)
    assert float(item.x[0, 8, 2]) == pytest.approx(1.0) and float(item.x[0, 8, 13]) == pytest.approx(0.0)
    Image.fromarray(rgb).save(tmp_path / "a.jpg")
    assert resolve_item(str(tmp_path / "a.jpg"), (3, 8, 8)).x.shape == (3, 8, 8)


def test_corrupt_image_file(tmp_path: Path) -> None:
    p = tmp_path / "broken.png"
    p.write_bytes(b"\x89PNG\r\n\x1a\nnot an image at all")
    with pytest.raises(DataError, match="not a readable image"):
        resolve_item(str(p), (1, 16, 16))
    with pytest.raises(DataError, match="is a folder"):
        resolve_item(str(tmp_path) + "/", (1, 16, 16))


def test_digits_read_directly_equal_scikit_learns() -> None:
    from sklearn.datasets import load_digits

    from latentwalk.data.digits import _bundled

    images, target = _bundled()
    bunch = load_digits()
    assert np.array_equal(images, bunch.images) and np.array_equal(target, bunch.target)
