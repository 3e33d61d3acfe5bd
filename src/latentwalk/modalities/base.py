"""The modality contract: one object per kind of data (image, sound) that knows what that data *is*.

Like diffusers' `VaeImageProcessor` (`preprocess` / `postprocess`), a modality holds everything
about its kind of data: reading the user's file into the model's input (`load`), what a person
sees of a walk's frames (`pictures`), and the files a walk leaves behind (`write_media`,
`write_comparison`). The pipeline looks the object up by the model's `modality` name and calls it;
nothing else branches on the name.

Imports stay down the layers (DESIGN.md): `Item` (data) and the renderers are imported inside the
methods that need them, since `latentwalk.data` and `latentwalk.render` import this package.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from latentwalk.errors import DataError
from latentwalk.files import check_regular_file
from latentwalk.registry import Registry

if TYPE_CHECKING:
    from latentwalk.data.base import Item
    from latentwalk.pipeline.core import MethodWalk, WalkResult

SHOWN_PATH_CHARS = 200  # a path longer than this (a hostile one: the system allows 4096) is cut in messages
MAX_FILE_BYTES = 256 << 20  # 256 MiB: far above any photo or sound a model here takes in


def check_input_file(path: Path, expected: str) -> None:
    """Refuse at once anything but a regular file of at most MAX_FILE_BYTES (files.check_regular_file)."""
    from latentwalk.data.base import shown  # here: latentwalk.data imports this package

    check_regular_file(path, MAX_FILE_BYTES, DataError, expected, shown(str(path), SHOWN_PATH_CHARS))


def step_labels(ts: Sequence[float] | np.ndarray) -> list[str]:
    """'t=0.25' under each step of a strip or a grid."""
    return [f"t={t:.2f}" for t in ts]


def headline(mw: MethodWalk) -> str:
    """One line of the metrics that matter most, for grids and the terminal."""
    summary = {name: r.summary for name, r in mw.metrics.items() if r is not None}
    parts = []
    if "smoothness" in summary:
        s = summary["smoothness"]
        parts += [f"evenness {s['evenness']:.2f}", f"max/mean step {s['max_step_ratio']:.2f}"]
    if "realism" in summary:
        parts.append(f"worst real-item dist {summary['realism']['max_nn_distance']:.3f}")
    if "typicality" in summary:
        parts.append(f"mid norm ×{summary['typicality']['mid_norm_ratio']:.2f}")
    if "acai" in summary:
        parts.append(f"ACAI dist {summary['acai']['mean_distance']:.3f}")
    return " · ".join(parts)


class Modality(ABC):
    """What one kind of data is: its files, its pictures, and a walk's outputs for it.

    A new kind of data is one subclass and `MODALITIES.add(name, instance)`; `load` is called
    only after `resolve_item` has checked that the path is a regular file of a sane size.
    """

    name: ClassVar[str]
    suffixes: ClassVar[frozenset[str]]  # lower-case file suffixes `load` reads, e.g. ".png"

    def matches(self, data_shape: Sequence[int]) -> bool:
        """Whether data of this shape (*X) can be of this modality (to refuse a wrong model early)."""
        return True

    @abstractmethod
    def load(self, path: str | Path, data_shape: tuple[int, ...]) -> Item:
        """The user's file -> an Item whose x has the model's `data_shape`; DataError if it cannot be."""

    @abstractmethod
    def pictures(self, mw: MethodWalk) -> np.ndarray:
        """What a person sees of each step of a walk, as an array for the renderers."""

    @abstractmethod
    def write_media(self, mw: MethodWalk, folder: Path, options: dict[str, Any]) -> None:
        """A method's pictures / sounds into its folder (the arrays and metrics are written by the walk)."""

    @abstractmethod
    def write_comparison(self, result: WalkResult, folder: Path) -> None:
        """comparison.png: one row per method of a walk, with each method's `walk_note`."""

    def walk_note(self, mw: MethodWalk) -> str:
        """One line under a method's row: its headline metrics."""
        return headline(mw)


MODALITIES: Registry[Modality] = Registry("modality")


def get_modality(name: str) -> Modality:
    """The modality object of a model's `modality` name; an unknown name lists the valid ones."""
    return MODALITIES.get(name)
