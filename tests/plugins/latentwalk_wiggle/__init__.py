"""A path method from outside latentwalk: LERP with a sideways sine wiggle that vanishes at both ends."""

from __future__ import annotations

import torch

from latentwalk.paths import PathMethod


def wiggle(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor, amplitude: float = 0.1) -> torch.Tensor:
    tt = t.to(z0.dtype).reshape(1, -1, *([1] * (z0.dim() - 1)))  # (1, T, 1, ...)
    line = z0.unsqueeze(1) + tt * (z1 - z0).unsqueeze(1)  # (B, T, *L)
    side = torch.roll(z1 - z0, 1, dims=-1).unsqueeze(1)
    return line + amplitude * torch.sin(torch.pi * tt) * side


METHOD = PathMethod("wiggle", wiggle, "LERP with a sine wiggle (a plug-in from tests/plugins)")
