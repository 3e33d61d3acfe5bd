"""Factor recoverer for faces32: the faces probe on frames upsampled to 64x64 (data/faces32.py)."""

from __future__ import annotations

import torch

from latentwalk.data.faces import CONTINUOUS
from latentwalk.data.faces32 import Faces32
from latentwalk.factors.recover import RECOVERERS, FactorInfo


class Faces32Recoverer:
    """Every factor of a 32x32 face frame, as the faces probe reads it (units as factors/faces.py)."""

    def __init__(self) -> None:
        self.gt = Faces32().ground_truth()
        self.factors = {k: FactorInfo(k, "continuous", 2.0) for k in CONTINUOUS}
        self.factors["glasses"] = FactorInfo("glasses", "continuous", 1.0)

    def recover(self, frames: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: v.to(torch.float64) for k, v in self.gt.recover(frames.detach()).items()}


RECOVERERS.add("faces32", Faces32Recoverer)
