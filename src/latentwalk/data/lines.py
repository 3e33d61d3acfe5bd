"""The "lines" benchmark of Berthelot et al. 2019 (ACAI, ICLR 2019).

32x32 grey images of one anti-aliased line of length 16 going from the centre to the edge at
angle theta in [0, 2 pi) (counter-clockwise from "east", y pointing up). The angle is the known
ground-truth factor: a good interpolation between two lines is a line that turns along the
shorter arc at an even speed, never two half-bright lines (the "double exposure").
"""

from __future__ import annotations

import functools
import math

import torch

from latentwalk.data.base import DATASETS, Item, Split, parse_factor_spec, parse_index

SIZE = 32
N_TRAIN = 2048
N_BANK = 3600  # reference lines every 0.1 degree, for recovering the angle of a frame


def render_lines(angles: torch.Tensor, size: int = SIZE) -> torch.Tensor:
    """(N,) angles in radians -> (N, 1, size, size) images in [0, 1].

    Intensity falls off linearly with the distance from the pixel centre to the segment,
    reaching 0 one pixel away: an anti-aliased line about two pixels wide.
    """
    c = size / 2  # a pixel centre, so lines along the axes are one crisp pixel wide
    length = size / 2 - 1
    ys, xs = torch.meshgrid(torch.arange(size, dtype=torch.float64), torch.arange(size, dtype=torch.float64), indexing="ij")
    px, py = xs - c, c - ys  # (H, W): y up
    a = angles.to(torch.float64)[:, None, None]
    dx, dy = torch.cos(a), torch.sin(a)
    along = (px * dx + py * dy).clamp(0, length)  # projection onto the segment
    dist = torch.sqrt((px - along * dx) ** 2 + (py - along * dy) ** 2)
    return (1 - dist).clamp(0, 1).to(torch.float32)[:, None]


class LinesGroundTruth:
    """Recovers a frame's angle as that of the nearest clean line, and the distance to it.

    As in ACAI's evaluation (Berthelot et al. 2019, `closest_line`): cosine distance
    1 - <f, l> / (|f| |l|) to a dense bank of clean lines (they use 10,000 angles; we use 3,600,
    one every 0.1 degree). A blank frame is at distance 1 from every line.
    """

    name = "lines"

    def __init__(self, size: int = SIZE, n_bank: int = N_BANK) -> None:
        self.angles = torch.arange(n_bank, dtype=torch.float64) * (2 * math.pi / n_bank)
        bank = render_lines(self.angles, size).flatten(1)  # (K, D)
        self.bank = bank / bank.norm(dim=1, keepdim=True)

    def nearest(self, frames: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        f = frames.reshape(frames.shape[0], -1).to(torch.float32)  # (T, D)
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
    """One bank of 3,600 clean lines per process (read-only after construction)."""
    return LinesGroundTruth()
