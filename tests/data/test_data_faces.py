"""The faces dataset: drawing, items, the disk cache and the shipped probe."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from latentwalk.data import faces as F
from latentwalk.data import get_dataset, resolve_item
from latentwalk.errors import CheckpointError, DataError
from latentwalk.files import sha256_file

SHAPE = (3, 64, 64)


def _item(spec: str) -> torch.Tensor:
    return get_dataset("faces").item(spec).x


def test_items_are_deterministic_and_8_bit() -> None:
    a, b = _item("smile=0.8,glasses=1"), _item("smile=0.8,glasses=1")
    assert a.shape == SHAPE and a.dtype == torch.float32
    assert torch.equal(a, b)
    assert float(a.min()) >= 0 and float(a.max()) <= 1
    assert torch.equal(a, (a * 255).round() / 255)  # what a PNG of it holds
    assert not torch.equal(_item("smile=0.8"), _item("yaw=0.8"))  # other factors, other face


def test_index_items_are_the_training_table_drawn_alone() -> None:
    table = F._factor_table()
    batch = F.render_faces({k: v[:6] for k, v in table.items()})
    for i in (0, 5):
        item = resolve_item(f"faces:{i}", SHAPE)
        assert item.source == f"faces:{i}"
        assert torch.equal(item.x, batch[i])  # batch-independent drawing, bit for bit
        assert item.factors["smile"] == pytest.approx(float(table["smile"][i]))


def test_factor_spec_keeps_unnamed_factors_and_source_redraws() -> None:
    frown, smile = (get_dataset("faces").item(f"smile={s},glasses=1") for s in (-1, 1))
    assert frown.factors["smile"] == -1 and smile.factors["smile"] == 1 and smile.factors["glasses"] == 1
    same = {k for k in F.FACTORS if frown.factors[k] == smile.factors[k]}
    assert same == set(F.FACTORS) - {"smile"}  # the same person frowning and smiling
    again = get_dataset("faces").item(smile.source.partition(":")[2])
    assert (again.x - smile.x).abs().max() <= 2 / 255  # the source names every factor (4 decimals)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("faces:smile=2", r"smile in 'faces:smile=2' must be in -1\.\.1, got 2"),
        ("faces:yaw=-1.5,smile=0", "yaw .* must be in -1..1"),
        ("faces:glasses=0.5", "glasses .* must be 0 or 1"),
        ("faces:nose=1", "not an item.*factors of faces: smile, yaw"),
        ("faces:smile=wide", "must be a number"),
        ("faces:smile=nan", "finite"),
        ("faces:4096", "out of range"),
        ("faces:", "names no item"),
    ],
)
def test_bad_specs_raise_one_line(spec: str, match: str) -> None:
    with pytest.raises(DataError, match=match) as info:
        resolve_item(spec, SHAPE)
    assert "\n" not in str(info.value)


def _mouth_box(x: torch.Tensor) -> torch.Tensor:
    return x[:, 36:56, 18:46]


def _lips(x: torch.Tensor) -> torch.Tensor:
    """(64, 64) mask of the mouth's red ink (skin is reddish too, so only the mouth's rows count)."""
    red = x[0] - x[1:].mean(0)
    mask = red > 0.2
    mask[:36], mask[56:] = False, False
    return mask


def _row_of(mask: torch.Tensor, cols: slice) -> float:
    rows = mask[:, cols].nonzero()[:, 0].float()
    return float(rows.mean())


def test_smile_changes_the_mouth_region_only() -> None:
    frown, smile = _item("smile=-1,yaw=0"), _item("smile=1,yaw=0")
    diff = (smile - frown).abs().sum(0)  # (64, 64)
    assert float(diff.sum()) > 8  # a visible change
    inside = float(_mouth_box(diff[None]).sum())
    assert inside / float(diff.sum()) > 0.95
    for x, corners_up in ((smile, True), (frown, False)):
        lips = _lips(x)
        cols = lips.any(0).nonzero().flatten()
        left, right = int(cols.min()), int(cols.max())
        mid = (left + right) // 2
        corner = (_row_of(lips, slice(left, left + 2)) + _row_of(lips, slice(right - 1, right + 1))) / 2
        centre = _row_of(lips, slice(mid - 1, mid + 2))
        assert (corner < centre - 2) if corners_up else (corner > centre + 2)  # rows grow downwards


def test_glasses_add_dark_pixels_around_the_eyes() -> None:
    bare, glasses = _item("glasses=0,yaw=0"), _item("glasses=1,yaw=0")
    darker = (bare - glasses).mean(0) > 0.15  # (64, 64)
    rows = darker.any(1).nonzero().flatten()
    assert int(darker.sum()) > 60
    assert 24 <= int(rows.min()) and int(rows.max()) <= 40  # the eye band
    assert not bool((glasses - bare).mean(0).gt(0.05).any())  # nothing brighter


def test_closed_eyes_hide_the_whites() -> None:
    closed, open_ = _item("eyes=-1,yaw=0"), _item("eyes=1,yaw=0")
    white = lambda x: int((x.min(0).values > 0.8).sum())
    assert white(closed) == 0 and white(open_) > 5


def test_yaw_moves_the_features_sideways() -> None:
    left, right = _item("yaw=-1,glasses=0"), _item("yaw=1,glasses=0")
    centre = lambda x: float(_lips(x).nonzero()[:, 1].float().mean())
    assert centre(right) > centre(left) + 8


def test_training_set_cached_in_process_and_on_disk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LATENTWALK_CACHE", str(tmp_path))
    monkeypatch.setattr(F, "N_TRAIN", 32)
    for cached in (F._factor_table, F._training_set):
        cached.cache_clear()
    try:
        split = get_dataset("faces").load()
        assert split.x.shape == (32, *SHAPE) and set(split.factors) == set(F.FACTORS)
        files = list((tmp_path / "data").glob("faces-v*.npy"))
        assert len(files) == 1
        F._training_set.cache_clear()
        again = get_dataset("faces").load()  # read back from the disk
        assert torch.equal(split.x, again.x)
        assert torch.equal(split.x[7], resolve_item("faces:7", SHAPE).x)
        assert float(split.factors["glasses"].sum()) not in (0.0, 32.0)  # both kinds of face
    finally:
        for cached in (F._factor_table, F._training_set):
            cached.cache_clear()


def test_shipped_probe_matches_its_hash(tmp_path: Path) -> None:
    meta = json.loads(F.PROBE_META.read_text())
    assert sha256_file(F.PROBE_WEIGHTS) == meta["sha256"]
    assert meta["render_version"] == F.RENDER_VERSION and meta["factors"] == list(F.FACTORS)
    bad = tmp_path / "probe.safetensors"
    shutil.copy(F.PROBE_WEIGHTS, bad)
    with bad.open("r+b") as f:
        f.seek(-4, 2)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(CheckpointError, match="does not match the sha256"):
        F.load_probe(bad, F.PROBE_META)


def test_probe_recovers_fresh_renders() -> None:
    f = F.sample_factors(64, np.random.default_rng(4242))  # neither its training nor held-out seed
    x = F.render_faces(f)
    found, dist = get_dataset("faces").ground_truth().nearest(x)
    for k in ("smile", "yaw", "light", "age", "eyes"):
        assert float((found[k] - f[k].double()).abs().mean()) < 0.08, k  # 64 faces: noisier than the JSON's
    for k in ("hair", "width", "skin", "background"):
        assert float((found[k] - f[k].double()).abs().mean()) < 0.15, k
    assert float(((found["glasses"] > 0.5).double() == f["glasses"].double()).double().mean()) >= 0.95
    assert dist.dtype == torch.float64 and dist.shape == (64,)
    assert float(dist.median()) < 0.03  # clean faces sit on the manifold, up to the probe's error


def test_probe_refuses_other_shapes() -> None:
    with pytest.raises(DataError, match=r"reads frames \(T, 3, 64, 64\)"):
        get_dataset("faces").ground_truth().nearest(torch.zeros(2, 1, 32, 32))
