"""Frame distances: how different two decoded frames look.

Each distance maps two batches `(N, *X), (N, *X) -> (N,)` float64 distances, 0 for identical
frames. A frame is `(C, *S)`: its first axis is the channel axis (images `(C, H, W)`, sound
`(C, L)`); a frame with a single axis is a one-channel signal. Values are expected in [0, 1].
"""

from __future__ import annotations

import numpy as np
import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.metrics.base import FRAME_DISTANCES

SSIM_MAX_WINDOW = 7  # scikit-image's default window, used whenever the frame is big enough


def _check_pair(a: torch.Tensor, b: torch.Tensor) -> None:
    for name, x in (("a", a), ("b", b)):
        if not isinstance(x, torch.Tensor):
            raise InvalidParameterError(f"`{name}` must be a torch.Tensor, got {type(x).__name__}.")
        if x.dim() < 2:
            raise InvalidParameterError(
                f"`{name}` must be a batch of frames (N, *X) but has shape {tuple(x.shape)}."
            )
    if a.shape != b.shape:
        raise InvalidParameterError(
            f"The two batches of frames must have the same shape but are {tuple(a.shape)} and {tuple(b.shape)}."
        )


@FRAME_DISTANCES.register("rms")
def l2_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Root mean squared pixel difference per frame pair: (N, *X), (N, *X) -> (N,)."""
    _check_pair(a, b)
    diff = a.detach().to(torch.float64) - b.detach().to(torch.float64)
    return diff.flatten(1).pow(2).mean(dim=1).sqrt().cpu()


def _as_channels(x: torch.Tensor) -> np.ndarray:
    """(N, *X) -> (N * C, *S) numpy float64: every channel of every frame is one SSIM image."""
    arr = x.detach().to(torch.float64).cpu().numpy()
    if arr.ndim == 2:  # (N, L): one-channel signals
        return arr
    return arr.reshape(arr.shape[0] * arr.shape[1], *arr.shape[2:])


def ssim_window(spatial: tuple[int, ...]) -> int:
    """The largest odd window <= 7 that fits the smallest spatial side (8x8 -> 7, 4x4 -> 3)."""
    side = min(spatial)
    win = min(SSIM_MAX_WINDOW, side if side % 2 == 1 else side - 1)
    if win < 3:
        raise InvalidParameterError(
            f"SSIM needs frames of at least 3 samples on every spatial side, got spatial shape {spatial}; "
            "use distance='rms' for such small frames."
        )
    return win


@FRAME_DISTANCES.register("ssim")
def ssim_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """1 - SSIM per frame pair, in [0, 2]: (N, *X), (N, *X) -> (N,).

    Wang et al. 2004 via scikit-image with data_range=1. All N*C channel images go through
    one `structural_similarity` call (channel_axis=0, full=True); the per-frame score is the mean
    of its channels' cropped SSIM maps, which is what scikit-image returns for one frame.
    """
    from skimage.metrics import structural_similarity  # lazy: scipy.ndimage costs ~0.4 s to import

    _check_pair(a, b)
    n = a.shape[0]
    x, y = _as_channels(a), _as_channels(b)
    spatial = x.shape[1:]
    win = ssim_window(spatial)
    _, smap = structural_similarity(x, y, win_size=win, data_range=1.0, channel_axis=0, full=True)
    pad = (win - 1) // 2  # scikit-image averages the map without its border
    inner = smap[(slice(None),) + tuple(slice(pad, s - pad) for s in spatial)]
    per_channel = inner.reshape(inner.shape[0], -1).mean(axis=1)  # (N * C,)
    score = per_channel.reshape(n, -1).mean(axis=1)  # (N,)
    return torch.from_numpy(np.clip(1.0 - score, 0.0, 2.0))


def step_distances(frames: torch.Tensor, distance: str = "rms") -> torch.Tensor:
    """(T, *X) frames -> (T-1,) float64 distances between adjacent frames (step i: frame i to i+1)."""
    fn = FRAME_DISTANCES.get(distance)
    if not isinstance(frames, torch.Tensor) or frames.dim() < 2 or frames.shape[0] < 2:
        shape = tuple(frames.shape) if isinstance(frames, torch.Tensor) else type(frames).__name__
        raise InvalidParameterError(f"`frames` must be a tensor (T, *X) with T >= 2 frames, got {shape}.")
    return fn(frames[:-1], frames[1:])
