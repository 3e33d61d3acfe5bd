"""faces32: the faces at 32x32 (2x2 box filter, 8-bit), same item syntax, probe on the upsampled frame."""

from __future__ import annotations

import pytest
import torch

from latentwalk.data import get_dataset, resolve_item
from latentwalk.data.faces32 import pool
from latentwalk.errors import DataError

SHAPE = (3, 32, 32)


@pytest.mark.parametrize("spec", ["17", "smile=0.8", "smile=-1,glasses=1"])
def test_items_are_the_pooled_faces_items(spec: str) -> None:
    small, big = get_dataset("faces32").item(spec), get_dataset("faces").item(spec)
    assert small.x.shape == SHAPE and small.x.dtype == torch.float32
    assert torch.equal(small.x, pool(big.x[None])[0])
    assert torch.equal(small.x, (small.x * 255).round() / 255)  # what a PNG of it holds
    assert small.factors == big.factors
    assert small.source == "faces32" + big.source.removeprefix("faces")


def test_items_are_deterministic_and_addressed_by_resolve_item() -> None:
    a, b = resolve_item("faces32:smile=0.8", SHAPE), resolve_item("faces32:smile=0.8", SHAPE)
    assert torch.equal(a.x, b.x)
    assert not torch.equal(a.x, resolve_item("faces32:yaw=0.8", SHAPE).x)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("faces32:smile=2", r"smile in 'faces32:smile=2' must be in -1\.\.1"),
        ("faces32:nose=1", "not an item.*factors of faces32: smile"),
        ("faces32:4096", "out of range for 'faces32'"),
        ("faces32:", "'faces32:' names no item"),
    ],
)
def test_bad_specs_raise_one_line(spec: str, match: str) -> None:
    with pytest.raises(DataError, match=match) as info:
        resolve_item(spec, SHAPE)
    assert "\n" not in str(info.value)


def test_ground_truth_reads_a_clean_face_and_refuses_other_shapes() -> None:
    item = get_dataset("faces32").item("smile=0.8,glasses=1")
    gt = get_dataset("faces32").ground_truth()
    found, dist = gt.nearest(item.x[None])
    assert abs(float(found["smile"][0]) - 0.8) < 0.2 and float(found["glasses"][0]) > 0.5
    assert float(dist[0]) < 0.05  # a clean face is near its own redrawing
    with pytest.raises(DataError, match=r"reads frames \(T, 3, 32, 32\)"):
        gt.recover(torch.zeros(1, 3, 64, 64))


def test_faces32_has_a_factor_recoverer() -> None:
    from latentwalk.factors import recoverer_for

    rec = recoverer_for("faces32")
    x = get_dataset("faces32").item("yaw=0.9").x[None]
    assert abs(float(rec.recover(x)["yaw"][0]) - 0.9) < 0.15 and rec.factors["glasses"].scale == 1.0
