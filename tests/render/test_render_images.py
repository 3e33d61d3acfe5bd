from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latentwalk.errors import InvalidParameterError, OutputError
from latentwalk.render import save_grid, save_image_grid, save_strip, to_uint8
from latentwalk.render.images import BACKGROUND, CELL_GAP, GAP, MARGIN, MARK_COLOURS


def _png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def _flat(values: list[float], size: int = 8, channels: int = 1) -> np.ndarray:
    """Frames that are each one flat value: (T, C, size, size)."""
    return np.stack([np.full((channels, size, size), v, np.float32) for v in values])


# --- to_uint8 ---------------------------------------------------------------------------------


def test_to_uint8_moves_channels_last_clips_and_zeroes_nan() -> None:
    frames = np.array([np.nan, -0.5, 0.5, 2.0], np.float32).reshape(1, 1, 2, 2)
    out = to_uint8(frames)
    assert out.shape == (1, 2, 2, 1) and out.dtype == np.uint8
    assert out.ravel().tolist() == [0, 0, 128, 255]


def test_to_uint8_reads_integer_frames_as_bytes() -> None:
    assert to_uint8(np.full((1, 3, 2, 2), 255, np.uint8)).min() == 255


@pytest.mark.parametrize("shape", [(4, 16, 16), (2, 2, 8, 8), (0, 1, 8, 8)])
def test_frames_of_the_wrong_shape_are_refused(shape: tuple[int, ...], tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match=r"\(T, C, H, W\)"):
        save_strip(np.zeros(shape, np.float32), tmp_path / "s.png")


# --- strip ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("t_count", "size", "scale", "tile"), [(5, 16, None, 96), (9, 8, None, 96), (3, 32, 3, 96), (2, 64, None, 128)]
)
def test_strip_size_follows_t_and_scale(
    t_count: int,
    size: int,
    scale: int | None,
    tile: int,
    tmp_path: Path,
    make_walk: Callable[..., np.ndarray],
) -> None:
    save_strip(make_walk(t_count, size), tmp_path / "s.png", scale=scale)
    w, h = Image.open(tmp_path / "s.png").size
    assert (w, h) == (2 * MARGIN + t_count * tile + (t_count - 1) * GAP, 2 * MARGIN + tile)


