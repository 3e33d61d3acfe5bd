"""`latentwalk direction` and `latentwalk grid`: outputs like a walk; bad input exits 2 with one line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from latentwalk.cli import app


def run(args: list[str]):
    return CliRunner().invoke(app, args)


def test_direction_writes_a_walk_folder(tiny_checkpoint: Path, tmp_path: Path) -> None:
    out = tmp_path / "dir"
    r = run(["direction", "-m", str(tiny_checkpoint), "--factor", "label", "--positive", "1", "--negative", "0",
             "--steps", "5", "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    for name in ("strip.png", "walk.gif", "frames.npy", "codes.npy", "metrics.json", "manifest.json"):
        assert (out / name).exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert set(manifest["scores"]) == {"label", "ink"} and manifest["direction"]["kind"] == "atvec"


def test_grid_marks_corners(tiny_checkpoint: Path, tmp_path: Path) -> None:
    out = tmp_path / "grid"
    r = run(["grid", "-m", str(tiny_checkpoint), "--corners", "digits:0", "digits:1", "digits:2", "--rows", "3",
             "--cols", "4", "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert (out / "grid.png").exists() and (out / "analogy.png").exists()
    import numpy as np

    assert np.load(out / "codes.npy").shape == (3, 4, 4)


def _one_line_error(r, match: str) -> None:
    assert r.exit_code == 2
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and match in lines[0]


def test_bad_input_exits_2_with_one_line(tiny_checkpoint: Path, tmp_path: Path) -> None:
    m = str(tiny_checkpoint)
    _one_line_error(run(["grid", "-m", m, "--corners", "digits:0", "digits:1", "-o", str(tmp_path / "g")]), "3 or 4 corner")
    _one_line_error(run(["direction", "-m", m, "--factor", "colour", "-o", str(tmp_path / "d")]), "no factor 'colour'")
    _one_line_error(run(["direction", "-m", m, "--factor", "label", "-o", str(tmp_path / "d")]), "which class is positive")
    _one_line_error(run(["direction", "-m", m, "--factor", "label", "--kind", "atvek", "-o", str(tmp_path / "d")]), "Did you mean 'atvec'")
    _one_line_error(run(["direction", "-m", m, "--factor", "label", "--range", "0", "-o", str(tmp_path / "d")]), "'--range'")
