"""Spectrogram pictures of a walk between sounds: one labelled panel per step, rows per method.

Spectrograms come in as numpy arrays (T, 1, F, T_frames) or (T, F, T_frames) with values in [0, 1]
on the dB scale of `latentwalk.modalities.audio` (0 = -80 dB, 1 = 0 dB re a full-scale sine).
Drawn with matplotlib's object API (no pyplot), frequency up, time to the right.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from latentwalk.errors import InvalidParameterError
from latentwalk.modalities.audio import CLIP_SECONDS, FLOOR_DB, SAMPLE_RATE
from latentwalk.render._common import BACKGROUND_HEX, PathLike, write_atomically

PANEL_PX = (110, 150)  # width, height of one step's panel
DPI = 100
CMAP = "magma"


def _check_specs(specs: object, func: str) -> np.ndarray:
    x = np.asarray(specs, dtype=np.float32)
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    if x.ndim != 3 or 0 in x.shape:
        raise InvalidParameterError(
            f"The 'specs' parameter of {func} must be spectrograms of shape (T, 1, F, frames) or "
            f"(T, F, frames). Got shape {np.asarray(specs).shape} instead."
        )
    return np.nan_to_num(np.clip(x, 0, 1))


def _draw_row(fig: object, axes: Sequence[object], specs: np.ndarray, labels: list[str] | None, ylabel: str) -> Any:
    extent = (0, CLIP_SECONDS, 0, SAMPLE_RATE / 2000)
    im = None
    for i, (ax, s) in enumerate(zip(axes, specs, strict=True)):
        im = ax.imshow(FLOOR_DB * (1 - s), origin="lower", aspect="auto", extent=extent, cmap=CMAP,  # type: ignore[attr-defined]
                       vmin=FLOOR_DB, vmax=0, interpolation="nearest")
        ax.set_xticks([])  # type: ignore[attr-defined]
        if labels:
            ax.set_title(labels[i], fontsize=8)  # type: ignore[attr-defined]
        if i:
            ax.set_yticks([])  # type: ignore[attr-defined]
        else:
            ax.set_ylabel(ylabel, fontsize=8)  # type: ignore[attr-defined]
            ax.tick_params(labelsize=7)  # type: ignore[attr-defined]
    return im


def save_spectrogram_rows(
    rows: Sequence[tuple[str, object]], path: PathLike, labels: list[str] | None = None, notes: list[str] | None = None
) -> None:
    """One row of step panels per (name, specs); `labels` title the steps (e.g. t=0.25),
    `notes` (one per row) go under the row name. A colour bar gives the dB scale."""
    from matplotlib.figure import Figure

    if not rows:
        raise InvalidParameterError("The 'rows' parameter of save_spectrogram_rows must be a non-empty list of (name, specs).")
    checked = [(name, _check_specs(s, "save_spectrogram_rows")) for name, s in rows]
    t = checked[0][1].shape[0]
    if any(s.shape[0] != t for _, s in checked):
        raise InvalidParameterError("Every row of save_spectrogram_rows must have the same number of steps.")
    if labels is not None and len(labels) != t:
        raise InvalidParameterError(f"The 'labels' parameter must hold {t} strings, one per step. Got {len(labels)}.")
    w, h = PANEL_PX
    fig = Figure(figsize=((t * w + 160) / DPI, (len(rows) * h + 40) / DPI), dpi=DPI, facecolor=BACKGROUND_HEX)
    axes = fig.subplots(len(rows), t, squeeze=False, gridspec_kw={"wspace": 0.06, "hspace": 0.45})
    for r, (name, specs) in enumerate(checked):
        note = f"\n{notes[r]}" if notes and notes[r] else ""
        im = _draw_row(fig, axes[r], specs, labels, "kHz")
        axes[r][0].annotate(f"{name}{note}", (0, 1.02), xycoords="axes fraction", xytext=(0, 14),
                            textcoords="offset points", fontsize=8, fontweight="bold", ha="left", va="bottom")
    fig.colorbar(im, ax=axes.ravel().tolist(), fraction=0.015, pad=0.01, label="dB re full scale")
    write_atomically(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI, facecolor=BACKGROUND_HEX, bbox_inches="tight"))


def save_spectrogram_strip(specs: object, path: PathLike, labels: list[str] | None = None, title: str = "") -> None:
    """One labelled spectrogram panel per step of a walk, left to right."""
    save_spectrogram_rows([(title, specs)], path, labels=labels)
