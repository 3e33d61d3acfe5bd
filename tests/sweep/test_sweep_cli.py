"""`latentwalk sweep` and `latentwalk evaluate`: what a user types, what lands in DIR, one-line errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sweep_tiny import small_spec, write_spec  # type: ignore[import-not-found]

import latentwalk
from latentwalk.cli import app
from latentwalk.files import holdings, sha256_file

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_the_example_spec_runs(tmp_path: Path) -> None:
    """The README's sweep: the built-in lines models (trained into the test cache on first use)."""
    out = tmp_path / "sweep-lines"
    code, stdout, err = run("sweep", str(ROOT / "examples" / "sweep-lines.toml"), "--out", str(out), "-q")
    assert code == 0, err
    assert "wrote" in stdout and "ACAI mean dist" in stdout
    rows = pq.read_table(out / "rows.parquet")
    assert rows.num_rows == 2 * 3 * 16
    summary = json.loads((out / "summary.json").read_text())
    by = {(g["model"], g["method"]): g["metrics"] for g in summary["groups"]}
    assert len(by) == 6 and all(g["walks"] == 16 for g in summary["groups"])
    # SLERP keeps a VAE code's norm, LERP's midpoint sinks inside the prior's shell
    vae = {m: by["lines-vae", m]["typicality.mid_norm_ratio"]["mean"] for m in ("lerp", "slerp")}
    assert vae["lerp"] < 0.95 < vae["slerp"]


def test_a_sweep_folder_is_ours_and_continues(lines_models: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, small_spec(lines_models))
    out = tmp_path / "out"
    code, stdout, err = run("sweep", str(spec), "--out", str(out), "--engine", "serial", "-q")
    assert code == 0, err
    files = json.loads((out / "manifest.json").read_text())["files"]
    assert len([f for f in files if f.startswith("shards/")]) == 6
    assert {"rows.parquet", "summary.csv", "summary.json", "summary.png"} <= set(files)
    assert all(sha256_file(out / f) == h for f, h in files.items())
    assert holdings(out).foreign == []  # every file is listed: other commands may replace the folder
    with open(out / "summary.csv") as f:
        table = list(csv.DictReader(f))
    assert [r["method"] for r in table] == ["lerp", "slerp", "crossfade"] * 2
    assert float(table[0]["smoothness.evenness.ci_low"]) <= float(table[0]["smoothness.evenness.mean"])
    before = pq.read_table(out / "rows.parquet")
    code, stdout, err = run("sweep", str(spec), "--out", str(out), "--engine", "serial", "-q")  # again: nothing to do
    assert code == 0 and "6 of 6 shards were there already" in stdout, err
    assert pq.read_table(out / "rows.parquet").equals(before)


