"""The command line: what a user types, exit codes, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from latentwalk.cli import app


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def walk_args(ck: Path, out: Path, *extra: str) -> list[str]:
    return ["walk", "--model", str(ck), "--from", "digits:0", "--to", "digits:1", "--steps", "5", "--out", str(out), "-q", *extra]


def test_walk_writes_the_folder(tiny_checkpoint: Path, tmp_path: Path) -> None:
    code, out, err = run(*walk_args(tiny_checkpoint, tmp_path / "w"))
    assert code == 0, err
    assert "slerp" in out and "evenness" in out
    frames = np.load(tmp_path / "w" / "frames.npy")
    assert frames.shape == (5, 1, 16, 16)
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text())
    assert len(manifest["model"]["weights_sha256"]) == 64 and manifest["command"][0] == "latentwalk"
    assert [i["spec"] for i in manifest["items"]] == ["digits:0", "digits:1"]


def test_walk_several_methods_and_via(tiny_checkpoint: Path, tmp_path: Path) -> None:
    code, _, err = run(*walk_args(tiny_checkpoint, tmp_path / "m", "--method", "crossfade", "--method", "lerp", "--via", "digits:5"))
    assert code == 0, err
    assert (tmp_path / "m" / "comparison.png").exists() and (tmp_path / "m" / "lerp" / "walk.mp4").exists()


def test_walk_between_image_files(tiny_checkpoint: Path, tmp_path: Path) -> None:
    for name, v in (("a.png", 0), ("b.png", 255)):
        Image.fromarray(np.full((20, 20), v, np.uint8)).save(tmp_path / name)
    code, _, err = run("walk", "--model", str(tiny_checkpoint), "--from", str(tmp_path / "a.png"), "--to", str(tmp_path / "b.png"),
                       "--steps", "3", "--out", str(tmp_path / "f"), "-q")
    assert code == 0, err


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (["--method", "slurp"], "Did you mean 'slerp'"),
        (["--steps", "1"], "'steps' parameter of walk must be an int in the range [2, 4096]"),
        (["--steps", "100000"], "Got 100000 instead"),
        (["--schedule", "bounce"], "Unknown t-schedule 'bounce'"),
        (["--distance", "lpips"], "Unknown frame distance 'lpips'"),
    ],
)
def test_bad_options_exit_2_with_one_line(tiny_checkpoint: Path, tmp_path: Path, change: list[str], match: str) -> None:
    code, _, err = run(*walk_args(tiny_checkpoint, tmp_path / "x", *change))
    assert code == 2
    assert match in err and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x").exists()
    assert [p for p in tmp_path.iterdir() if p.name.startswith(".x")] == []  # nothing half-written


@pytest.mark.parametrize(
    ("model", "src", "match"),
    [
        ("digit-vae", "digits:0", "Did you mean 'digits-vae'"),
        ("{ck}", "digits:5000", "out of range"),
        ("{ck}", "missing.png", "does not exist"),
        ("{ck}", "lines:3", "use a model trained on 'lines'"),
        ("{tmp}/nothing-here", "digits:0", "does not exist"),
    ],
)
def test_bad_inputs_exit_2(tiny_checkpoint: Path, tmp_path: Path, model: str, src: str, match: str) -> None:
    model = model.format(ck=tiny_checkpoint, tmp=tmp_path)
    code, _, err = run("walk", "--model", model, "--from", src, "--to", "digits:1", "--out", str(tmp_path / "x"), "-q")
    assert code == 2 and match in err and "Traceback" not in err


def test_corrupt_image_and_tampered_checkpoint(tiny_checkpoint: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"garbage")
    code, _, err = run("walk", "--model", str(tiny_checkpoint), "--from", str(bad), "--to", "digits:1", "--out", str(tmp_path / "x"))
    assert code == 2 and "not a readable image" in err
    w = tiny_checkpoint / "model.safetensors"
    w.write_bytes(w.read_bytes()[:-10] + b"0123456789")
    code, _, err = run(*walk_args(tiny_checkpoint, tmp_path / "y"))
    assert code == 2 and "hash" in err


def test_unwritable_output(tiny_checkpoint: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run(*walk_args(tiny_checkpoint, blocker))
    assert code == 2 and "is not a folder" in err
    code, _, err = run(*walk_args(tiny_checkpoint, blocker / "sub"))
    assert code == 2 and "Cannot write" in err


def test_train_then_walk(tmp_path: Path) -> None:
    code, out, err = run("train", "--data", "digits", "--family", "ae", "--latent-dim", "3", "--width", "4", "--epochs", "1",
                         "--out", str(tmp_path / "ck"), "-q")
    assert code == 0, err
    assert "trained ae on digits" in out
    code, _, err = run(*walk_args(tmp_path / "ck", tmp_path / "w"))
    assert code == 0, err


def test_train_bad_input(tmp_path: Path) -> None:
    code, _, err = run("train", "--data", "digitz", "--family", "ae", "--out", str(tmp_path / "ck"))
    assert code == 2 and "Did you mean 'digits'" in err
    code, _, err = run("train", "--data", "digits", "--family", "ae", "--epochs", "0", "--out", str(tmp_path / "ck"))
    assert code == 2 and "Invalid value for '--epochs'" in err and "latentwalk train --help" in err


def test_list_names_every_registry() -> None:
    code, out, _ = run("list")
    assert code == 0
    for word in ("slerp", "matched", "crossfade", "digits-vae", "lines", "ssim", "ease-in-out"):
        assert word in out


def test_ppl_command(tiny_checkpoint: Path) -> None:
    code, out, err = run("ppl", "--model", str(tiny_checkpoint), "--samples", "300", "--json", "-q")
    assert code == 0, err
    res = json.loads(out)
    assert res["n_samples"] == 300 and res["n_kept"] < 300 and res["mean"] > 0  # StyleGAN trimming drops some
    code, out2, _ = run("ppl", "--model", str(tiny_checkpoint), "--samples", "300", "--json", "-q")
    assert json.loads(out2)["mean"] == res["mean"]  # same seed, same number
    code, _, err = run("ppl", "--model", str(tiny_checkpoint), "--samples", "0")
    assert code == 2 and "--samples" in err and err.count("\n") == 1


def test_ppl_needs_a_gaussian_prior(tmp_path: Path, tiny_ae) -> None:  # type: ignore[no-untyped-def]
    from latentwalk.models import save_checkpoint

    ck = save_checkpoint(tiny_ae, tmp_path / "ae")
    code, _, err = run("ppl", "--model", str(ck), "--samples", "8")
    assert code == 2 and "prior" in err


def test_rerun_recreates_a_walk_bit_for_bit(tiny_checkpoint: Path, tmp_path: Path) -> None:
    code, _, err = run(*walk_args(tiny_checkpoint, tmp_path / "w", "--method", "lerp", "--method", "slerp"))
    assert code == 0, err
    code, out, err = run("rerun", str(tmp_path / "w"))
    assert code == 0, err
    assert "re-created bit for bit" in out
    manifest = json.loads((tmp_path / "w" / "manifest.json").read_text())
    manifest["files"]["lerp/frames.npy"] = "0" * 64  # as if the folder had been edited
    (tmp_path / "w" / "manifest.json").write_text(json.dumps(manifest))
    code, out, _ = run("rerun", str(tmp_path / "w"))
    assert code == 1 and "lerp/frames.npy" in out
    code, _, err = run("rerun", str(tmp_path))
    assert code == 2 and "no manifest.json" in err


def test_rerun_recreates_a_trained_checkpoint_bit_for_bit(tmp_path: Path) -> None:
    code, _, err = run("train", "--data", "digits", "--family", "vae", "--latent-dim", "2", "--width", "2", "--epochs", "1",
                       "--out", str(tmp_path / "ck"), "-q")
    assert code == 0, err
    assert "seconds" not in (tmp_path / "ck" / "config.json").read_text()  # timings live in the manifest, not the hashed files
    code, out, err = run("rerun", str(tmp_path / "ck"))
    assert code == 0 and "all 2 files re-created bit for bit" in out, err
