"""`latentwalk train --recipe NAME`: a built-in re-made by its own recipe, with its provenance recorded."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from latentwalk.cli import app
from latentwalk.models.builtin import BUILTINS, data_fingerprint, recipe_fingerprint, shortened


def test_train_recipe_records_recipe_data_seed_and_losses(tmp_path: Path) -> None:
    from latentwalk.data import get_dataset

    out = tmp_path / "digits-acai"
    r = CliRunner().invoke(app, ["train", "--recipe", "digits-acai", "--steps", "3", "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    config = json.loads((out / "config.json").read_text())
    assert config["family"] == "acai" and config["builtin"] == "digits-acai"
    assert config["recipe_sha256"] == recipe_fingerprint(shortened(BUILTINS.get("digits-acai"), 3))
    assert config["recipe_sha256"] != recipe_fingerprint(BUILTINS.get("digits-acai"))  # a cut recipe is not the shipped one
    assert config["trained_on"]["data_sha256"] == data_fingerprint(get_dataset("digits").load().x)
    assert config["training"]["steps_run"] == 3 and "recon" in config["training"]["final_losses"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["invocation"]["params"]["recipe"] == "digits-acai" and manifest["training_seconds"] >= 0
    again = tmp_path / "again"
    r2 = CliRunner().invoke(app, ["rerun", str(out), "--out", str(again)])
    assert r2.exit_code == 0, r2.output
    assert (again / "model.safetensors").read_bytes() == (out / "model.safetensors").read_bytes()  # the same bytes


def test_train_recipe_refuses_mixed_options_and_unknown_names(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["train", "--recipe", "digits-acai", "--data", "digits", "--out", str(tmp_path / "a")])
    assert r.exit_code == 2 and "leave out --data" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = CliRunner().invoke(app, ["train", "--recipe", "digits-acia", "--out", str(tmp_path / "b")])
    assert r.exit_code == 2 and "digits-acai" in r.stderr
    r = CliRunner().invoke(app, ["train", "--steps", "3", "--data", "digits", "--family", "ae", "--out", str(tmp_path / "c")])
    assert r.exit_code == 2 and "--recipe" in r.stderr
    assert not any(tmp_path.iterdir())
