"""Hostile and odd input files and items: each is refused with one DataError line or read as the
user meant it, with a note for what was changed; never a hang, a raw exception or a black picture."""

from __future__ import annotations

import math
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from latentwalk.data import resolve_item
from latentwalk.errors import DataError, LatentwalkWarning
from latentwalk.modalities import audio as A
from latentwalk.modalities import base, image
from latentwalk.modalities.audio import io as audio_io
from latentwalk.modalities.image import load_image

GREY = (1, 16, 16)


def notes_of(call: object) -> tuple[object, list[str]]:
    """Run call() and return its result and the LatentwalkWarning lines it gave."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        out = call()  # type: ignore[operator]
    return out, [str(w.message) for w in record if issubclass(w.category, LatentwalkWarning)]


# --- images: transparency, depth, size ----------------------------------------------------------


def _strokes(tmp_path: Path, mode: str) -> Path:
    """Black strokes (left half) on a fully transparent black background (right half)."""
    rgba = np.zeros((16, 16, 4), np.uint8)
    rgba[:, :8, 3] = 255
    im = Image.fromarray(rgba)
    if mode == "LA":
        im = im.convert("LA")
    elif mode == "P":
        im = Image.fromarray(np.where(rgba[..., 3] > 0, 1, 0).astype(np.uint8), "P")
        im.putpalette([0, 0, 0, 0, 0, 0])  # index 0 and 1 both black; index 0 is transparent
        im.info["transparency"] = 0
    path = tmp_path / f"strokes-{mode}.png"
    im.save(path, **({"transparency": 0} if mode == "P" else {}))
    return path


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
@pytest.mark.parametrize("shape", [GREY, (3, 16, 16)])
def test_transparent_background_is_composited_over_white(tmp_path: Path, mode: str, shape: tuple[int, ...]) -> None:
    path = _strokes(tmp_path, mode)
    item, said = notes_of(lambda: load_image(path, shape))
    x = item.x  # type: ignore[attr-defined]
    assert float(x[:, :, 8:].min()) == pytest.approx(1.0)  # the transparent background: white
    assert float(x[:, :, :8].max()) == pytest.approx(0.0)  # the strokes stay black
    assert len(said) == 1 and "composited over white" in said[0]


def test_opaque_alpha_changes_nothing_and_says_nothing(tmp_path: Path) -> None:
    rgba = np.full((16, 16, 4), 255, np.uint8)
    rgba[:, :8, :3] = 0
    Image.fromarray(rgba).save(tmp_path / "opaque.png")
    item, said = notes_of(lambda: load_image(tmp_path / "opaque.png", GREY))
    assert said == [] and float(item.x[0, 0, 0]) == 0.0 and float(item.x[0, 0, 15]) == 1.0  # type: ignore[attr-defined]


@pytest.mark.parametrize("shape", [GREY, (3, 8, 8)])
def test_16_bit_grey_is_scaled_by_its_range(tmp_path: Path, shape: tuple[int, ...]) -> None:
    a = np.full((16, 16), 32768, np.uint16)
    a[:, :4] = 65535
    Image.fromarray(a).save(tmp_path / "g16.png")
    assert Image.open(tmp_path / "g16.png").mode == "I;16"
    item, said = notes_of(lambda: load_image(tmp_path / "g16.png", shape))
    x = item.x  # type: ignore[attr-defined]
    assert x.shape == shape and said == []
    assert float(x[:, :, -1].mean()) == pytest.approx(0.5, abs=1e-3) and float(x.max()) == pytest.approx(1.0)


def test_32_bit_integer_image_in_16_bit_range(tmp_path: Path) -> None:
    Image.fromarray(np.full((16, 16), 16384, np.int32)).save(tmp_path / "i32.tif")
    item, said = notes_of(lambda: load_image(tmp_path / "i32.tif", GREY))
    assert float(item.x.mean()) == pytest.approx(0.25, abs=1e-3) and said == []  # type: ignore[attr-defined]


def test_float_image_in_unit_range_is_read_as_is(tmp_path: Path) -> None:
    Image.fromarray(np.full((20, 20), 0.25, np.float32)).save(tmp_path / "f.tif")
    item, said = notes_of(lambda: load_image(tmp_path / "f.tif", GREY))
    x = item.x  # type: ignore[attr-defined]
    assert float(x.min()) == pytest.approx(0.25) and float(x.max()) == pytest.approx(0.25) and said == []


def test_float_image_outside_unit_range_is_min_max_scaled_with_a_note(tmp_path: Path) -> None:
    a = np.full((16, 16), -2.0, np.float32)
    a[:, 8:] = 6.0
    Image.fromarray(a).save(tmp_path / "wide.tif")
    item, said = notes_of(lambda: load_image(tmp_path / "wide.tif", GREY))
    x = item.x  # type: ignore[attr-defined]
    assert float(x[0, 0, 0]) == pytest.approx(0.0) and float(x[0, 0, 15]) == pytest.approx(1.0)
    assert len(said) == 1 and "from -2 to 6" in said[0]


def test_float_image_with_nan_is_refused(tmp_path: Path) -> None:
    a = np.full((16, 16), 0.5, np.float32)
    a[3, 3] = np.nan
    Image.fromarray(a).save(tmp_path / "nan.tif")
    with pytest.raises(DataError, match="NaN or infinite pixel values"):
        load_image(tmp_path / "nan.tif", GREY)


def test_pixel_limit_is_checked_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Image.new("L", (20, 30)).save(tmp_path / "small.png")
    monkeypatch.setattr(image, "MAX_PIXELS", 500)

    def never(*_: object) -> None:
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(image, "_decode", never)
    with pytest.raises(DataError, match=r"20 x 30 = 600 pixels, over the limit of 0.0005 megapixels"):
        load_image(tmp_path / "small.png", GREY)


@pytest.mark.parametrize(
    ("size", "pixels"),
    [
        ((9000, 8000), "72,000,000"),  # over ours, under Pillow's warning (89 M)
        ((10000, 10000), "100,000,000"),  # Pillow's DecompressionBombWarning
        ((14000, 14000), "196,000,000"),  # Pillow's DecompressionBombError
    ],
)
def test_huge_images_are_refused_from_their_header(tmp_path: Path, size: tuple[int, int], pixels: str) -> None:
    path = tmp_path / "huge.png"
    Image.new("1", size).save(path)  # a 1-bit blank PNG: a few kB on disk
    assert path.stat().st_size < 100_000
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Pillow's warning must not escape either
        with pytest.raises(DataError, match=f"{pixels} pixels, over the limit of 64 megapixels"):
            resolve_item(str(path), GREY)


# --- only regular files ---------------------------------------------------------------------------


def _specials(tmp_path: Path, suffix: str) -> dict[str, Path]:
    fifo = tmp_path / f"pipe{suffix}"
    os.mkfifo(fifo)
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    out = {"fifo": fifo, "folder": folder, "zero": Path("/dev/zero"), "null": Path("/dev/null")}
    for name, target in list(out.items()):
        link = tmp_path / f"link-to-{name}{suffix}"
        link.symlink_to(target)
        out[f"link-{name}"] = link
    return out


SPECIALS = ["fifo", "folder", "zero", "null", "link-fifo", "link-folder", "link-zero", "link-null"]


def _expected(name: str) -> str:
    kind = {"fifo": "a named pipe", "folder": "a folder"}.get(name.removeprefix("link-"), "a device")
    return ("links to " if name.startswith("link-") else "is ") + kind


@pytest.mark.parametrize("name", SPECIALS)
def test_special_files_are_refused_as_images(tmp_path: Path, name: str, no_hang: None) -> None:
    path = _specials(tmp_path, ".png")[name]
    for call in (lambda: load_image(path, GREY), lambda: resolve_item(str(path), GREY)):
        with pytest.raises(DataError, match=_expected(name)):
            call()


@pytest.mark.parametrize("name", SPECIALS)
def test_special_files_are_refused_as_sounds(tmp_path: Path, name: str, no_hang: None) -> None:
    path = _specials(tmp_path, ".wav")[name]
    for call in (lambda: A.read_clip(path), lambda: resolve_item(str(path), A.SPEC_SHAPE, "audio")):
        with pytest.raises(DataError, match=_expected(name)):
            call()


def test_file_size_limit(tmp_path: Path) -> None:
    for name, shape, modality in (("big.png", GREY, "image"), ("big.wav", A.SPEC_SHAPE, "audio")):
        path = tmp_path / name
        with path.open("wb") as f:
            f.truncate(base.MAX_FILE_BYTES + 1)  # sparse: nothing is written
        with pytest.raises(DataError, match="over latentwalk.s limit of 256 MiB"):
            resolve_item(str(path), shape, modality)


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("x" * 5000 + ".png", "cannot be opened"),  # a name longer than the system allows
        ("bad\x00name.png", "cannot be opened"),
        ("bad\nname.png", r"'bad\\nname.png' does not exist"),  # the message stays one line
        ("digits:" + "x" * 5000, "is not an item"),
    ],
)
def test_names_the_system_cannot_look_up(spec: str, match: str) -> None:
    with pytest.raises(DataError, match=match) as exc:
        resolve_item(spec, GREY)
    assert len(str(exc.value)) < 400 and "\n" not in str(exc.value)


def test_broken_link(tmp_path: Path) -> None:
    (tmp_path / "gone.png").symlink_to(tmp_path / "nowhere.png")
    with pytest.raises(DataError, match="does not exist"):
        resolve_item(str(tmp_path / "gone.png"), GREY)


# --- sounds ---------------------------------------------------------------------------------------


def _sine(peak: float, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * A.SAMPLE_RATE)) / A.SAMPLE_RATE
    return (peak * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def test_sound_above_full_scale_is_scaled_not_clipped(tmp_path: Path) -> None:
    path = tmp_path / "loud.wav"
    sf.write(path, _sine(8.0), A.SAMPLE_RATE, subtype="FLOAT")
    clip, said = notes_of(lambda: A.read_clip(path))
    wave = clip.wave  # type: ignore[attr-defined]
    assert float(np.abs(wave).max()) == pytest.approx(10 ** (A.PEAK_DB / 20), rel=1e-3)
    assert np.allclose(wave, _sine(8.0) * 10 ** (A.PEAK_DB / 20) / 8.0, atol=1e-4)  # scaled, not clipped
    gain = A.PEAK_DB - 20 * math.log10(8.0)
    assert clip.notes["scaled_db"] == pytest.approx(gain, abs=0.01)  # type: ignore[attr-defined]
    assert len(said) == 1 and f"scaled down by {-gain:.1f} dB" in said[0] and "18.1 dB above full scale" in said[0]


def test_sound_at_full_scale_is_left_alone(tmp_path: Path) -> None:
    sf.write(tmp_path / "ok.wav", _sine(0.5), A.SAMPLE_RATE, subtype="FLOAT")
    clip, said = notes_of(lambda: A.read_clip(tmp_path / "ok.wav"))
    assert said == [] and "scaled_db" not in clip.notes  # type: ignore[attr-defined]


def test_mixdown_is_a_note(tmp_path: Path) -> None:
    sf.write(tmp_path / "st.wav", np.stack([_sine(0.3), _sine(0.3)], axis=1), A.SAMPLE_RATE)
    with pytest.warns(LatentwalkWarning, match="averaged to mono"):
        A.read_clip(tmp_path / "st.wav")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_refused(tmp_path: Path, bad: float) -> None:
    wave = _sine(0.5)
    wave[100] = bad
    sf.write(tmp_path / "bad.wav", wave, A.SAMPLE_RATE, subtype="FLOAT")
    with pytest.raises(DataError, match="NaN or infinite samples"):
        resolve_item(str(tmp_path / "bad.wav"), A.SPEC_SHAPE, "audio")


def test_too_long_sound_is_refused_before_decoding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sf.write(tmp_path / "long.wav", _sine(0.5, 3.0), A.SAMPLE_RATE)
    monkeypatch.setattr(audio_io, "MAX_SECONDS", 2.0)
    with pytest.raises(DataError, match="is 3 s long, over the limit of 2 s"):
        A.read_clip(tmp_path / "long.wav")


# --- items ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "shape", "match"),
    [
        ("digits:", GREY, "names no item"),
        ("digits:  ", GREY, "names no item"),
        ("tones:", A.SPEC_SHAPE, "names no item"),
        ("digits:²", GREY, "is not an item"),  # str.isdigit() says yes, int() says no
        ("digits:١٢", GREY, "is not an item"),  # Arabic-Indic digits
        ("digits:99999999999999999999", GREY, "out of range"),
        ("digits:" + "9" * 5000, GREY, "out of range"),  # int() refuses over 4300 digits
        ("digits:-1", GREY, "out of range"),
        ("lines:angle=nan", (1, 32, 32), "factors must be finite numbers"),
        ("lines:angle=inf", (1, 32, 32), "factors must be finite numbers"),
        ("lines:angle=1e999", (1, 32, 32), "factors must be finite numbers"),
        ("digits:label=-inf", GREY, "factors must be finite numbers"),
        ("tones:f0=inf", A.SPEC_SHAPE, "factors must be finite numbers"),
        ("tones:kind=cry,loudness=nan", A.SPEC_SHAPE, "factors must be finite numbers"),
        ("digits:label=12", GREY, "labels are 0 to 9"),
        ("digits:label=2.5", GREY, "labels are 0 to 9"),
        ("tones:f0=5000", A.SPEC_SHAPE, "must be in 60-1000 Hz"),
        ("tones:timbre=2", A.SPEC_SHAPE, r"timbre in \[0, 1\]"),
        ("tones:loudness=10", A.SPEC_SHAPE, r"loudness must be in \(-80, -3\] dB"),
    ],
)
def test_bad_item_specs(spec: str, shape: tuple[int, ...], match: str) -> None:
    modality = "audio" if spec.startswith("tones") else "image"
    with pytest.raises(DataError, match=match) as exc:
        resolve_item(spec, shape, modality)
    assert len(str(exc.value)) < 400


@pytest.mark.parametrize("angle", [100.0, -1.0, 1e300])
def test_line_angles_wrap(angle: float) -> None:
    item = resolve_item(f"lines:angle={angle}", (1, 32, 32))
    assert 0 <= item.factors["angle"] < 2 * math.pi and math.isfinite(float(item.x.sum()))
