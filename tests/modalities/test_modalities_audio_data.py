"""The synthesized sounds have the factors they claim; WAV files go round and bad ones are refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from latentwalk.data import get_dataset, resolve_item
from latentwalk.errors import DataError, LatentwalkWarning
from latentwalk.modalities import audio as A

TONES = get_dataset("tones")


@pytest.mark.parametrize("f0", [110.0, 220.0, 330.0, 500.0, 880.0])
def test_tone_f0_and_loudness_match_labels(f0: float) -> None:
    wave, factors = TONES.waveform(f"f0={f0}")
    d = A.describe(wave)
    assert d.f0_hz == pytest.approx(f0, rel=0.01)
    assert d.loudness_db == pytest.approx(factors["loudness"], abs=0.3)
    assert d.pitches == 1 and d.voicing > 0.9 and d.flatness < 0.05


def test_training_items_agree_with_their_labels() -> None:
    rows, waves = __import__("latentwalk.data.tones", fromlist=["_training_set"])._training_set()
    for i in range(0, len(rows), 37):
        d, r = A.describe(waves[i]), rows[i]
        assert d.loudness_db == pytest.approx(r["loudness"], abs=0.5)
        if r["kind"] < 2:  # tones and cries: pitched at their f0
            assert d.f0_hz == pytest.approx(r["f0"], rel=0.03)
        else:
            assert d.f0_hz == 0.0 and d.flatness > 0.15


def test_cry_is_pitched_harmonic_and_room_noise_is_flat_and_quiet() -> None:
    cry, _ = TONES.waveform("kind=cry")
    noise, nf = TONES.waveform("kind=noise")
    c, n = A.describe(cry), A.describe(noise)
    assert 300 <= c.f0_hz <= 600 and c.pitches == 1 and c.voicing > 0.9
    assert n.pitches == 0 and n.flatness > 5 * c.flatness
    assert n.loudness_db == pytest.approx(nf["loudness"], abs=0.3) and n.loudness_db < c.loudness_db - 20


def test_two_tones_mixed_are_two_pitches() -> None:
    mix = 0.5 * TONES.waveform("f0=180")[0] + 0.5 * TONES.waveform("f0=500")[0]
    assert A.count_pitches(mix) == 2


def test_items_by_index_and_factor() -> None:
    assert TONES.item("3").x.shape == A.SPEC_SHAPE
    assert TONES.item("kind=cry").factors["kind"] == 1.0
    assert resolve_item("tones:f0=220", A.SPEC_SHAPE, "audio").factors["f0"] == 220.0
    with pytest.raises(DataError, match="kind"):
        TONES.item("kind=bird")
    with pytest.raises(DataError, match="factors of tones"):
        TONES.item("pitch=3")


def test_wav_round_trip(tmp_path: Path) -> None:
    wave, _ = TONES.waveform("f0=330")
    path = A.save_wav(tmp_path / "a.wav", wave)
    clip = A.read_clip(path)
    assert np.max(np.abs(clip.wave - wave)) < 1e-3  # 16-bit quantisation
    assert A.describe(clip.wave).f0_hz == pytest.approx(330, rel=0.01)


def test_file_is_resampled_mixed_down_and_padded(tmp_path: Path) -> None:
    t = np.arange(int(0.6 * 44100)) / 44100
    left = 0.3 * np.sin(2 * np.pi * 440 * t)
    sf.write(tmp_path / "st.flac", np.stack([left, left], axis=1), 44100)
    with pytest.warns(LatentwalkWarning, match="averaged to mono"):
        item = resolve_item(str(tmp_path / "st.flac"), A.SPEC_SHAPE, "audio")
    assert item.factors["mixed_down_from_channels"] == 2 and item.factors["padded_s"] == pytest.approx(0.4, abs=0.01)
    assert A.estimate_f0(A.griffin_lim(item.x[None])[0].numpy())[0] == pytest.approx(440, rel=0.01)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: sf.write(p, np.zeros((0,)), 16000), "no samples|too short"),
        (lambda p: sf.write(p, np.zeros(16000), 16000), "silent"),
        (lambda p: sf.write(p, 0.1 * np.ones(800), 16000), "too short"),
        (lambda p: p.write_bytes(b"RIFF\x00\x00junk that is not a wav"), "not a readable sound file"),
    ],
)
def test_bad_files_give_a_clear_error(tmp_path: Path, make: object, match: str) -> None:
    path = tmp_path / "bad.wav"
    make(path)  # type: ignore[operator]
    with pytest.raises(DataError, match=match):
        A.read_clip(path)