def test_strip_pixels_match_frames_and_gaps_are_background(tmp_path: Path) -> None:
    save_strip(_flat([1.0, 0.0, 0.5]), tmp_path / "s.png", scale=8)
    img = _png(tmp_path / "s.png")
    centre = MARGIN + 32
    for i, value in enumerate([255, 0, 128]):
        tile = img[MARGIN : MARGIN + 64, MARGIN + i * (64 + GAP) : MARGIN + i * (64 + GAP) + 64]
        assert (tile == value).all(), f"frame {i} is not a flat {value}"
    assert tuple(img[centre, MARGIN + 64 + GAP // 2]) == BACKGROUND  # the gap
    assert tuple(img[0, 0]) == BACKGROUND  # the margin


def test_strip_keeps_rgb_colours(tmp_path: Path) -> None:
    red = np.zeros((1, 3, 8, 8), np.float32)
    red[:, 0] = 1.0
    save_strip(red, tmp_path / "s.png")
    assert tuple(_png(tmp_path / "s.png")[MARGIN + 5, MARGIN + 5]) == (255, 0, 0)


def test_strip_labels_add_a_text_line_under_the_frames(tmp_path: Path, square: np.ndarray) -> None:
    save_strip(square, tmp_path / "plain.png")
    save_strip(square, tmp_path / "labelled.png", labels=[f"t={t:.2f}" for t in np.linspace(0, 1, 5)])
    plain, labelled = _png(tmp_path / "plain.png"), _png(tmp_path / "labelled.png")
    assert labelled.shape[1] == plain.shape[1] and labelled.shape[0] > plain.shape[0]
    text_band = labelled[MARGIN + 64 : -MARGIN // 2]
    assert (text_band.sum(axis=-1) < 300).any(), "no dark text under the frames"


def test_strip_refuses_labels_of_the_wrong_length(tmp_path: Path, square: np.ndarray) -> None:
    with pytest.raises(InvalidParameterError, match="list of 5 strings"):
        save_strip(square, tmp_path / "s.png", labels=["a", "b"])


@pytest.mark.parametrize("scale", [0, 2.5, True, 1000])
def test_bad_scale_is_refused(scale: object, tmp_path: Path, square: np.ndarray) -> None:
    with pytest.raises(InvalidParameterError, match="'scale' parameter of save_strip"):
        save_strip(square, tmp_path / "s.png", scale=scale)  # type: ignore[arg-type]


def test_parent_folders_are_made_and_an_unwritable_path_is_an_output_error(
    tmp_path: Path, square: np.ndarray
) -> None:
    save_strip(square, tmp_path / "a" / "b" / "s.png")
    assert (tmp_path / "a" / "b" / "s.png").is_file()
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(OutputError, match="Cannot write"):
        save_strip(square, tmp_path / "file" / "s.png")
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["s.png"]  # no temp file left


# --- grid of methods --------------------------------------------------------------------------


def test_grid_height_follows_rows_and_width_the_longest_row(
    tmp_path: Path, square: np.ndarray, make_walk: Callable[..., np.ndarray]
) -> None:
    save_grid([("lerp", square)], tmp_path / "one.png")
    save_grid([("lerp", square), ("slerp", square), ("crossfade", square)], tmp_path / "three.png")
    save_grid([("lerp", square), ("slerp", make_walk(9))], tmp_path / "ragged.png")
    (w1, h1), (w3, h3) = Image.open(tmp_path / "one.png").size, Image.open(tmp_path / "three.png").size
    wr, _ = Image.open(tmp_path / "ragged.png").size
    assert h3 > h1 and (h3 - h1) % 2 == 0  # two more rows of equal height
    assert w3 > w1  # the wider label "crossfade"
    assert wr - w1 >= 4 * (64 + GAP) - 1


def test_grid_draws_row_labels_frames_and_notes(tmp_path: Path) -> None:
    rows = [("crossfade", _flat([1.0, 0.0])), ("lerp", _flat([0.0, 1.0]))]
    save_grid(rows, tmp_path / "g.png")
    save_grid(rows, tmp_path / "n.png", notes=["evenness 0.41 · θ", None])  # type: ignore[list-item]
    g, n = _png(tmp_path / "g.png"), _png(tmp_path / "n.png")
    assert n.shape[0] > g.shape[0]
    label_column = g[:, MARGIN : MARGIN + 30]
    assert (label_column.sum(axis=-1) < 300).any(), "no row label drawn"
    row0 = g[MARGIN + 10]
    assert (row0 == 255).all(axis=-1).sum() >= 60 and (row0 == 0).all(axis=-1).sum() >= 60


def test_grid_refuses_rows_of_different_frame_sizes(
    tmp_path: Path, make_walk: Callable[..., np.ndarray]
) -> None:
    with pytest.raises(InvalidParameterError, match="same height and width"):
        save_grid([("a", make_walk(3, 16)), ("b", make_walk(3, 8))], tmp_path / "g.png")


def test_grid_refuses_notes_of_the_wrong_length(tmp_path: Path, square: np.ndarray) -> None:
    with pytest.raises(InvalidParameterError, match="one per row"):
        save_grid([("a", square), ("b", square)], tmp_path / "g.png", notes=["only one"])


def test_grid_refuses_no_rows(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="non-empty list"):
        save_grid([], tmp_path / "g.png")


# --- 2-D grid ---------------------------------------------------------------------------------


def test_image_grid_size_and_marks(tmp_path: Path) -> None:
    grid = np.ones((3, 4, 1, 8, 8), np.float32)  # all white cells, 96 px each
    save_image_grid(grid, tmp_path / "g.png", marks={(0, 0): "A", (2, 3): "D"})
    img = _png(tmp_path / "g.png")
    assert img.shape[:2] == (2 * MARGIN + 3 * 96 + 2 * CELL_GAP, 2 * MARGIN + 4 * 96 + 3 * CELL_GAP)
    colours = {tuple(img[MARGIN - 2, MARGIN + 40]), tuple(img[-MARGIN + 1, -MARGIN - 40])}
    assert colours == {MARK_COLOURS[0], MARK_COLOURS[1]}  # top border of A, bottom border of D
    unmarked_gap = img[MARGIN - 2, MARGIN + 96 + CELL_GAP + 30]
    assert tuple(unmarked_gap) == BACKGROUND
    assert (img[MARGIN + 40, MARGIN + 40] == 255).all()  # the marked cell's image is not covered


def test_image_grid_refuses_marks_outside_the_grid(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="3×4 grid"):
        save_image_grid(np.zeros((3, 4, 1, 8, 8)), tmp_path / "g.png", marks={(3, 0): "A"})


def test_image_grid_refuses_a_flat_array(tmp_path: Path, square: np.ndarray) -> None:
    with pytest.raises(InvalidParameterError, match=r"\(R, K, C, H, W\)"):
        save_image_grid(square, tmp_path / "g.png")


def test_text_falls_back_to_pillows_own_font(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, square: np.ndarray
) -> None:
    from latentwalk.render import images

    monkeypatch.setattr(images, "_dejavu_path", lambda: None)
    images._font.cache_clear()
    try:
        save_grid(
            [("θ-walk", square)], tmp_path / "g.png", notes=["‖z‖ − 1 × 2 – fine"], labels=list("abcde")
        )
    finally:
        images._font.cache_clear()
    img = _png(tmp_path / "g.png")
    assert (img[:, MARGIN : MARGIN + 20].sum(axis=-1) < 300).any()
