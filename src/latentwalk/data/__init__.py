"""Embedded datasets and the user's own files, addressed by one string each."""

from __future__ import annotations

from pathlib import Path

from latentwalk.data import digits as _digits  # noqa: F401  (registers)
from latentwalk.data import lines as _lines  # noqa: F401
from latentwalk.data.base import DATASETS, Dataset, Item, Split
from latentwalk.data.files import IMAGE_SUFFIXES, load_image
from latentwalk.errors import DataError

__all__ = ["DATASETS", "Dataset", "Item", "Split", "get_dataset", "load_image", "resolve_item"]


def get_dataset(name: str) -> Dataset:
    return DATASETS.get(name)()  # type: ignore[no-any-return]


def resolve_item(spec: str, data_shape: tuple[int, ...]) -> Item:
    """'digits:17', 'lines:angle=2.1' or a file path -> an Item shaped like the model's data."""
    name, sep, rest = spec.partition(":")
    if sep and name in DATASETS and not Path(spec).exists():
        ds = get_dataset(name)
        item = ds.item(rest)
        if tuple(item.x.shape) != tuple(data_shape):
            raise DataError(
                f"'{spec}' has shape {tuple(item.x.shape)} but the model takes {tuple(data_shape)}; "
                f"use a model trained on '{name}'."
            )
        return item
    p = Path(spec)
    if p.suffix.lower() in IMAGE_SUFFIXES or p.exists():
        if len(data_shape) != 3:
            raise DataError(f"'{spec}' is an image but the model takes data of shape {tuple(data_shape)}.")
        return load_image(p, data_shape)
    raise DataError(
        f"'{spec}' is neither a dataset item nor an existing file. Use DATASET:INDEX or "
        f"DATASET:FACTOR=VALUE with a dataset among {', '.join(DATASETS.names())}, or a path to an image."
    )
