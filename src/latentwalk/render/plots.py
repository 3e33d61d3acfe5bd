"""Profiles of a walk along t (step size, norm, realism ...) drawn with matplotlib.

Figures are built as `matplotlib.figure.Figure` objects with an Agg canvas, never through
pyplot, so nothing leaks into a global figure list or a user's interactive session. A method
keeps its colour in every plot: the crossfade baseline is grey and dashed, the known path
methods have fixed colours, other names take the next free colour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from latentwalk.errors import InvalidParameterError
from latentwalk.render._common import BACKGROUND_HEX, PathLike, write_atomically

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["METHOD_COLOURS", "method_colours", "plot_intervals", "plot_profile_panels", "plot_profiles"]

Curves = dict[str, tuple[Sequence[float], Sequence[float]]]

# Fixed colours (matplotlib's tab10, minus grey) so a method looks the same in every picture.
METHOD_COLOURS = {
    "crossfade": "#7f7f7f",
    "lerp": "#1f77b4",
    "slerp": "#d62728",
    "matched": "#2ca02c",
    "geodesic": "#9467bd",
    "spline": "#ff7f0e",
    "keyframes": "#8c564b",
    "direction": "#e377c2",
}
SPARE_COLOURS = ["#17becf", "#bcbd22", "#393b79", "#ad494a", "#637939", "#7b4173", "#843c39", "#3182bd"]
BASELINE = "crossfade"
DPI = 100
BAND_COLOUR = "#f2c14e"


def method_colours(names: Iterable[str]) -> dict[str, str]:
    """Colour per name: fixed ones for known methods, the next free spare colour for others."""
    names = list(dict.fromkeys(names))
    taken = {METHOD_COLOURS[n] for n in names if n in METHOD_COLOURS}
    spares = [c for c in SPARE_COLOURS if c not in taken]
    colours: dict[str, str] = {}
    for name in names:
        if name in METHOD_COLOURS:
            colours[name] = METHOD_COLOURS[name]
        else:
            colours[name] = spares.pop(0) if spares else SPARE_COLOURS[len(colours) % len(SPARE_COLOURS)]
    return colours


def _check_curves(curves: Curves, func: str) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    if not isinstance(curves, dict):
        raise InvalidParameterError(
            f"The 'curves' parameter of {func} must be a dict {{method: (x, y)}}. "
            f"Got {type(curves).__name__} instead."
        )
    checked = {}
    for name, (x, y) in curves.items():
        xs, ys = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
        if len(xs) != len(ys):
            raise InvalidParameterError(
                f"The curve '{name}' given to {func} has {len(xs)} x values but {len(ys)} y values; "
                "they must pair up."
            )
        checked[str(name)] = (xs, ys)
    return checked


def _check_size(size: tuple[int, int], func: str) -> tuple[int, int]:
    ok = (
        isinstance(size, tuple | list)
        and len(size) == 2
        and all(isinstance(v, int) and v >= 100 for v in size)
    )
    if not ok:
        raise InvalidParameterError(
            f"The 'size' parameter of {func} must be (width, height) in pixels, each an int >= 100. "
            f"Got {size!r} instead."
        )
    return int(size[0]), int(size[1])


def _check_band(band: tuple[float, float] | None, func: str) -> tuple[float, float] | None:
    if band is None:
        return None
    lo, hi = (float(v) for v in band)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
        raise InvalidParameterError(
            f"The 'band' parameter of {func} must be (low, high) with finite low <= high. "
            f"Got {band!r} instead."
        )
    return lo, hi


def _new_figure(width: int, height: int) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A fixed layout: matplotlib's constrained layout measured every tick label and took
    # most of the demo's warm time.
    fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _draw_curves(ax: Axes, curves: dict[str, tuple[np.ndarray, np.ndarray]], colours: dict[str, str]) -> None:
    for name, (x, y) in curves.items():
        baseline = name == BASELINE
        ax.plot(
            x, y, label=name, color=colours[name], linestyle="--" if baseline else "-",
            linewidth=1.6 if baseline else 1.9, marker=None if baseline or len(x) > 40 else "o",
            markersize=3.5, zorder=2 if baseline else 3,
        )  # fmt: skip
    if not curves:
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="#777777")


def _draw_band(ax: Axes, band: tuple[float, float], label: str) -> None:
    ax.axhspan(band[0], band[1], color=BAND_COLOUR, alpha=0.25, linewidth=0, label=label, zorder=1)


def _fit_unit_interval(ax: Axes, curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """Show all of [0, 1] when x is a position along the walk, so that panels line up."""
    xs = np.concatenate([x for x, _ in curves.values()]) if curves else np.zeros(0)
    xs = xs[np.isfinite(xs)]
    if len(xs) and xs.min() >= 0.0 and xs.max() <= 1.0:
        ax.set_xlim(-0.03, 1.03)


def _style_axes(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_facecolor(BACKGROUND_HEX)
    ax.grid(True, color="#e2e2de", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _save(fig: Figure, path: PathLike) -> None:
    # Light compression: a plot PNG is small anyway, and level 6 took a third of the save time.
    write_atomically(path, lambda tmp: fig.savefig(tmp, format="png", dpi=DPI, facecolor=BACKGROUND_HEX,
                                                 pil_kwargs={"compress_level": 1}))


def plot_profiles(
    curves: Curves,
    path: PathLike,
    title: str,
    ylabel: str,
    band: tuple[float, float] | None = None,
    xlabel: str = "t",
    band_label: str = "typical range",
    size: tuple[int, int] = (640, 400),
) -> None:
    """One line per method, {name: (x, y)}, and an optional shaded band (low, high).

    The band marks what is normal, e.g. the shell where a N(0, I) code's norm lies
    (chi distribution); size is the PNG's (width, height) in pixels.
    """
    checked = _check_curves(curves, "plot_profiles")
    band = _check_band(band, "plot_profiles")
    fig = _new_figure(*_check_size(size, "plot_profiles"))
    ax = fig.add_subplot()
    if band is not None:
        _draw_band(ax, band, band_label)
    _draw_curves(ax, checked, method_colours(checked))
    _fit_unit_interval(ax, checked)
    _style_axes(ax, title, xlabel, ylabel)
    if checked or band is not None:
        ax.legend(frameon=False, fontsize=9)
    w, h = fig.get_size_inches() * DPI
    fig.subplots_adjust(left=70 / w, right=1 - 16 / w, bottom=48 / h, top=1 - 30 / h)
    _save(fig, path)


def plot_profile_panels(
    panels: list[tuple[str, str, Curves]],
    path: PathLike,
    bands: Sequence[tuple[float, float] | None] | None = None,
    xlabel: str = "t",
    panel_size: tuple[int, int] = (340, 300),
) -> None:
    """Small panels side by side, [(title, ylabel, curves)], with one shared legend on top.

    bands: optional (low, high) per panel (None for none); panel_size: pixels per panel.
    """
    if not isinstance(panels, list | tuple) or not panels:
        raise InvalidParameterError(
            "The 'panels' parameter of plot_profile_panels must be a non-empty list of "
            f"(title, ylabel, curves). Got {panels!r} instead."
        )
    if bands is not None and len(bands) != len(panels):
        raise InvalidParameterError(
            f"The 'bands' parameter of plot_profile_panels must have one entry per panel ({len(panels)}). "
            f"Got {len(bands)} instead."
        )
    checked = [(t, y, _check_curves(c, "plot_profile_panels")) for t, y, c in panels]
    colours = method_colours(name for _, _, c in checked for name in c)  # one colour per name in all panels
    w, h = _check_size(panel_size, "plot_profile_panels")
    checked_bands = [_check_band(b, "plot_profile_panels") for b in bands or [None] * len(panels)]
    fig = _new_figure(w * len(panels), h)
    all_axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, ylabel, curves), band in zip(all_axes, checked, checked_bands, strict=True):
        if band is not None:
            _draw_band(ax, band, "typical range")
        _draw_curves(ax, curves, colours)
        _fit_unit_interval(ax, curves)
        _style_axes(ax, title, xlabel, ylabel)
    _shared_legend(fig, colours, with_band=any(b is not None for b in checked_bands))
    total = w * len(panels)
    fig.subplots_adjust(left=62 / total, right=1 - 12 / total, bottom=46 / h, top=1 - 58 / h, wspace=0.32)
    _save(fig, path)


def _shared_legend(fig: Figure, colours: dict[str, str], with_band: bool) -> None:
    from matplotlib.artist import Artist
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Artist] = [
        Line2D([], [], color=c, linestyle="--" if n == BASELINE else "-", linewidth=1.9, label=n)
        for n, c in colours.items()
    ]
    if with_band:
        handles.append(Patch(color=BAND_COLOUR, alpha=0.25, linewidth=0, label="typical range"))
    if handles:
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 1.0), ncols=len(handles), frameon=False, fontsize=9)


# One entry of an interval panel: (label, method, mean, low, high); low/high None when undefined.
Interval = tuple[str, str, float, float | None, float | None]


def _draw_intervals(ax: Axes, entries: list[Interval], colours: dict[str, str]) -> None:
    ys = np.arange(len(entries))[::-1]  # the first entry on top
    for y, (_, method, mean, lo, hi) in zip(ys, entries, strict=True):
        colour = colours[method]
        if lo is not None and hi is not None:
            ax.plot([lo, hi], [y, y], color=colour, linewidth=2.2, solid_capstyle="butt", zorder=2)
        ax.plot([mean], [y], "o", color=colour, markersize=5.5, zorder=3)
    ax.set_yticks(ys, [label for label, *_ in entries], fontsize=8)
    ax.set_ylim(-0.7, max(len(entries), 1) - 0.3)
    if not entries:
        ax.text(0.5, 0.5, "no data", transform=ax.transAxes, ha="center", va="center", color="#777777")


def plot_intervals(panels: list[tuple[str, list[Interval]]], path: PathLike, title: str = "",
                   panel_size: tuple[int, int] = (330, 0)) -> None:
    """Means with their intervals: one panel per (title, entries), a dot and a bar per entry, in the
    entry's method colour (the crossfade grey), up to three panels a row."""
    if not isinstance(panels, list | tuple) or not panels:
        raise InvalidParameterError("The 'panels' parameter of plot_intervals must be a non-empty list of "
                                    f"(title, entries). Got {panels!r} instead.")
    rows_per_panel = max(max(len(entries) for _, entries in panels), 1)
    w, h = panel_size[0], max(panel_size[1], 60 + 22 * rows_per_panel)
    label_room = 7 * max((len(label) for _, entries in panels for label, *_ in entries), default=6) + 16
    cols = min(3, len(panels))
    nrows = -(-len(panels) // cols)
    colours = method_colours(method for _, entries in panels for _, method, *_ in entries)
    width, height = cols * (w + label_room), nrows * h + 40
    fig = _new_figure(width, height)
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    for ax, (name, entries) in zip(axes, panels, strict=False):
        _draw_intervals(ax, entries, colours)
        _style_axes(ax, name, "", "")
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11, x=0.01, ha="left")
    fig.subplots_adjust(left=label_room / width, right=1 - 14 / width, bottom=44 / height, top=1 - 50 / height,
                        wspace=label_room / (w + label_room) * 1.6, hspace=0.55)
    _save(fig, path)
