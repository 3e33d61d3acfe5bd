"""Output folders: replace only what latentwalk wrote, all at once, whatever happens."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from latentwalk import files
from latentwalk.errors import LatentwalkWarning, OutputError
from latentwalk.files import check_output, holdings, json_text, staged_output


def write(out: Path, names: dict[str, str], force: bool = False) -> None:
    with staged_output(out, force, {"what": "test"}) as stage:
        for rel, text in names.items():
            (stage.path / rel).parent.mkdir(parents=True, exist_ok=True)
            (stage.path / rel).write_text(text)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_new_folder_gets_files_and_a_manifest(tmp_path: Path) -> None:
    write(tmp_path / "out", {"a.txt": "A", "sub/b.txt": "B"})
    m = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert m["format"] == files.FORMAT and m["what"] == "test"
    assert set(m["files"]) == {"a.txt", "sub/b.txt"}
    assert m["files"]["a.txt"] == files.sha256_bytes(b"A")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no stage left beside it
    assert oct((tmp_path / "out").stat().st_mode & 0o777) != oct(0o700)  # readable, not mkdtemp's private mode


def test_our_own_folder_is_replaced_whole(tmp_path: Path) -> None:
    write(tmp_path / "out", {"old.txt": "old", "sub/x.txt": "x"})
    write(tmp_path / "out", {"new.txt": "new"})
    assert set(snapshot(tmp_path / "out")) == {"new.txt", "manifest.json"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize(
    "user_files",
    [
        {"thesis.tex": "\\documentclass", "data.csv": "1,2"},  # a user's folder
        {"manifest.json": '{"name": "my app"}', "index.html": "<html>", "app.js": "x"},  # a web app's
    ],
)
def test_a_folder_latentwalk_did_not_write_is_refused(tmp_path: Path, user_files: dict[str, str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for rel, text in user_files.items():
        (out / rel).write_text(text)
    before = snapshot(out)
    with pytest.raises(OutputError, match="--force"):
        write(out, {"a.txt": "A"})
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_note_added_to_an_old_walk_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"a.txt": "A"})
    (out / "note.txt").write_text("my thoughts")
    with pytest.raises(OutputError, match="note.txt"):
        write(out, {"a.txt": "A2"})
    write(out, {"a.txt": "A2", "b.txt": "B"}, force=True)
    got = snapshot(out)
    assert got["note.txt"] == b"my thoughts" and got["a.txt"] == b"A2" and got["b.txt"] == b"B"
    assert set(json.loads(got["manifest.json"])["files"]) == {"a.txt", "b.txt"}


def test_a_changed_file_is_not_ours_any_more(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"a.txt": "A", "b.txt": "B"})
    (out / "a.txt").write_text("edited by the user")
    with pytest.raises(OutputError, match="a.txt"):
        write(out, {"c.txt": "C"})
    with pytest.raises(OutputError, match="same name"):  # --force never overwrites it either
        write(out, {"a.txt": "new"}, force=True)
    assert (out / "a.txt").read_text() == "edited by the user"
    write(out, {"c.txt": "C"}, force=True)
    assert set(snapshot(out)) == {"a.txt", "c.txt", "manifest.json"}  # b.txt was ours; a.txt is the user's


def test_force_never_overwrites_a_user_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "strip.png").write_text("the user's picture")
    with pytest.raises(OutputError, match="strip.png"):
        write(out, {"strip.png": "ours"}, force=True)
    assert (out / "strip.png").read_text() == "the user's picture"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_force_does_not_follow_a_link_out_of_the_folder(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "sub").symlink_to(elsewhere)
    with pytest.raises(OutputError):
        write(out, {"sub/a.txt": "A"}, force=True)
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("where", [".", "..", "../..", "~"])
def test_current_folder_parents_and_home_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a" / "b")
    monkeypatch.setenv("HOME", str(tmp_path / "a"))
    with pytest.raises(OutputError, match="current folder|home"):
        check_output(where, force=True)


def test_symlinks_files_and_long_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path)
    with pytest.raises(OutputError, match="not a folder"):
        check_output(tmp_path / "f")
    with pytest.raises(OutputError, match="symbolic link"):
        check_output(tmp_path / "link")
    with pytest.raises(OutputError, match="too long"):
        check_output(tmp_path / ("x" * 300))


def test_a_failure_inside_leaves_the_old_folder_and_no_stage(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"a.txt": "A"})
    before = snapshot(out)
    for exc in (RuntimeError("boom"), KeyboardInterrupt()):
        with pytest.raises(type(exc)), staged_output(out) as stage:
            (stage.path / "half.txt").write_text("half")
            raise exc
        assert snapshot(out) == before
        assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_ctrl_c_during_the_swap_is_held_until_the_new_folder_is_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    write(out, {"a.txt": "A"})
    real_replace = os.replace

    def interrupted_replace(src: str, dst: str) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # arrives between the two renames
        real_replace(src, dst)

    monkeypatch.setattr(files.output.os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        write(out, {"b.txt": "B"})
    assert set(snapshot(out)) == {"b.txt", "manifest.json"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_empty_folders_of_the_user_are_foreign(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write(out, {"a.txt": "A"})
    (out / "keep-me").mkdir()
    assert holdings(out).foreign == ["keep-me/"]


def test_json_is_strict_and_counts_what_became_null() -> None:
    text, bad = json_text({"a": float("nan"), "b": [1.0, float("inf")], "c": (1, 2), "d": Path("x")})
    assert bad == 2 and "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [1.0, None], "c": [1, 2], "d": "x"}


def test_write_json_notes_the_nulls(tmp_path: Path) -> None:
    with pytest.warns(LatentwalkWarning, match="NaN or inf"):
        files.write_json(tmp_path / "m.json", {"x": float("nan")})
    assert json.loads((tmp_path / "m.json").read_text()) == {"x": None}
