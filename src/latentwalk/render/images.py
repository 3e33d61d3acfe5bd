"""Still pictures of a walk: a strip, a grid of methods side by side, a 2-D grid of codes.

Frames are arrays (T, C, H, W) of floats in [0, 1], C = 1 (grey) or 3 (RGB). The images that
latentwalk walks through are small (8×8 digits, 32×32 lines), so every frame is enlarged by an
integer factor with nearest neighbour — never smoothed, a pixel stays a pixel — until each side
is at least MIN_FRAME_PX. Pictures are RGB PNGs on a light background with dark text.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from latentwalk.errors import InvalidParameterError
from latentwalk.render._common import (
    BACKGROUND,
    PathLike,
    check_frames,
    check_labels,
    enlarge,
    resolve_scale,
    to_uint8,
    write_atomically,
)

__all__ = ["BACKGROUND", "save_grid", "save_image_grid", "save_strip", "to_uint8"]

Colour = tuple[int, int, int]

TEXT = (33, 33, 33)
MUTED = (105, 105, 105)
MIN_FRAME_PX = 96  # a 16x16 digit shows at 96 px, a 64x64 face at 128 px (64 px faces were too small to read)
GAP = 4  # between frames of a row
MARGIN = 12  # around the whole picture
ROW_GAP = 14  # between rows of a method grid
CELL_GAP = 10  # between cells of a 2-D grid: room for a mark's border
LABEL_SIZE = 11
ROW_LABEL_SIZE = 14
NOTE_SIZE = 11
MARK_SIZE = 12
MIN_FONT_SIZE = 7
# Distinct, colour-blind-friendly marks (Okabe & Ito 2008) for the corners of a 2-D grid.
MARK_COLOURS = [(213, 94, 0), (0, 114, 178), (0, 158, 115), (204, 121, 167), (230, 159, 0), (86, 180, 233)]


# --- text -------------------------------------------------------------------------------------


# Pillow's built-in font (Aileron) has no en dash, minus, ×, θ, Δ or ‖, which labels and notes
# use ("θ=30°", "‖z‖"). matplotlib, a dependency anyway, ships DejaVu Sans, which has them all.
_ASCII = str.maketrans({"–": "-", "—": "-", "−": "-", "×": "x", "‖": "|", "θ": "theta", "Δ": "d"})


@lru_cache(maxsize=1)
def _dejavu_path() -> Path | None:
    spec = importlib.util.find_spec("matplotlib")  # find the file without importing matplotlib
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = _dejavu_path()
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size=size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


def _drawable(text: str) -> str:
    """The text, with characters the fallback font cannot draw replaced by plain ones."""
    return text if _dejavu_path() is not None else text.translate(_ASCII)


def _text_width(text: str, size: int) -> int:
    return int(np.ceil(_font(size).getlength(_drawable(text))))


def _line_height(size: int) -> int:
    font = _font(size)
    if isinstance(font, ImageFont.FreeTypeFont):
        ascent, descent = font.getmetrics()
        return ascent + descent
    return size + 2  # the bitmap fallback font has no metrics


def _put(
    draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, fill: Colour, anchor: str
) -> None:
    draw.text(xy, _drawable(text), fill=fill, font=_font(size), anchor=anchor)


def _fit(text: str, size: int, max_width: int) -> tuple[str, int]:
    """Shrink the font, then cut the text with an ellipsis, until it fits max_width."""
    while size > MIN_FONT_SIZE and _text_width(text, size) > max_width:
        size -= 1
    while len(text) > 1 and _text_width(text, size) > max_width:
        text = text[:-2] + "…"
    return text, size


def _draw_centred(draw: ImageDraw.ImageDraw, text: str, cx: int, top: int, width: int, size: int) -> None:
    text, size = _fit(text, size, width)
    _put(draw, (cx, top), text, size, TEXT, "ma")


# --- frames to tiles and files ----------------------------------------------------------------


def _tiles(frames: np.ndarray, scale: int) -> np.ndarray:
    """(T, C, H, W) floats -> (T, H*scale, W*scale, 3) uint8."""
    return enlarge(to_uint8(frames), scale)


def _canvas(width: int, height: int) -> Image.Image:
    return Image.new("RGB", (width, height), BACKGROUND)


def _paste_row(canvas: Image.Image, tiles: np.ndarray, x0: int, y0: int, gap: int) -> None:
    step = tiles.shape[2] + gap
    for i, tile in enumerate(tiles):
        canvas.paste(Image.fromarray(tile), (x0 + i * step, y0))


def _save_png(canvas: Image.Image, path: PathLike) -> None:
    write_atomically(path, lambda tmp: canvas.save(tmp, format="PNG", optimize=True))


def _row_width(count: int, tile_width: int, gap: int) -> int:
    return count * tile_width + (count - 1) * gap


# --- a strip ----------------------------------------------------------------------------------


def save_strip(
    frames: np.ndarray, path: PathLike, labels: list[str] | None = None, scale: int | None = None
) -> None:
    """One row of frames with thin gaps and, optionally, a small label under each ("t=0.25")."""
    x = check_frames(frames, "save_strip")
    labels = check_labels(labels, len(x), "labels", "save_strip")
    tiles = _tiles(x, resolve_scale(x.shape[2], x.shape[3], scale, "save_strip", MIN_FRAME_PX))
    _, h, w, _ = tiles.shape
    label_h = _line_height(LABEL_SIZE) + 4 if labels else 0
    canvas = _canvas(2 * MARGIN + _row_width(len(tiles), w, GAP), 2 * MARGIN + h + label_h)
    _paste_row(canvas, tiles, MARGIN, MARGIN, GAP)
    draw = ImageDraw.Draw(canvas)
    for i, label in enumerate(labels or []):
        _draw_centred(draw, label, MARGIN + i * (w + GAP) + w // 2, MARGIN + h + 4, w + GAP, LABEL_SIZE)
    _save_png(canvas, path)


# --- a grid of methods ------------------------------------------------------------------------


def _check_rows(rows: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
    if not isinstance(rows, list | tuple) or not rows:
        raise InvalidParameterError(
            "The 'rows' parameter of save_grid must be a non-empty list of (label, frames) pairs. "
            f"Got {rows!r} instead."
        )
    checked = [
        (str(label), check_frames(frames, "save_grid", f"rows[{i}]"))
        for i, (label, frames) in enumerate(rows)
    ]
    sizes = {frames.shape[2:] for _, frames in checked}
    if len(sizes) > 1:
        raise InvalidParameterError(
            f"All rows of save_grid must have frames of the same height and width, but they have "
            f"{sorted(sizes)}. Resize the frames first or save one grid per size."
        )
    return checked


def save_grid(
    rows: list[tuple[str, np.ndarray]],
    path: PathLike,
    notes: list[str] | None = None,
    scale: int | None = None,
    labels: list[str] | None = None,
) -> None:
    """One row per method, its name on the left and an optional one-line note under it.

    rows: [(label, frames (T, C, H, W))]; rows may differ in T (shorter rows end early).
    notes: one line per row (None or "" for none), e.g. "evenness 0.93 · max/mean step 1.4".
    labels: optional column headers over the frames, one per column of the longest row.
    """
    checked = _check_rows(rows)
    notes = check_labels(notes, len(checked), "notes", "save_grid")
    longest = max(len(frames) for _, frames in checked)
    labels = check_labels(labels, longest, "labels", "save_grid")
    h0, w0 = checked[0][1].shape[2:]
    s = resolve_scale(h0, w0, scale, "save_grid", MIN_FRAME_PX)
    h, w = h0 * s, w0 * s
    label_w = max(_text_width(label, ROW_LABEL_SIZE) for label, _ in checked) + 14
    head_h = _line_height(LABEL_SIZE) + 4 if labels else 0
    note_h = _line_height(NOTE_SIZE) + 5 if notes and any(notes) else 0
    row_h = h + note_h + ROW_GAP
    x0 = MARGIN + label_w
    note_w = max((_text_width(n, NOTE_SIZE) for n in notes or [""]), default=0)
    width = x0 + max(_row_width(longest, w, GAP), note_w) + MARGIN
    canvas = _canvas(width, 2 * MARGIN + head_h + len(checked) * row_h - ROW_GAP)
    draw = ImageDraw.Draw(canvas)
    for i, label in enumerate(labels or []):
        _draw_centred(draw, label, x0 + i * (w + GAP) + w // 2, MARGIN, w + GAP, LABEL_SIZE)
    for r, (label, frames) in enumerate(checked):
        y = MARGIN + head_h + r * row_h
        _paste_row(canvas, _tiles(frames, s), x0, y, GAP)
        _put(draw, (MARGIN, y + h // 2), label, ROW_LABEL_SIZE, TEXT, "lm")
        if notes and notes[r]:
            _put(draw, (x0, y + h + 5), notes[r], NOTE_SIZE, MUTED, "la")
    _save_png(canvas, path)


# --- a 2-D grid of decoded codes --------------------------------------------------------------


def _check_marks(
    marks: dict[tuple[int, int], str] | None, rows: int, cols: int
) -> dict[tuple[int, int], str]:
    checked: dict[tuple[int, int], str] = {}
    for key, letter in (marks or {}).items():
        ok = isinstance(key, tuple) and len(key) == 2 and all(isinstance(k, int | np.integer) for k in key)
        if not ok or not (0 <= key[0] < rows and 0 <= key[1] < cols):
            raise InvalidParameterError(
                f"The 'marks' parameter of save_image_grid must map (row, column) cells of the "
                f"{rows}×{cols} grid to letters. Got the key {key!r} instead."
            )
        checked[(int(key[0]), int(key[1]))] = str(letter)
    return checked


def _mark_colours(marks: dict[tuple[int, int], str]) -> dict[str, Colour]:
    letters = sorted(set(marks.values()))
    return {letter: MARK_COLOURS[i % len(MARK_COLOURS)] for i, letter in enumerate(letters)}


def _draw_mark(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], letter: str, colour: Colour
) -> None:
    """A border in the gap around the cell (the image stays whole) and a letter badge in its corner."""
    left, top, right, bottom = box
    draw.rectangle((left - 3, top - 3, right + 3, bottom + 3), outline=colour, width=3)
    if not letter:
        return
    size = MARK_SIZE
    badge_w = max(_text_width(letter, size) + 8, _line_height(size) + 2)
    badge_h = _line_height(size) + 2
    draw.rectangle((left, top, left + badge_w - 1, top + badge_h - 1), fill=colour)
    _put(draw, (left + badge_w // 2, top + badge_h // 2), letter, size, (255, 255, 255), "mm")


def save_image_grid(
    grid: np.ndarray,
    path: PathLike,
    marks: dict[tuple[int, int], str] | None = None,
    scale: int | None = None,
) -> None:
    """A 2-D grid (R, K, C, H, W) of frames; marked cells get a coloured border and a letter.

    marks: {(row, column): letter}, e.g. the corner inputs {(0, 0): "A", (0, K-1): "B", ...}.
    """
    g = np.asarray(grid)
    if g.ndim != 5:
        raise InvalidParameterError(
            "The 'grid' parameter of save_image_grid must be an array of shape (R, K, C, H, W). "
            f"Got shape {tuple(g.shape)} instead."
        )
    rows, cols = g.shape[:2]
    x = check_frames(g.reshape(rows * cols, *g.shape[2:]), "save_image_grid", "grid")
    checked = _check_marks(marks, rows, cols)
    tiles = _tiles(x, resolve_scale(x.shape[2], x.shape[3], scale, "save_image_grid", MIN_FRAME_PX))
    _, h, w, _ = tiles.shape
    canvas = _canvas(2 * MARGIN + _row_width(cols, w, CELL_GAP), 2 * MARGIN + _row_width(rows, h, CELL_GAP))
    for r in range(rows):
        _paste_row(canvas, tiles[r * cols : (r + 1) * cols], MARGIN, MARGIN + r * (h + CELL_GAP), CELL_GAP)
    draw = ImageDraw.Draw(canvas)
    colours = _mark_colours(checked)
    for (r, c), letter in checked.items():
        left, top = MARGIN + c * (w + CELL_GAP), MARGIN + r * (h + CELL_GAP)
        _draw_mark(draw, (left, top, left + w - 1, top + h - 1), letter, colours[letter])
    _save_png(canvas, path)
