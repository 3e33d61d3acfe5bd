"""scikit-learn's bundled handwritten digits (1,797 real 8x8 images), upsampled to 16x16."""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from latentwalk.data.base import DATASETS, Item, Split, parse_factor_spec, parse_index
from latentwalk.errors import DataError

SIZE = 16


def _bundled() -> tuple[np.ndarray, np.ndarray]:
    """(1797, 8, 8) pixel counts 0..16 and (1797,) labels, from scikit-learn's bundled file.

    Read directly (the same numbers `sklearn.datasets.load_digits` returns) because importing
    scikit-learn takes seconds; falls back to `load_digits` if the file has moved."""
    spec = importlib.util.find_spec("sklearn")
    locations = list(spec.submodule_search_locations or []) if spec else []
    path = Path(locations[0]) / "datasets" / "data" / "digits.csv.gz" if locations else None
    if path is not None and path.exists():
        table = np.loadtxt(path, delimiter=",")
        return table[:, :-1].reshape(-1, 8, 8), table[:, -1]
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return bunch.images, bunch.target


@functools.lru_cache(maxsize=1)
def _load() -> tuple[torch.Tensor, torch.Tensor]:
    images, target = _bundled()
    x = torch.tensor(images, dtype=torch.float32)[:, None] / 16.0  # (N, 1, 8, 8)
    x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False).clamp(0, 1)
    return x, torch.tensor(target, dtype=torch.float32)


@DATASETS.register("digits")
class Digits:
    name = "digits"
    modality = "image"
    item_shape = (1, SIZE, SIZE)
    factor_names = ("label",)

    def load(self) -> Split:
        x, y = _load()
        return Split(x.clone(), {"label": y.clone()})

    def item(self, spec: str) -> Item:
        x, y = _load()
        i = parse_index(spec, self.name, len(x))
        if i is None:
            label = parse_factor_spec(spec, self.name, self.factor_names)["label"]
            hits = (y == label).nonzero()
            if len(hits) == 0:
                raise DataError(f"'digits' has no item with label={label:g}; labels are 0 to 9.")
            i = int(hits[0])
        return Item(x[i].clone(), f"digits:{i}", {"label": float(y[i])})

    def ground_truth(self) -> None:
        return None
