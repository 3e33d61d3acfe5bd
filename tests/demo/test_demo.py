"""`latentwalk demo` end to end: trains the built-ins into the test cache on first use."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from latentwalk.cli import app


def test_demo_writes_a_report_that_teaches(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["demo", "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert "slerp" in r.stdout and "report:" in r.stdout
    html = (out / "index.html").read_text()
    for phrase in ("double exposure", "SLERP", "crossfade", "ACAI", "All models, averaged"):
        assert phrase in html
    for src in re.findall(r'src="([^"]+)"', html):
        assert (out / src).exists(), src  # every picture the page shows is there
    assert not re.search(r"https?://", html)
    manifest = json.loads((out / "manifest.json").read_text())
    walks = manifest["sections"]["images"]["walks"]
    assert set(walks) >= {"digits-ae", "digits-vae", "lines-ae", "lines-vae"}
    # The seed's lesson, measured: on lines, the VAE's SLERP walk is closer to real lines than the
    # double exposure, and LERP's codes sink inside the prior's shell while SLERP's do not.
    first = walks["lines-vae"]["pairs"][0]["metrics"]
    assert first["slerp"]["acai"]["mean_distance"] < first["crossfade"]["acai"]["mean_distance"]
    assert first["lerp"]["typicality"]["mid_norm_ratio"] < 0.9 < first["slerp"]["typicality"]["mid_norm_ratio"]
    assert manifest["files"]["index.html"]


def test_demo_refuses_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    r = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "-q"])
    assert r.exit_code == 2 and "did not write" in r.stderr
