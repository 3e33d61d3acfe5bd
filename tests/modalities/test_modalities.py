"""Modality objects: the registry, loading the user's files, and a crossfade heard along its route."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
from PIL import Image

from latentwalk.data import get_dataset, resolve_item
from latentwalk.errors import DataError, InvalidParameterError, UnknownNameError
from latentwalk.modalities import AUDIO, IMAGE, MODALITIES, Modality, get_modality
from latentwalk.modalities import audio as A
from latentwalk.modalities.audio.walks import keyframe_spectra, straight_route
from latentwalk.paths import PATHS
from latentwalk.paths.keyframes import route_at, route_positions
from latentwalk.paths.schedules import get_schedule
from latentwalk.pipeline import MethodWalk, run_walk

# --- the registry ------------------------------------------------------------------------------------


def test_every_modality_is_registered_under_its_name() -> None:
    assert MODALITIES.names() == ["audio", "image"]
    for name in MODALITIES.names():
        m = get_modality(name)
        assert isinstance(m, Modality) and m.name == name and m.suffixes


def test_a_bad_name_lists_the_valid_ones_and_the_closest() -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown modality 'imgae'\. Did you mean 'image'\? Valid names: audio, image"):
        get_modality("imgae")


def test_shapes_say_which_modality_they_can_be() -> None:
    assert AUDIO.matches(A.SPEC_SHAPE) and not AUDIO.matches((1, 16, 16))
    assert IMAGE.matches((3, 16, 16)) and not IMAGE.matches(A.SPEC_SHAPE[1:])


# --- loading the user's files ------------------------------------------------------------------------


def test_image_is_resized_and_converted_to_the_model_channels(tmp_path: Path) -> None:
    rgb = np.zeros((10, 20, 3), np.uint8)
    rgb[..., 0] = 255  # pure red
    Image.fromarray(rgb).save(tmp_path / "red.png")
    grey = IMAGE.load(tmp_path / "red.png", (1, 8, 8))
    colour = IMAGE.load(tmp_path / "red.png", (3, 4, 6))
    assert grey.x.shape == (1, 8, 8) and colour.x.shape == (3, 4, 6)
    assert grey.x.dtype == torch.float32 and float(grey.x.mean()) == pytest.approx(76 / 255, abs=1e-6)  # ITU-R 601 luma
    assert torch.equal(colour.x[0], torch.ones(4, 6)) and float(colour.x[1:].abs().max()) == 0.0
    assert grey.factors == {"original_width": 20, "original_height": 10}


def test_grey_image_for_a_colour_model_repeats_its_channel(tmp_path: Path) -> None:
    Image.fromarray(np.full((8, 8), 128, np.uint8)).save(tmp_path / "g.png")
    item = resolve_item(str(tmp_path / "g.png"), (3, 8, 8), "image")
    assert item.x.shape == (3, 8, 8) and torch.allclose(item.x, torch.full((3, 8, 8), 128 / 255))


def test_wav_becomes_a_spectrogram_of_the_model_shape(tmp_path: Path) -> None:
    t = np.arange(int(0.5 * 22050)) / 22050
    sf.write(tmp_path / "a.wav", 0.3 * np.sin(2 * np.pi * 440 * t), 22050)
    item = AUDIO.load(tmp_path / "a.wav", A.SPEC_SHAPE)
    assert item.x.shape == A.SPEC_SHAPE and 0 <= float(item.x.min()) and float(item.x.max()) <= 1
    assert item.factors["original_sample_rate"] == 22050 and item.factors["padded_s"] == pytest.approx(0.5, abs=0.01)
    with pytest.raises(DataError, match="not a sound spectrogram"):
        AUDIO.load(tmp_path / "a.wav", (1, 16, 16))


# --- a crossfade is heard along the walk's route -----------------------------------------------------

TONES = ("tones:f0=180", "tones:f0=330", "tones:f0=500")


@pytest.fixture(scope="module")
def keys() -> torch.Tensor:
    return torch.stack([get_dataset("tones").item(s.split(":")[1]).x for s in TONES])  # (3, 1, F, T)


def crossfade_walk(keys: torch.Tensor, steps: int, schedule: str) -> MethodWalk:
    """A data-space crossfade through the keys whose ts are its positions on the route."""
    seg, local = route_positions(len(keys), steps, False)
    s = seg.to(torch.float64) + get_schedule(schedule, "crossfade_walk")(local)  # keyframe units
    frames = route_at(keys, s, PATHS.get("crossfade").fn)
    return MethodWalk("crossfade", (s / (len(keys) - 1)).to(torch.float32), None, frames, keyframes=len(keys))


@pytest.mark.parametrize("schedule", ["uniform", "ease-in-out"])
def test_crossfade_mixes_its_keyframes_waveforms_with_the_route_weights(keys: torch.Tensor, schedule: str) -> None:
    mw = crossfade_walk(keys, 7, schedule)
    route = mw.segment_weights()
    waves, key_waves = AUDIO.waveforms(mw), A.griffin_lim(keys).numpy()
    for i, k in ((0, 0), (3, 1), (6, 2)):  # frames that sit on a keyframe are its sound
        np.testing.assert_allclose(waves[i], key_waves[k], atol=1e-6)
    for i, (a, b, w) in enumerate(route):
        np.testing.assert_allclose(waves[i], (1 - w) * key_waves[a] + w * key_waves[b], atol=1e-6)
    expected = 0.25 if schedule == "ease-in-out" else 1 / 3  # the schedule's weight, not the frame's place
    assert route[1][2] == pytest.approx(expected, abs=1e-6)


def test_a_keyframe_between_frames_is_solved_from_the_route(keys: torch.Tensor) -> None:
    mw = crossfade_walk(keys, 4, "uniform")  # s = 0, 2/3, 4/3, 2: no frame on the middle tone
    solved = keyframe_spectra(mw.frames, mw.segment_weights())
    torch.testing.assert_close(solved, keys, atol=1e-5, rtol=0)


def test_a_route_that_does_not_make_the_frames_is_refused(keys: torch.Tensor) -> None:
    mw = crossfade_walk(keys, 7, "uniform")
    with pytest.raises(InvalidParameterError, match="does not reproduce the crossfade's frames"):
        keyframe_spectra(mw.frames, straight_route(mw.ts))  # the route of a walk from A to B only
    with pytest.raises(InvalidParameterError, match="need its route"):
        A.walk_waveforms(mw.frames, data_space=True)


def test_a_walk_computes_its_waveforms_once(keys: torch.Tensor) -> None:
    mw = crossfade_walk(keys, 5, "uniform")
    first = AUDIO.waveforms(mw)
    assert AUDIO.waveforms(mw) is first and mw.cache[A.WAVEFORMS_KEY] is first
    assert not first.flags.writeable  # shared by the metrics and the writers


def test_griffin_lim_gives_a_clip_the_same_sound_in_any_batch(keys: torch.Tensor) -> None:
    alone = A.griffin_lim(keys[1:2])
    torch.testing.assert_close(A.griffin_lim(keys)[1:2], alone, atol=1e-6, rtol=0)


def test_run_walk_records_the_route_its_crossfade_took(tiny_vae: torch.nn.Module) -> None:
    items = [resolve_item(f"digits:{i}", (1, 16, 16)) for i in (0, 1, 2)]
    mw = run_walk(tiny_vae, items, ["crossfade"], steps=7, schedule="ease-in-out").walks["crossfade"]
    keyframe_spectra(mw.frames, mw.segment_weights())
