"""The demo's families section, on the shipped built-ins: the first random pair `evaluate --seed` draws,
walked in every family, with the inversion error of the models without an encoder beside it."""

from __future__ import annotations

import math
from pathlib import Path

from click.testing import CliRunner

from latentwalk.cli import app
from latentwalk.demo import SECTIONS, DemoContext
from latentwalk.demo.evaluation import random_pairs
from latentwalk.demo.families import FAMILIES, PAIRS
from latentwalk.render import Report

INVERTED = {"digits-gan", "digits-ldm", "digits-ddim"}


def test_families_run_by_default_and_the_old_flag_is_accepted() -> None:
    assert SECTIONS["families"].opt_in is None
    r = CliRunner().invoke(app, ["demo", "--all-families", "--help"])
    assert r.exit_code == 0 and "--all-families" not in r.stdout  # hidden: nothing to choose any more


def test_every_family_walks_the_seeds_first_pair(tmp_path: Path) -> None:
    ctx = DemoContext(tmp_path, Report("t", ""), seed=0, progress=False)
    SECTIONS["families"].fn(ctx)
    record = ctx.manifest["families"]
    a, b, _ = random_pairs("digits", 1797, 0, 1)[0]
    assert record["pair"] == [a, b]
    assert list(record["families"]) == [name for name, _ in FAMILIES]
    for name, fam in record["families"].items():
        means = fam["random_pairs"]
        assert means["smoothness.evenness"]["n"] == PAIRS and means["spectral.high_frequency_share"]["n"] == PAIRS
        if name in INVERTED:  # its codes were searched for: the error left, per input and over the pairs
            assert len(fam["inversion"]["rmse"]) == 2 and all(0 < v < 0.1 for v in fam["inversion"]["rmse"])
            assert means["inversion.rmse"]["n"] == PAIRS and math.isfinite(means["inversion.rmse"]["mean"])
        else:
            assert fam["inversion"] is None and "inversion.rmse" not in means
    assert (tmp_path / "families.png").exists() and (tmp_path / "families.gif").exists()
