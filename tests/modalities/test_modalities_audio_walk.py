"""Walks between sounds: the latent walk glides, the crossfade makes a chord; the CLI writes the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from latentwalk.cli import app
from latentwalk.data import resolve_item
from latentwalk.models import load_model
from latentwalk.pipeline import run_walk


@pytest.fixture(scope="module")
def vae():
    return load_model("tones-vae", progress=False)[0]


def _walk(model, a: str, b: str, methods: list[str]):
    items = [resolve_item(s, tuple(model.data_shape), "audio") for s in (a, b)]
    return run_walk(model, items, methods, steps=9)


def test_crossfade_midpoint_is_a_chord(vae) -> None:
    p = _walk(vae, "tones:f0=180", "tones:f0=500", ["crossfade"]).walks["crossfade"].metrics["audio"].profile
    assert p["pitches"][4] == 2
    assert p["pitches"][0] == 1 and p["pitches"][-1] == 1


def test_latent_walk_glides_with_one_pitch(vae) -> None:
    p = _walk(vae, "tones:f0=180", "tones:f0=500", ["slerp"]).walks["slerp"].metrics["audio"].profile
    inner = range(1, len(p["pitches"]) - 1)
    assert all(p["pitches"][i] <= 1 for i in inner), p["pitches"]
    voiced = [p["f0_hz"][i] for i in inner if p["f0_hz"][i] > 0]
    assert len(voiced) >= len(inner) - 1, p["f0_hz"]
    assert all(170 <= f <= 520 for f in voiced), p["f0_hz"]


def test_cry_to_noise_gets_quieter_and_noisier(vae) -> None:
    s = _walk(vae, "tones:kind=cry", "tones:kind=noise", ["slerp"]).walks["slerp"].metrics["audio"].summary
    assert s["loudness_end_db"] < s["loudness_start_db"] - 10
    assert s["loudness_monotone"] >= 0.8
    assert s["flatness_end"] > 3 * s["flatness_start"]


def test_non_audio_walks_have_no_audio_metrics(tiny_vae) -> None:
    item = resolve_item("digits:0", (1, 16, 16))
    res = run_walk(tiny_vae, [item, resolve_item("digits:1", (1, 16, 16))], ["lerp"], steps=3)
    assert "audio" not in res.walks["lerp"].metrics


def test_cli_writes_the_promised_files(tmp_path: Path) -> None:
    out = tmp_path / "walk"
    r = CliRunner().invoke(app, ["walk", "--model", "tones-vae", "--from", "tones:f0=220", "--to", "tones:kind=cry",
                                 "--method", "slerp", "--steps", "12", "--out", str(out), "-q"])
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {f"step_{i:02d}.wav" for i in range(12)} <= names
    assert {"morph.wav", "strip.png", "frames.npy", "codes.npy", "metrics.json", "manifest.json"} <= names
    assert "audio" in json.loads((out / "metrics.json").read_text())


def test_cli_corrupt_wav_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not a wav at all")
    r = CliRunner().invoke(app, ["walk", "--model", "tones-vae", "--from", str(bad), "--to", "tones:f0=220",
                                 "--out", str(tmp_path / "o"), "-q"])
    assert r.exit_code == 2
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "not a readable sound file" in lines[0]
