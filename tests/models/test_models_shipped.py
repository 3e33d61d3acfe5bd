"""Shipped weights: every file matches its recorded hash, was trained by the recipe as it is now on
the data as it is now, fits the size budget, and loads without training or touching the cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from latentwalk.errors import CheckpointError
from latentwalk.files import sha256_file
from latentwalk.models import builtin
from latentwalk.models.builtin import BUILTINS, SHIPPED_DIR, data_fingerprint, recipe_fingerprint
from latentwalk.models.ship import SIZE_BUDGET, shipped_bytes

SHIPPED = sorted(p.name for p in SHIPPED_DIR.iterdir() if p.is_dir()) if SHIPPED_DIR.exists() else []


def test_the_demo_and_the_benchmark_models_ship() -> None:
    """A fresh install never trains what the demo shows."""
    from latentwalk.demo import ordered_sections

    needed = {m for e in ordered_sections() for m in e.models}  # opt-in sections too
    assert needed and needed <= set(SHIPPED), f"not shipped: {sorted(needed - set(SHIPPED))}"
    assert {"lines-acai", "lines-vae", "lines-ae"} <= set(SHIPPED)


def test_shipped_weights_fit_the_size_budget() -> None:
    assert 0 < shipped_bytes() <= SIZE_BUDGET


@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_file_matches_its_hash(name: str) -> None:
    folder = SHIPPED_DIR / name
    manifest = json.loads((folder / "manifest.json").read_text())
    listed = manifest["files"]
    assert set(listed) == {p.name for p in folder.iterdir()} - {"manifest.json"}
    for fname, digest in listed.items():
        assert sha256_file(folder / fname) == (digest["sha256"] if isinstance(digest, dict) else digest), fname
    config = json.loads((folder / "config.json").read_text())
    assert sha256_file(folder / "model.safetensors") == config["weights_sha256"]
    assert isinstance(manifest.get("training_seconds"), float | int)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_weights_come_from_the_recipe_and_data_of_today(name: str) -> None:
    """A changed recipe or a changed dataset (e.g. the renderer) must be re-shipped: the fingerprints say so."""
    from latentwalk.data import get_dataset

    config = json.loads((SHIPPED_DIR / name / "config.json").read_text())
    recipe = BUILTINS.get(name)
    assert config["recipe_sha256"] == recipe_fingerprint(recipe), f"re-ship {name}: python -m latentwalk.models.ship {name}"
    assert config["trained_on"]["data_sha256"] == data_fingerprint(get_dataset(recipe.dataset).load().x)
    assert config["training"]["seed"] == recipe.train.seed and config["training"]["final_losses"]


def test_a_shipped_name_loads_without_training_or_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("LATENTWALK_CACHE", str(cache))
    monkeypatch.setattr(builtin, "train_recipe", lambda *a, **k: pytest.fail("a shipped model was trained"))
    name = SHIPPED[0]
    _model, meta = builtin.load_builtin(name, progress=False)
    assert meta["builtin"] == name and builtin.builtin_path(name) == SHIPPED_DIR / name
    assert not cache.exists() or not any(cache.rglob("*.safetensors"))


def test_a_changed_shipped_file_is_an_error_not_a_retraining(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = SHIPPED[0]
    copy = tmp_path / "weights"
    shutil.copytree(SHIPPED_DIR / name, copy / name)
    data = bytearray((copy / name / "model.safetensors").read_bytes())
    data[-1] ^= 1
    (copy / name / "model.safetensors").write_bytes(bytes(data))
    monkeypatch.setattr(builtin, "SHIPPED_DIR", copy)
    monkeypatch.setattr(builtin, "train_recipe", lambda *a, **k: pytest.fail("a damaged shipped model was retrained"))
    with pytest.raises(CheckpointError, match="reinstall latentwalk"):
        builtin.load_builtin(name, progress=False)


def test_a_stale_recipe_trains_into_the_cache_instead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the recipe changed after its weights were shipped, the shipped weights are not used."""
    import dataclasses

    name = SHIPPED[0]
    recipe = BUILTINS.get(name)
    changed = dataclasses.replace(recipe, version=recipe.version + 100)
    monkeypatch.setattr(BUILTINS, "get", lambda n: changed if n == name else BUILTINS._items[n])  # type: ignore[attr-defined]
    monkeypatch.setenv("LATENTWALK_CACHE", str(tmp_path))
    assert builtin.builtin_path(name).is_relative_to(tmp_path)
