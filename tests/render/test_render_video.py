from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import imageio.v2 as imageio_v2
import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from latentwalk.errors import InvalidParameterError, MissingExtraError
from latentwalk.render import save_gif, save_mp4

# --- GIF --------------------------------------------------------------------------------------


def _gif_frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as im:
        frames = []
        for i in range(im.n_frames):
            im.seek(i)
            frames.append(np.asarray(im.convert("L")))
        return frames


def test_gif_has_one_frame_per_step_and_loops(tmp_path: Path, square: np.ndarray) -> None:
    save_gif(square, tmp_path / "w.gif", fps=10)
    frames = _gif_frames(tmp_path / "w.gif")
    assert len(frames) == 5 and frames[0].shape == (96, 96)  # 16 px enlarged to 96
    with Image.open(tmp_path / "w.gif") as im:
        assert im.info["loop"] == 0 and im.info["duration"] == 100


def test_gif_pixels_match_the_frames(tmp_path: Path, square: np.ndarray) -> None:
    save_gif(square, tmp_path / "w.gif", scale=2)
    frames = _gif_frames(tmp_path / "w.gif")
    expected = (square[:, 0] * 255).astype(np.uint8).repeat(2, axis=1).repeat(2, axis=2)
    assert all((f == e).all() for f, e in zip(frames, expected, strict=True))


def test_gif_boomerang_goes_forth_and_back_without_repeating_the_ends(
    tmp_path: Path, square: np.ndarray
) -> None:
    save_gif(square, tmp_path / "b.gif", boomerang=True, scale=1)
    frames = _gif_frames(tmp_path / "b.gif")
    assert len(frames) == 2 * 5 - 2
    expected = (square[[0, 1, 2, 3, 4, 3, 2, 1], 0] * 255).astype(np.uint8)
    assert all((f == e).all() for f, e in zip(frames, expected, strict=True))


@pytest.mark.parametrize("fps", [0, -1, 60, "fast"])
def test_gif_refuses_a_bad_fps(fps: object, tmp_path: Path, square: np.ndarray) -> None:
    with pytest.raises(InvalidParameterError, match="'fps' parameter of save_gif"):
        save_gif(square, tmp_path / "w.gif", fps=fps)  # type: ignore[arg-type]


# --- MP4 --------------------------------------------------------------------------------------


def _mp4_frames(path: Path) -> np.ndarray:
    reader = imageio_v2.get_reader(path, format="FFMPEG")
    try:
        return np.stack([frame for frame in reader.iter_data()])  # list() trips on len() == inf
    finally:
        reader.close()


@pytest.mark.parametrize(("size", "scale"), [(16, None), (28, None), (10, 5)])
def test_mp4_opens_with_t_frames_and_sides_in_multiples_of_16(
    size: int, scale: int | None, tmp_path: Path, make_walk: Callable[..., np.ndarray]
) -> None:
    save_mp4(make_walk(6, size), tmp_path / "w.mp4", scale=scale)
    video = _mp4_frames(tmp_path / "w.mp4")
    t_count, h, w, c = video.shape
    assert t_count == 6 and c == 3  # grey comes out as RGB
    assert h % 16 == 0 and w % 16 == 0 and h >= size * (scale or 1)


def test_mp4_shows_the_frames(tmp_path: Path) -> None:
    frames = np.zeros((4, 3, 16, 16), np.float32)
    frames[:, 1, :, 8:] = 1.0  # right half green
    save_mp4(frames, tmp_path / "g.mp4")
    first = _mp4_frames(tmp_path / "g.mp4")[0].astype(int)
    h, w, _ = first.shape
    assert first[h // 2, w // 4].max() < 30  # left half black
    assert first[h // 2, 3 * w // 4, 1] > 200 and first[h // 2, 3 * w // 4, [0, 2]].max() < 60


def test_mp4_meta_is_h264_at_the_asked_fps(tmp_path: Path, square: np.ndarray) -> None:
    save_mp4(square, tmp_path / "w.mp4", fps=12)
    meta = iio.immeta(tmp_path / "w.mp4", plugin="FFMPEG")
    assert meta["codec"] == "h264" and meta["fps"] == 12 and meta["pix_fmt"].startswith("yuv420p")


def test_mp4_without_ffmpeg_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, square: np.ndarray
) -> None:
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)  # import now fails
    with pytest.raises(MissingExtraError, match="imageio-ffmpeg"):
        save_mp4(square, tmp_path / "w.mp4")
    assert not (tmp_path / "w.mp4").exists()
