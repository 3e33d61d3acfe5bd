"""The project's own checks, run by the README's test command: typed (mypy) and linted (ruff)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_finds_no_errors() -> None:
    from mypy import api  # the [test] extra installs it

    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-incremental", str(ROOT / "src" / "latentwalk")])
    assert status == 0, out + err


def test_ruff_finds_nothing() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))  # the [test] extra installs it
    assert ruff is not None, "ruff is missing from this environment: pip install -e '.[test]'"
    r = subprocess.run([ruff, "check", "src", "tests", "bench"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
