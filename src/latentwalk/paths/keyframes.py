"""Walks through several keyframes: A -> B -> C (-> A when looped).

The T frames are spread over the whole route by one evenly spaced parameter u in [0, 1]; each u
falls in exactly one segment, so no frame is repeated at a join, and a frame that lands on a
join is that keyframe exactly. A looped route leaves out its last frame (it would equal the
first), so a video or GIF made of it repeats without a stutter.
"""

from __future__ import annotations

import torch

from latentwalk.paths.schedules import SCHEDULES


def route_positions(n_keys: int, steps: int, loop: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """(T,) segment index and (T,) local position in [0, 1] for each frame."""
    segments = n_keys if loop else n_keys - 1
    u = torch.linspace(0, 1, steps + 1 if loop else steps, dtype=torch.float64)
    if loop:
        u = u[:-1]
    p = u * segments
    seg = p.floor().clamp(max=segments - 1).long()
    return seg, p - seg


def keyframe_walk(
    codes: torch.Tensor,
    steps: int,
    path: "PathCallable",
    schedule: str = "uniform",
    loop: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """codes (K, *L) -> (T, *L) route and (T,) global position of each frame in [0, 1]."""
    warp = SCHEDULES.get(schedule)
    k = codes.shape[0]
    seg, local = route_positions(k, steps, loop)
    out = []
    for s in range(int(seg.max()) + 1):
        mask = seg == s
        if not bool(mask.any()):
            continue
        a, b = codes[s], codes[(s + 1) % k]
        t = warp(local[mask]).to(torch.float32 if codes.dtype != torch.float64 else torch.float64)
        out.append(path(a[None], b[None], t)[0])  # (T_s, *L)
    segments = k if loop else k - 1
    return torch.cat(out, dim=0), (seg + local).to(torch.float32) / segments


from typing import Callable as _C  # noqa: E402

PathCallable = _C[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
