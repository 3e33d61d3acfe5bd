"""scikit-learn's bundled handwritten digits (1,797 real 8x8 images), upsampled to 16x16."""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from latentwalk.data.base import DATASETS, Item, Split, parse_factor_spec, parse_index
from latentwalk.errors import DataError

SIZE = 16


@functools.lru_cache(maxsize=1)
def _load() -> tuple[torch.Tensor, torch.Tensor]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = torch.tensor(bunch.images, dtype=torch.float32)[:, None] / 16.0  # (N, 1, 8, 8)
    x = F.interpolate(x, size=(SIZE, SIZE), mode="bilinear", align_corners=False).clamp(0, 1)
    return x, torch.tensor(bunch.target, dtype=torch.float32)


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
