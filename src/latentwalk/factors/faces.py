"""Factor recoverer for the faces dataset: the probe shipped with `latentwalk.data.faces`.

Every factor but glasses is continuous on -1..1, so its unit of change is the full range, 2.0;
glasses is read as a probability in 0..1 (continuous too), whose full range is 1.0.
"""

from __future__ import annotations

import torch

from latentwalk.data.faces import CONTINUOUS, Faces
from latentwalk.factors.recover import RECOVERERS, FactorInfo


class FacesRecoverer:
    """Every factor of a face frame, as the faces probe reads it (through `dataset`'s ground truth)."""

    dataset: type = Faces

    def __init__(self) -> None:
        self.gt = self.dataset().ground_truth()
        self.factors = {k: FactorInfo(k, "continuous", 2.0) for k in CONTINUOUS}
        self.factors["glasses"] = FactorInfo("glasses", "continuous", 1.0)

    def recover(self, frames: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: v.to(torch.float64) for k, v in self.gt.recover(frames.detach()).items()}


RECOVERERS.add("faces", FacesRecoverer)