def test_foreign_files_are_refused_or_kept_beside(lines_models: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, small_spec(lines_models, pairs="random = 2"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = run("sweep", str(spec), "--out", str(out), "--engine", "serial", "-q")
    assert code == 2 and err.startswith("error: ") and "notes.txt" in err and err.count("\n") == 1
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    code, _, err = run("sweep", str(spec), "--out", str(out), "--engine", "serial", "-q", "--force")
    assert code == 0, err
    assert (out / "notes.txt").read_text() == "mine"
    assert "notes.txt" not in json.loads((out / "manifest.json").read_text())["files"]
    (out / "summary.csv").write_text("changed by hand")  # now it is the user's: never overwritten
    code, _, err = run("sweep", str(spec), "--out", str(out), "--engine", "serial", "-q", "--force")
    assert code == 2 and "summary.csv" in err
    assert (out / "summary.csv").read_text() == "changed by hand"


BAD = [
    ('models = ["lines-aee"]\nmethods = ["slerp"]\n[pairs]\nrandom = 4\n', "Did you mean 'lines-ae'"),
    ('models = []\nmethods = ["slerp"]\n[pairs]\nrandom = 4\n', "'models' is empty"),
    ('models = ["{ae}"]\nmethods = []\n[pairs]\nrandom = 4\n', "'methods' is empty"),
    ('models = ["{ae}"]\nmethods = ["slurp"]\n[pairs]\nrandom = 4\n', "Did you mean 'slerp'"),
    ('models = ["{ae}"]\nmethods = ["slerp"]\n[pairs]\nlist = []\n', "pairs.list is empty"),
    ('models = ["{ae}"]\nmethods = ["slerp"]\n[pairs]\nrandom = 1000000000\n', "Got 1000000000 instead"),
    ('models = ["{ae}"]\nmethods = ["slerp"]\n[pairs]\nlist = [["lines:0", "gone.png"]]\n', "gone.png' does not exist"),
    ('models = ["{ae}"]\nmethods = ["slerp"]\n[pairs]\ngrid = {{ factor = "angel", from = [1], to = [2] }}\n',
     "factors of lines: angle"),
    ('models = ["{ae}"]\nmethods = ["slerp"]\n[pairs]\nrandom = 4\ndataset = "digits"\n', "pick the dataset it was trained on"),
    ('models = ["{ae}"\n', "is not valid TOML"),
    ('models = ["{ae}"]\nmethods = ["lerp", "slerp", "crossfade"]\nsteps = 4096\n[pairs]\nrandom = 2\n',
     "over latentwalk's budget"),
]


@pytest.mark.parametrize(("text", "match"), BAD)
def test_bad_specs_exit_2_with_one_line_and_write_nothing(lines_models: Path, tmp_path: Path, text: str,
                                                          match: str) -> None:
    spec = write_spec(tmp_path, text.format(ae=lines_models / "tiny-ae"))
    out = tmp_path / "out"
    code, _, err = run("sweep", str(spec), "--out", str(out), "-q")
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert match in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("options", "match"),
    [
        (["--engine", "ray", "--address", "127.0.0.1:1"], "Cannot reach a Ray cluster at '127.0.0.1:1'"),
        (["--engine", "ray", "--address", "nowhere"], "--address must be HOST:PORT"),
        (["--address", "127.0.0.1:1"], "goes with --engine ray"),
        (["--engine", "rey"], "Did you mean 'ray'"),
        (["--engine", "serial", "--workers", "2"], "needs --engine local"),
        (["--workers", "0"], "'workers' parameter of sweep must be an int in the range [1, 4096]"),
    ],
)
def test_bad_engine_options_exit_2_and_write_nothing(lines_models: Path, tmp_path: Path, options: list[str],
                                                     match: str) -> None:
    spec = write_spec(tmp_path, small_spec(lines_models, pairs="random = 2"))
    out = tmp_path / "out"
    code, _, err = run("sweep", str(spec), "--out", str(out), "-q", *options)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and match in err, err
    assert not out.exists()


def test_evaluate_writes_the_table(lines_models: Path, tmp_path: Path) -> None:
    out = tmp_path / "ev"
    ae, vae = str(lines_models / "tiny-ae"), str(lines_models / "tiny-vae")
    code, stdout, err = run("evaluate", "--model", vae, "--model", ae, "--method", "slerp", "--pairs", "3", "--steps", "4",
                            "--out", str(out), "--engine", "serial", "-q")
    assert code == 0, err
    assert "ACAI mean dist" in stdout and "crossfade" in stdout  # the crossfade is always there
    assert {"evaluate.json", "evaluate.csv", "evaluate.png", "rows.parquet", "manifest.json"} <= {p.name for p in out.iterdir()}
    groups = json.loads((out / "evaluate.json").read_text())["groups"]
    assert [(Path(g["model"]).name, g["method"]) for g in groups] == [
        ("tiny-vae", "slerp"), ("tiny-vae", "crossfade"), ("tiny-ae", "slerp"), ("tiny-ae", "crossfade")]
    assert json.loads((out / "manifest.json").read_text())["invocation"]["command"] == "evaluate"


def test_evaluate_bad_options_exit_2(tmp_path: Path) -> None:
    code, _, err = run("evaluate", "--model", "lines-ae", "--pairs", "1000000000", "--out", str(tmp_path / "x"))
    assert code == 2 and "'pairs' parameter of evaluate" in err and not (tmp_path / "x").exists()


def test_evaluate_from_python_is_the_same_table(lines_models: Path, tmp_path: Path) -> None:
    vae = latentwalk.load_model(lines_models / "tiny-vae", progress=False)
    table = latentwalk.evaluate(vae, methods=["lerp", "slerp"], pairs=4, steps=4, engine="serial", progress=False)
    slerp = table[vae.spec, "slerp"]
    assert slerp["smoothness.evenness"]["n"] == 4 and slerp["typicality.mid_norm_ratio"]["mean"] == pytest.approx(1, abs=1e-5)
    assert table.rows.num_rows == 4 * 3 and "crossfade" in repr(table)
    again = latentwalk.evaluate(str(lines_models / "tiny-vae"), methods=["lerp", "slerp"], pairs=4, steps=4,
                                engine="serial", progress=False)
    assert again.groups[0]["metrics"] == table.groups[0]["metrics"]


def test_evaluate_has_the_inversion_error_of_a_model_without_an_encoder(tmp_path: Path) -> None:
    """A GAN's codes are found by inversion: its latent walks carry the mean RMSE left at their ends
    (`inversion.rmse`); an AE's walks and every crossfade have no such column (null in the rows)."""
    import math

    from latentwalk.models import build, save_checkpoint
    from latentwalk.models.autoencoders import ConvAEConfig
    from latentwalk.models.gan import GANConfig

    paths = {}
    for family, config in [("gan", GANConfig(size=16, latent_dim=4, width=4, arch="mlp")),
                           ("ae", ConvAEConfig(channels=1, size=16, latent_dim=4, width=4, arch="mlp", depth=1))]:
        paths[family] = tmp_path / f"tiny-{family}"
        save_checkpoint(build(family, config, seed=0), paths[family], {"trained_on": {"dataset": "digits", "n_items": 0}})
    code, stdout, err = run("evaluate", "--model", str(paths["gan"]), "--model", str(paths["ae"]), "--method", "slerp",
                            "--pairs", "2", "--steps", "3", "--out", str(tmp_path / "ev"), "--engine", "serial", "-q")
    assert code == 0, err
    assert "inversion RMSE" in stdout
    groups = {(Path(g["model"]).name, g["method"]): g["metrics"] for g in
              json.loads((tmp_path / "ev" / "evaluate.json").read_text())["groups"]}
    inv = groups["tiny-gan", "slerp"]["inversion.rmse"]
    assert inv["n"] == 2 and math.isfinite(inv["mean"]) and inv["mean"] > 0
    assert all("inversion.rmse" not in groups[k] for k in [("tiny-gan", "crossfade"), ("tiny-ae", "slerp"), ("tiny-ae", "crossfade")])
    rows = pq.read_table(tmp_path / "ev" / "rows.parquet").to_pylist()
    assert [r["inversion.rmse"] is None for r in rows if Path(r["model"]).name == "tiny-ae"] == [True] * 4


@pytest.mark.parametrize(("module", "options", "extra"), [("pyarrow", [], "sweep"), ("ray", ["--engine", "ray"], "ray")])
def test_a_missing_extra_is_named(lines_models: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str,
                                  options: list[str], extra: str) -> None:
    import sys

    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    spec = write_spec(tmp_path, small_spec(lines_models, pairs="random = 2"))
    code, _, err = run("sweep", str(spec), "--out", str(tmp_path / "out"), "-q", *options)
    assert code == 2 and f"pip install 'latentwalk[{extra}]'" in err and not (tmp_path / "out").exists()
