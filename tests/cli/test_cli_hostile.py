"""A hostile user's command lines: each answers with one `error:` line and exit 2 (or works), fast,
and no file latentwalk did not write is ever touched."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from latentwalk.cli import app


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, list(args), env=env)
    return r.exit_code, r.stdout, r.stderr


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def one_error_line(code: int, err: str) -> bool:
    return code == 2 and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture()
def user_folder(tmp_path: Path) -> Path:
    d = tmp_path / "thesis"
    d.mkdir()
    (d / "thesis.tex").write_text("\\documentclass{article}")
    (d / "data.csv").write_text("a,b\n1,2\n")
    return d


@pytest.fixture()
def web_app(tmp_path: Path) -> Path:
    d = tmp_path / "site"
    d.mkdir()
    (d / "manifest.json").write_text('{"name": "my app", "start_url": "/"}')
    (d / "index.html").write_text("<html></html>")
    (d / "app.js").write_text("console.log(1)")
    return d


def walk(ck: Path, out: str | Path, *extra: str) -> list[str]:
    return ["walk", "--model", str(ck), "--from", "digits:0", "--to", "digits:1", "--steps", "4", "--out", str(out), "-q", *extra]


# -- data loss --------------------------------------------------------------------------------

TRAIN = ["train", "--data", "digits", "--family", "ae", "--latent-dim", "2", "--width", "2", "--epochs", "1", "-q"]


@pytest.mark.parametrize("victim", ["user_folder", "web_app"])
@pytest.mark.parametrize("command", ["train", "walk", "grid", "demo", "direction"])
def test_no_command_replaces_a_folder_it_did_not_write(
    request: pytest.FixtureRequest, tiny_checkpoint: Path, victim: str, command: str
) -> None:
    folder: Path = request.getfixturevalue(victim)
    before = snapshot(folder)
    args = {
        "train": [*TRAIN, "--out", str(folder)],
        "walk": walk(tiny_checkpoint, folder),
        "grid": ["grid", "--model", str(tiny_checkpoint), "--corners", "digits:0", "digits:1", "digits:2", "--out", str(folder)],
        "demo": ["demo", "--out", str(folder), "-q"],
        "direction": ["direction", "--model", str(tiny_checkpoint), "--factor", "ink", "--out", str(folder), "-q"],
    }[command]
    code, _, err = run(*args)
    assert one_error_line(code, err) and "--force" in err
    assert snapshot(folder) == before
    assert sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("where", [".", "..", "../.."])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_current_folder_and_parents_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_checkpoint: Path,
                                                where: str, force: list[str]) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "keep.txt").write_text("keep")
    monkeypatch.chdir(tmp_path / "a" / "b")
    before = snapshot(tmp_path)
    for args in ([*TRAIN, "--out", where, *force], walk(tiny_checkpoint, where, *force)):
        code, _, err = run(*args)
        assert one_error_line(code, err) and "current folder" in err
    assert snapshot(tmp_path) == before


def test_a_note_in_an_old_walk_survives_the_next_run(tiny_checkpoint: Path, tmp_path: Path) -> None:
    out = tmp_path / "w"
    assert run(*walk(tiny_checkpoint, out))[0] == 0
    assert run(*walk(tiny_checkpoint, out, "--method", "lerp"))[0] == 0  # our own folder: replaced
    (out / "note.txt").write_text("this walk is nice")
    code, _, err = run(*walk(tiny_checkpoint, out))
    assert one_error_line(code, err) and "note.txt" in err
    code, _, err = run(*walk(tiny_checkpoint, out, "--force"))
    assert code == 0, err
    assert (out / "note.txt").read_text() == "this walk is nice" and (out / "frames.npy").exists()


# -- rerun re-parses, never executes ------------------------------------------------------------


@pytest.fixture()
def walked(tiny_checkpoint: Path, tmp_path: Path) -> Path:
    out = tmp_path / "w"
    code, _, err = run(*walk(tiny_checkpoint, out))
    assert code == 0, err
    return out


def tamper(folder: Path, change: dict) -> None:  # type: ignore[type-arg]
    m = json.loads((folder / "manifest.json").read_text())
    for key, value in change.items():
        target, _, leaf = key.rpartition(".")
        node = m
        for part in [p for p in target.split(".") if p]:
            node = node[part]
        node[leaf] = value
    (folder / "manifest.json").write_text(json.dumps(m))


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"invocation.command": "train"}, "does not have"),  # walk's parameters are not train's
        ({"invocation.command": "rm"}, "does not record one of"),
        ({"invocation.params.bogus": 1}, "does not have: bogus"),
        ({"invocation.params.steps": {"$x": 1}}, "records a dict"),
        ({"invocation.params.steps": "nan"}, "rejects"),
        ({"invocation.params.methods": ["slerp", "--out=/tmp"]}, "Unknown path method"),
        ({"invocation.params.model_spec": "{victim}"}, "not a latentwalk checkpoint"),
        ({"format": "something-else"}, "not written by this version"),
        ({"invocation": None}, "does not record one of"),
        ({"files": {}}, "lists no files"),
    ],
)
def test_rerun_refuses_a_manifest_it_cannot_trust(walked: Path, user_folder: Path, change: dict, match: str) -> None:  # type: ignore[type-arg]
    before = snapshot(user_folder)
    change = {k: (v.format(victim=user_folder) if isinstance(v, str) else v) for k, v in change.items()}
    tamper(walked, change)
    # a second --out in the words cannot steer it either: rerun never reads them
    tamper(walked, {"command": ["latentwalk", "train", "--out", str(user_folder)]})
    code, _, err = run("rerun", str(walked))
    assert one_error_line(code, err) and match in err, err
    assert snapshot(user_folder) == before


def test_rerun_ignores_the_recorded_words(walked: Path, user_folder: Path) -> None:
    before = snapshot(user_folder)
    tamper(walked, {"command": ["latentwalk", "train", "--data", "digits", "--family", "ae", "--out", str(user_folder)],
                    "invocation.params.out": str(user_folder), "invocation.params.force": True})
    code, out, err = run("rerun", str(walked))
    assert code == 0 and "bit for bit" in out, err
    assert snapshot(user_folder) == before


@pytest.mark.parametrize("content", ["[1, 2]", "not json", ""])
def test_rerun_of_a_broken_manifest_is_one_line(walked: Path, content: str) -> None:
    (walked / "manifest.json").write_text(content)
    code, _, err = run("rerun", str(walked))
    assert one_error_line(code, err)


def test_rerun_when_the_model_is_gone_is_one_line(tiny_checkpoint: Path, tmp_path: Path) -> None:
    import shutil

    ck = tmp_path / "ck"
    shutil.copytree(tiny_checkpoint, ck)
    assert run(*walk(ck, tmp_path / "w"))[0] == 0
    shutil.rmtree(ck)
    code, _, err = run("rerun", str(tmp_path / "w"))
    assert one_error_line(code, err) and "does not exist" in err


def test_rerun_with_relative_inputs_from_another_folder(tiny_checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    for name, v in (("a.png", 0), ("b.png", 255)):
        Image.fromarray(np.full((16, 16), v, np.uint8)).save(work / name)
    monkeypatch.chdir(work)
    code, _, err = run("walk", "--model", str(tiny_checkpoint), "--from", "a.png", "--to", "b.png", "--steps", "3",
                       "--out", "w", "-q")
    assert code == 0, err
    monkeypatch.chdir(tmp_path)
    code, out, err = run("rerun", "work/w")
    assert code == 0 and "bit for bit" in out, err
    code, out, err = run("rerun", "work/w", "--out", str(tmp_path / "again"))
    assert code == 0 and (tmp_path / "again" / "frames.npy").exists()


# -- one line for every error, checked before any heavy work -----------------------------------

BIG = str(2**70)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["walk", "--model", "{ck}", "--from", "digits:0", "--to", "digits:1", "--steps", "nan", "--out", "{tmp}/x"], "'--steps'"),
        (["walk", "--model", "{ck}", "--from", "digits:0", "--to", "digits:1", "--bogus", "--out", "{tmp}/x"], "No such option"),
        (["walk", "--model", "{ck}", "--from", "digits:0", "--to", "digits:1", "--seed", BIG, "--out", "{tmp}/x"], "'--seed'"),
        (["walk", "--model", "nowhere", "--from", "digits:0", "--to", "digits:1", "--fps", "0", "--out", "{tmp}/x"], "'fps'"),
        (["walk", "--model", "{ck}", "--from", "digits:0", "--to", "digits:1", "--out", "{tmp}/" + "x" * 300], "too long"),
        (["walk", "--model", "{ck}", "--from", "digits:²", "--to", "digits:1", "--out", "{tmp}/x"], "digits:²"),
        (["walk", "--model", "{ck}", "--from", "digits:0", "--to", "digits:99999999999999999999999", "--out", "{tmp}/x"], "range"),
        (["walk", "--model", "{ck}", "--from", "/dev/zero", "--to", "digits:1", "--out", "{tmp}/x"], "/dev/zero"),
        (["demo", "--seed", BIG, "--out", "{tmp}/x"], "'--seed'"),
        (["direction", "--model", "{ck}", "--factor", "ink", "--seed", BIG, "--out", "{tmp}/x"], "'--seed'"),
        (["direction", "--model", "{ck}", "--factor", "label", "--out", "{tmp}/x"], "--positive"),
        (["direction", "--model", "{ck}", "--factor", "smile", "--out", "{tmp}/x"], "no factor 'smile'"),
        (["ppl", "--model", "{ck}", "--seed", BIG], "'--seed'"),
        (["ppl", "--model", "{ck}", "--samples", "100000000"], "'--samples'"),
        (["ppl", "--model", "{ck}", "--method", "slurp"], "Did you mean 'slerp'"),
        (["train", "--data", "digits", "--family", "gan", "--out", "{tmp}/x"], "built-in 'gan' models"),
        (["train", "--data", "tones", "--family", "vae", "--out", "{tmp}/x"], "image datasets"),
        (["train", "--data", "digits", "--family", "vae", "--latent-dim", "1000000000", "--out", "{tmp}/x"], "'--latent-dim'"),
        (["train", "--data", "digits", "--family", "vae", "--beta", "nan", "--out", "{tmp}/x"], "beta"),
        (["train", "--data", "digits", "--family", "vae", "--beta", "inf", "--out", "{tmp}/x"], "'--beta'"),
        (["train", "--data", "digits", "--family", "vae", "--beta", "-5", "--out", "{tmp}/x"], "'--beta'"),
        (["grid", "--model", "{ck}", "--corners", "digits:0", "digits:1", "digits:2", "--rows", "100000", "--out", "{tmp}/x"], "'--rows'"),
        (["rerun", "{tmp}"], "no manifest.json"),
        (["walk", "--model", "", "--from", "digits:0", "--to", "digits:1", "--out", "{tmp}/x"], "model name or a path"),
        (["walk", "--model", "{ck}", "--from", "digits:0", "--to", "digits:1", "--via", "", "--out", "{tmp}/x"], "'via'"),
        (["walk", "--model", "{ck}", "--from", "digits:0", "--to", "digits:1", "--device", "banana", "--out", "{tmp}/x"],
         "Unknown device"),
        (["nosuchcommand"], "No such command"),
    ],
)
def test_bad_command_lines_answer_in_one_line_fast(tiny_checkpoint: Path, tmp_path: Path, args: list[str], match: str) -> None:
    args = [a.format(ck=tiny_checkpoint, tmp=tmp_path) for a in args]
    start = time.perf_counter()
    code, _, err = run(*args)
    assert one_error_line(code, err) and match in err, err
    assert time.perf_counter() - start < 60  # not a timing claim: a hang or a training run would be minutes
    assert not (tmp_path / "x").exists()


def test_a_fifo_as_input_is_refused_without_hanging(tiny_checkpoint: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    code, _, err = run(*walk(tiny_checkpoint, tmp_path / "x")[:6], "--to", str(fifo), "--out", str(tmp_path / "x"))
    assert one_error_line(code, err) and "pipe.png" in err


def test_cache_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("not a folder")
    # a built-in that does not ship (shipped ones never touch the cache)
    code, _, err = run("walk", "--model", "lines-gan", "--from", "lines:0", "--to", "lines:1", "--out", str(tmp_path / "x"),
                       env={"LATENTWALK_CACHE": str(tmp_path / "cache")})
    assert one_error_line(code, err) and "LATENTWALK_CACHE" in err


def test_ctrl_c_exits_130_with_one_line_and_nothing_written(tiny_checkpoint: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from latentwalk.pipeline import output

    def interrupt(*a: object, **k: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(output, "write_method", interrupt)
    code, _, err = run(*walk(tiny_checkpoint, tmp_path / "x"))
    assert code == 130 and err.count("\n") == 1 and "interrupted" in err
    assert list(tmp_path.iterdir()) == [tiny_checkpoint]


def test_ctrl_c_during_start_up(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import builtins

    import latentwalk.__main__ as entry

    real_import = builtins.__import__

    def slow_import(name: str, *a: object, **k: object) -> object:
        if name == "latentwalk.cli":
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C while torch was loading
        return real_import(name, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", slow_import)
    with pytest.raises(SystemExit) as exc:
        entry.main()
    assert exc.value.code == 130 and "interrupted" in capsys.readouterr().err
