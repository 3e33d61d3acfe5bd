"""Embedded datasets and the user's own files, addressed by one string each."""

from __future__ import annotations

from pathlib import Path

from latentwalk.data.base import DATASETS, Dataset, Item, Split, shown
from latentwalk.errors import DataError
from latentwalk.modalities import get_modality
from latentwalk.modalities.base import check_input_file
from latentwalk.modalities.image import load_image
from latentwalk.registry import import_submodules

__all__ = ["DATASETS", "Dataset", "Item", "Split", "get_dataset", "load_image", "resolve_item"]

import_submodules(__name__)  # every dataset file registers itself


def get_dataset(name: str) -> Dataset:
    return DATASETS.get(name)()


def _exists(p: Path) -> bool:
    """Whether anything (a broken link too) is at p; False, not an error, for a name the system
    cannot look up (too long, a NUL byte): such a spec is then judged as a dataset item or refused."""
    try:
        return p.exists() or p.is_symlink()
    except (OSError, ValueError):
        return False


def resolve_item(spec: str, data_shape: tuple[int, ...], modality: str = "image", *, files: bool = True) -> Item:
    """'digits:17', 'lines:angle=2.1' or a file path -> an Item shaped like the model's data.

    files=False takes dataset items only and never looks at the file system (the server's
    clients name items, never paths)."""
    name, sep, rest = spec.partition(":")
    if sep and name in DATASETS and not (files and _exists(Path(spec))):
        item = get_dataset(name).item(rest)
        if tuple(item.x.shape) != tuple(data_shape):
            raise DataError(
                f"'{shown(spec)}' has shape {tuple(item.x.shape)} but the model takes {tuple(data_shape)}; "
                f"use a model trained on '{name}'."
            )
        return item
    if not files:
        raise DataError(f"'{shown(spec)}' is not a dataset item. Use DATASET:INDEX or DATASET:FACTOR=VALUE with a "
                        f"dataset among {', '.join(DATASETS.names())}; file paths are not read here.")
    p = Path(spec)
    kind = get_modality(modality)
    suffixes = ", ".join(sorted(kind.suffixes))
    if p.suffix.lower() in kind.suffixes or _exists(p):
        # Before any loader (a plug-in's too) opens it: a FIFO or a device would hang the read.
        article = "an" if modality[:1] in "aeiou" else "a"
        check_input_file(p, f"{article} {modality} file ({suffixes})")
        return kind.load(p, tuple(data_shape))
    raise DataError(
        f"'{shown(spec)}' is neither a dataset item nor an existing file. Use DATASET:INDEX or "
        f"DATASET:FACTOR=VALUE with a dataset among {', '.join(DATASETS.names())}, or a path to a file "
        f"({suffixes})."
    )
