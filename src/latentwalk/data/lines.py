"""The "lines" benchmark of Berthelot et al. 2019 (ACAI, ICLR 2019), drawn by its published recipe.

32x32 grey images of one line from the centre towards the edge at angle theta in [0, 2 pi)
(counter-clockwise from "east", y pointing up), 15 pixels long. The angle is the known
ground-truth factor: a good interpolation between two lines is a line that turns along the
shorter arc at an even speed, never two half-bright lines (the "double exposure").

The drawing follows the benchmark's `draw_line` (github.com/brain-research/acai, lib/data.py),
written here in our own words and vectorised over angles:

- the line runs from (16, 16) to (16 + 15 cos theta, 16 - 15 sin theta) in (column, row) pixels;
- its *major* axis is the one along which it moves farther (rows when the two tie);
- every pixel index k along the major axis from floor(start) to ceil(end) - 1 holds a band
  2 pixels wide across the minor axis, [m, m + 2] with m = m0 - 1 + (k - M0 - 1/2) * slope,
  where m0 is the start's minor coordinate and slope = d(minor) / d(major);
- a pixel's ink is the length of its overlap with the band, times the index's weight: 1, except
  ceil(M0) - M0 for a first index that the line enters part-way;
- the benchmark's image is 2 * ink - 1 clipped to [-1, 1] (background -1, full ink +1); this
  dataset stores ink itself (clipped to [0, 1]: the same image on latentwalk's [0, 1] scale), and
  the metric maps frames back to [-1, 1] before it measures (see `LinesGroundTruth`).
"""

from __future__ import annotations

import functools
import math

import torch

from latentwalk.data.base import DATASETS, Item, Split, parse_factor_spec, parse_index

SIZE = 32
N_TRAIN = 2048
N_BANK = 10_000  # the benchmark's bank: angles k * 2 pi / 10,000 (its `closest_line`)
BAND = 2.0  # the benchmark's line width w


def render_lines(angles: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    """(N,) angles in radians -> (N, 1, size, size) images in [0, 1] (the benchmark's ink)."""
    a = angles.to(torch.float64).reshape(-1)
    n, half = a.shape[0], size * 0.5
    c0 = torch.full_like(a, half)
    r0 = torch.full_like(a, half)
    c1 = half + (half - 1) * torch.cos(-a)  # the benchmark computes both with -theta
    r1 = half + (half - 1) * torch.sin(-a)
    cols_major = (r1 - r0).abs() < (c1 - c0).abs()  # else the rows are the major axis
    maj0, maj1 = torch.where(cols_major, c0, r0), torch.where(cols_major, c1, r1)
    min0, min1 = torch.where(cols_major, r0, c0), torch.where(cols_major, r1, c1)
    back = maj1 < maj0  # walk the major axis upwards
    maj0, maj1 = torch.where(back, maj1, maj0), torch.where(back, maj0, maj1)
    min0, min1 = torch.where(back, min1, min0), torch.where(back, min0, min1)
    min0, min1 = min0 - BAND / 2, min1 - BAND / 2
    d_major = maj1 - maj0
    slope = torch.where(d_major != 0, (min1 - min0) / torch.where(d_major != 0, d_major, 1), 0)

    k = torch.arange(size, dtype=torch.float64)[None, :]  # (1, S): indices along the major axis
    first, last = maj0.floor()[:, None], maj1.ceil()[:, None]  # indices first .. last - 1
    inside = (k >= first) & (k < last)
    entry = maj0.ceil()[:, None]
    weight = torch.where(k < entry, entry - maj0[:, None], 1.0) * inside  # (N, S)
    start = min0[:, None] + (k - maj0[:, None] - 0.5) * slope[:, None]  # band [start, start + BAND]
    j = torch.arange(size, dtype=torch.float64)[None, None, :]  # (1, 1, S): minor-axis pixels
    overlap = (torch.minimum(j + 1, start[..., None] + BAND) - torch.maximum(j, start[..., None])).clamp(0, 1)
    ink = (weight[..., None] * overlap).clamp(0, 1)  # (N, major, minor)
    img = torch.where(cols_major[:, None, None], ink.transpose(1, 2), ink)  # -> (N, row, column)
    return img.to(torch.float32).reshape(n, 1, size, size)


def to_benchmark_scale(x: torch.Tensor) -> torch.Tensor:
    """latentwalk's [0, 1] frames -> the benchmark's [-1, 1] images (2 x - 1)."""
    return 2 * x - 1


class LinesGroundTruth:
    """Recovers a frame's angle as that of the nearest clean line, and the distance to it.

    As in ACAI's evaluation (Berthelot et al. 2019, `closest_line`): cosine distance
    1 - <f, l> / (|f| |l|) between the frame and each of 10,000 clean lines, both on the
    benchmark's [-1, 1] scale, so that the numbers are the paper's. A frame of uniform grey
    0.5 (all zeros on that scale) is at distance 1 from every line.
    """

    name = "lines"

    def __init__(self, size: int = SIZE, n_bank: int = N_BANK) -> None:
        self.angles = torch.arange(n_bank, dtype=torch.float64) * (2 * math.pi / n_bank)
        bank = to_benchmark_scale(render_lines(self.angles, size)).flatten(1)  # (K, D)
        self.bank = bank / bank.norm(dim=1, keepdim=True)

    def nearest(self, frames: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        f = to_benchmark_scale(frames.reshape(frames.shape[0], -1).to(torch.float32))  # (T, D)
        unit = f / f.norm(dim=1, keepdim=True).clamp_min(1e-12)
        cos = unit @ self.bank.T  # (T, K)
        best, idx = cos.max(dim=1)
        return {"angle": self.angles[idx]}, (1 - best).clamp_min(0).to(torch.float64)


@functools.lru_cache(maxsize=1)
def _training_set() -> tuple[torch.Tensor, torch.Tensor]:
    """Evenly spread angles with a fixed jitter, so that every direction is seen in training."""
    g = torch.Generator().manual_seed(0)
    base = torch.arange(N_TRAIN, dtype=torch.float64) * (2 * math.pi / N_TRAIN)
    angles = (base + torch.rand(N_TRAIN, generator=g, dtype=torch.float64) * (2 * math.pi / N_TRAIN)) % (2 * math.pi)
    return render_lines(angles), angles.to(torch.float32)


@DATASETS.register("lines")
class Lines:
    name = "lines"
    modality = "image"
    item_shape = (1, SIZE, SIZE)
    factor_names = ("angle",)

    def load(self) -> Split:
        x, angles = _training_set()
        return Split(x.clone(), {"angle": angles.clone()})

    def item(self, spec: str) -> Item:
        i = parse_index(spec, self.name, N_TRAIN)
        if i is not None:
            angle = i * 2 * math.pi / N_TRAIN
        else:
            angle = parse_factor_spec(spec, self.name, self.factor_names)["angle"] % (2 * math.pi)
        x = render_lines(torch.tensor([angle]))[0]
        return Item(x, f"lines:angle={angle:.4f}", {"angle": angle})

    def ground_truth(self) -> LinesGroundTruth:
        return _ground_truth()


@functools.lru_cache(maxsize=1)
def _ground_truth() -> LinesGroundTruth:
    """One bank of 10,000 clean lines per process (read-only after construction)."""
    return LinesGroundTruth()
