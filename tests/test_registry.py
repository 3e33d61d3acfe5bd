"""A separate package adds a path method through the `latentwalk.paths` entry-point group."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

PLUGIN = Path(__file__).parent / "plugins"


@pytest.fixture()
def installed_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """What `pip install ./tests/plugins` leaves for importlib.metadata: a .dist-info with entry_points.txt."""
    from latentwalk.paths import PATHS

    info = tmp_path / "latentwalk_wiggle-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: latentwalk-wiggle\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[latentwalk.paths]\nwiggle = latentwalk_wiggle:METHOD\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(PLUGIN))
    monkeypatch.setattr(PATHS, "_plugins_loaded", False)
    monkeypatch.setattr(PATHS, "_items", dict(PATHS._items))  # restored after the test
    yield
    sys.modules.pop("latentwalk_wiggle", None)


def test_a_plugin_adds_a_path_method(installed_plugin: None) -> None:
    import latentwalk

    z0, z1 = torch.randn(3, 5), torch.randn(3, 5)
    z = latentwalk.interpolate(z0, z1, torch.linspace(0, 1, 7), "wiggle")
    assert z.shape == (3, 7, 5)
    assert torch.allclose(z[:, 0], z0) and torch.allclose(z[:, -1], z1)
    mid = (z0 + z1) / 2
    assert not torch.allclose(z[:, 3], mid)  # it really is the plug-in's path, not lerp
    assert "wiggle" in latentwalk.PATHS.names()


def test_a_plugin_method_walks_from_the_cli(installed_plugin: None, tiny_checkpoint: Path, tmp_path: Path) -> None:
    from latentwalk.cli import app

    r = CliRunner().invoke(app, ["list"])
    assert "wiggle" in r.stdout
    r = CliRunner().invoke(app, ["walk", "--model", str(tiny_checkpoint), "--from", "digits:0", "--to", "digits:1",
                                 "--method", "wiggle", "--steps", "4", "--out", str(tmp_path / "w"), "-q"])
    assert r.exit_code == 0, r.stderr
    assert (tmp_path / "w" / "frames.npy").exists()


def test_without_the_plugin_the_name_is_unknown() -> None:
    import latentwalk

    with pytest.raises(latentwalk.errors.UnknownNameError, match="wiggle"):
        latentwalk.interpolate(torch.zeros(1, 2), torch.ones(1, 2), torch.linspace(0, 1, 3), "wiggle")
