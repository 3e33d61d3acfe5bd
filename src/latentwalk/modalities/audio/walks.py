"""The waveforms of a walk between sounds: what is heard at each step.

A latent walk's frames are each given a phase by Griffin-Lim. A data-space crossfade is heard as
what a crossfade of sounds is, a mix of its keyframes' waveforms (`joins.mix_route`), with the
weights of the walk's own route (`MethodWalk.segment_weights()`): the walk records its route, so
nothing is guessed back from the frames.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import MutableMapping
from typing import Any

import numpy as np
import torch

from latentwalk.errors import InvalidParameterError
from latentwalk.modalities.audio.codec import GL_ITERS, griffin_lim
from latentwalk.modalities.audio.joins import Route, mix_route

WAVEFORMS_KEY = "audio_waveforms"  # where a walk's waveforms are kept in `MethodWalk.cache`
ROUTE_TOL = 1e-4  # a route reproduces float32 frames in [0, 1] to ~1e-7; a wrong one misses by far more

# Why a memo beside `MethodWalk.cache`: the tones dataset's `GroundTruth.nearest(frames)` and the
# metrics (a `WalkView`) see a walk's frames, not the walk, yet ask for the same sound as its
# writers; Griffin-Lim is the expensive step. So its results are remembered by the spectrograms'
# content (a small LRU): equal spectrograms give equal waveforms, since Griffin-Lim is seeded.
_PHASE_MEMO: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
PHASE_MEMO_SIZE = 16  # batches remembered: a demo section or a CLI walk asks for the same few again and again


def _memo_key(specs: torch.Tensor, n_iter: int) -> tuple[str, int]:
    f = specs.detach().to("cpu", torch.float32).contiguous()
    h = hashlib.blake2b(f.numpy().tobytes(), digest_size=16)
    h.update(repr(tuple(f.shape)).encode())
    return h.hexdigest(), n_iter


def phased(specs: torch.Tensor, n_iter: int = GL_ITERS) -> np.ndarray:
    """(B, 1, F, T) spectrograms -> (B, N) waveforms by Griffin-Lim, remembered; read-only (shared)."""
    key = _memo_key(specs, n_iter)
    if key not in _PHASE_MEMO:
        waves = np.ascontiguousarray(griffin_lim(specs, n_iter).numpy())
        waves.setflags(write=False)
        _PHASE_MEMO[key] = waves
        while len(_PHASE_MEMO) > PHASE_MEMO_SIZE:
            _PHASE_MEMO.popitem(last=False)
    _PHASE_MEMO.move_to_end(key)
    return _PHASE_MEMO[key]


def straight_route(ts: torch.Tensor) -> list[tuple[int, int, float]]:
    """The route of a walk from one input to another: frame i is (0, 1, ts[i])."""
    return [(0, 1, float(t)) for t in ts.detach().cpu().double()]


def _route_matrix(route: Route, n_keys: int) -> torch.Tensor:
    """(T, K) weights W of the route: frames = W @ keyframes."""
    w = torch.zeros(len(route), n_keys, dtype=torch.float64)
    for i, (a, b, s) in enumerate(route):
        w[i, a] += 1 - s
        w[i, b] += s
    return w


def keyframe_spectra(frames: torch.Tensor, route: Route) -> torch.Tensor:
    """A crossfade's (T, *X) frames and its route -> its (K, *X) keyframes, solved from frames = W @ keys.

    A keyframe some frame sits on (weight 0 or 1) is that frame, bit for bit; one that falls between
    frames (3 keyframes, 4 steps) is solved by least squares, exact up to rounding. A route that
    does not reproduce the frames is refused: its sound would not be the walk that was shown.
    """
    if len(route) != len(frames):
        raise InvalidParameterError(f"The route has {len(route)} steps but the walk has {len(frames)} frames.")
    w = _route_matrix(route, 1 + max(max(a, b) for a, b, _ in route))
    f = frames.detach().cpu().reshape(len(frames), -1).to(torch.float64)  # (T, D)
    keys = torch.linalg.lstsq(w, f).solution  # (K, D)
    for i, (a, b, s) in enumerate(route):  # frames on keyframes: taken as they are, not re-solved
        if s == 0.0:
            keys[a] = f[i]
        elif s == 1.0:
            keys[b] = f[i]
    miss = float((w @ keys - f).abs().max())
    if miss > ROUTE_TOL:
        raise InvalidParameterError(
            f"The route does not reproduce the crossfade's frames (off by up to {miss:.3g}); "
            "give the walk's own route, MethodWalk.segment_weights()."
        )
    return keys.to(torch.float32).reshape(len(keys), *frames.shape[1:])


def walk_waveforms(frames: torch.Tensor, data_space: bool = False, n_iter: int = GL_ITERS,
                   route: Route | None = None) -> np.ndarray:
    """(T, 1, F, T_frames) frames of a walk -> (T, CLIP_SAMPLES) waveforms to listen to (read-only).

    Latent walks: each frame through Griffin-Lim. A data-space crossfade (`data_space=True`) needs
    its `route`; its keyframes get their phase once and each step mixes their waveforms.
    """
    if not data_space:
        return phased(frames, n_iter)
    if route is None:
        raise InvalidParameterError(
            "The waveforms of a data-space crossfade are a mix of its keyframes' sounds and need its route: "
            "walk_waveforms(frames, data_space=True, route=mw.segment_weights())."
        )
    waves = mix_route(phased(keyframe_spectra(frames, route), n_iter), route)
    waves.setflags(write=False)
    return waves


def cached_waveforms(frames: torch.Tensor, data_space: bool, route: Route | None,
                     cache: MutableMapping[str, Any]) -> np.ndarray:
    """`walk_waveforms`, computed once per walk and kept in the walk's `cache` (shared, read-only)."""
    if WAVEFORMS_KEY not in cache:
        cache[WAVEFORMS_KEY] = walk_waveforms(frames, data_space, route=route)
    return cache[WAVEFORMS_KEY]
