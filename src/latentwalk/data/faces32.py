"""`faces32`: the `faces` set at 32x32, for families whose nets are sized for small images (GAN, DDIM).

Every item is the `faces` item of the same spec (`faces32:17`, `faces32:smile=0.8`, the same
person for the same named factors) reduced by a 2x2 box filter and rounded to 8 bits again, so
it is exactly what a PNG of it holds. The factors are the 64x64 face's.

`ground_truth()` reads factors with the `faces` probe on the frame upsampled to 64x64 (the probe
was trained at 64x64 only), by nearest-neighbour upsampling rather than bilinear: bilinear's blur
thins the glasses' rims and the eye whites below what the probe saw in training. Held-out error
on 512 fresh faces (`sample_factors`, seed 3232) drawn, pooled to 32x32 and upsampled back, mean
absolute error on the -1..1 scale (`held_out_probe_errors()`), nearest / bilinear / bicubic /
the probe on the 64x64 renders themselves:

    smile 0.087 / 0.133 / 0.095 / 0.024     yaw   0.044 / 0.044 / 0.028 / 0.017
    light 0.038 / 0.048 / 0.041 / 0.024     hair  0.040 / 0.046 / 0.034 / 0.023
    age   0.075 / 0.066 / 0.049 / 0.017     eyes  0.246 / 0.455 / 0.272 / 0.043
    width 0.030 / 0.040 / 0.028 / 0.020     skin  0.031 / 0.067 / 0.043 / 0.021
    background 0.032 / 0.037 / 0.027 / 0.016
    glasses error rate 0.002 / 0.154 / 0.021 / -

`eyes` is not readable at 32x32 (biased towards closed by 0.21); the others are, 2-4x less
precisely than at 64x64. A probe trained at 32x32 would do better. The off-face distance is
measured at 32x32: the frame against the clean face redrawn from the recovered factors and
pooled the same way (so the probe's errors, eyes' above all, put a floor under it; the benchmark
reports the floor, the real faces' distance, beside the walks').
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

from latentwalk.data.base import DATASETS, Item, Split, parse_factor_spec, parse_index
from latentwalk.data.faces import (
    FACTORS,
    N_TRAIN,
    Faces,
    FacesGroundTruth,
    _training_set,
    render_faces,
    sample_factors,
)
from latentwalk.errors import DataError

NAME = "faces32"
SIZE = 32
PROBE_CHECK_SEED = 3232  # the renders the docstring's probe errors were measured on


def pool(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, 64, 64) in [0, 1] -> (N, 3, 32, 32): 2x2 box filter, then 8-bit rounding as `faces`."""
    return (F.avg_pool2d(x.to(torch.float32), 2).clamp_(0, 1) * 255).round_() / 255


def upsample(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, 32, 32) -> (N, 3, 64, 64), nearest-neighbour (see the module docstring): what the probe reads."""
    return F.interpolate(x.to(torch.float32), scale_factor=2, mode="nearest")


@functools.lru_cache(maxsize=1)
def _training_set32() -> torch.Tensor:
    """(N, 3, 32, 32) uint8, pooled from the cached 64x64 set in chunks (the float copy is 200 MB)."""
    big = _training_set()
    return torch.cat([(pool(big[i : i + 512].to(torch.float32) / 255) * 255).round().to(torch.uint8)
                      for i in range(0, len(big), 512)])


class Faces32GroundTruth:
    """The faces probe on frames (T, 3, 32, 32): factors read at 64x64, distance measured at 32x32."""

    name = NAME

    def __init__(self, gt: FacesGroundTruth) -> None:
        self.gt = gt

    def _check(self, frames: torch.Tensor) -> torch.Tensor:
        x = frames.detach().to(torch.float32).cpu()
        if x.dim() != 4 or tuple(x.shape[1:]) != (3, SIZE, SIZE):
            raise DataError(f"The faces32 probe reads frames (T, 3, {SIZE}, {SIZE}), got {tuple(x.shape)}.")
        return x

    def recover(self, frames: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.gt.recover(upsample(self._check(frames)))

    def nearest(self, frames: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        x = self._check(frames)
        found = self.recover(x)
        clean = pool(render_faces({**found, "glasses": (found["glasses"] > 0.5).float()}))
        dist = (x - clean).flatten(1).pow(2).mean(1).sqrt()
        return {k: v.to(torch.float64) for k, v in found.items()}, dist.to(torch.float64)


def held_out_probe_errors(n: int = 512, seed: int = PROBE_CHECK_SEED) -> dict[str, float]:
    """The probe's error on n fresh faces rendered, pooled to 32x32 and upsampled back (as the docstring)."""
    f = sample_factors(n, np.random.default_rng(seed))
    x = pool(render_faces(f))
    pred = Faces32().ground_truth().recover(x)
    errs = {k: float((pred[k] - f[k]).abs().mean()) for k in FACTORS if k != "glasses"}
    errs["glasses"] = float(((pred["glasses"] > 0.5).float() != f["glasses"]).float().mean())
    return errs


@DATASETS.register(NAME)
class Faces32:
    name = NAME
    modality = "image"
    item_shape = (3, SIZE, SIZE)
    factor_names = FACTORS

    def load(self) -> Split:
        return Split(_training_set32().to(torch.float32) / 255, Faces().load().factors)

    def item(self, spec: str) -> Item:
        if parse_index(spec, NAME, N_TRAIN) is None:
            parse_factor_spec(spec, NAME, FACTORS)  # unknown names are refused under this set's name
        try:
            big = Faces().item(spec)
        except DataError as exc:  # a value out of range: the faces message, naming this set
            raise DataError(str(exc).replace("'faces:", f"'{NAME}:")) from None
        return Item(pool(big.x[None])[0], NAME + big.source.removeprefix("faces"), big.factors)

    def ground_truth(self) -> Faces32GroundTruth:
        return _ground_truth()


@functools.lru_cache(maxsize=1)
def _ground_truth() -> Faces32GroundTruth:
    return Faces32GroundTruth(Faces().ground_truth())
