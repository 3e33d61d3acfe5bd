"""The pairs a sweep walks between, each one a function of (spec, index) alone.

Pair i of a random set and its seed come from SHA-256("latentwalk-sweep/{seed}/{i}"): no worker
state, no order of execution and no other pair enters, so a pair is the same on every engine,
in every shard size, and pair i of 16 random pairs is pair i of 1,000.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import torch

from latentwalk.config import MAX_SEED
from latentwalk.errors import DataError
from latentwalk.sweep.spec import GridPairs, ListPairs, PairSet, RandomPairs


@dataclass(frozen=True)
class Pair:
    """One pair: its index in the set, the item specs as the spec names them, the walk's seed, and,
    for files, the items' data read by the driver (workers of a cluster may not see the files)."""

    index: int
    a: str
    b: str
    seed: int
    xa: torch.Tensor | None = None  # (*X), files only
    xb: torch.Tensor | None = None
    digest: str = ""  # SHA-256 of the two files' bytes, so a changed file is a new pair


def _draw(seed: int, index: int) -> bytes:
    return hashlib.sha256(f"latentwalk-sweep/{seed}/{index}".encode()).digest()


def pair_seed(seed: int, index: int) -> int:
    """The seed of pair `index`'s walk (a sampled posterior, a GAN's inversion)."""
    return int.from_bytes(_draw(seed, index)[:8], "big") & MAX_SEED


def random_indices(seed: int, index: int, n_items: int) -> tuple[int, int]:
    """Two distinct item indices in [0, n_items) for pair `index` (64-bit draws: the modulo bias is
    below 1e-15 for any dataset latentwalk holds)."""
    d = _draw(seed, index)
    a = int.from_bytes(d[8:16], "big") % n_items
    b = int.from_bytes(d[16:24], "big") % (n_items - 1)
    return a, b + (b >= a)


def model_dataset(meta: dict[str, object]) -> str | None:
    trained = meta.get("trained_on")
    name = trained.get("dataset") if isinstance(trained, dict) else None
    return name if isinstance(name, str) else None


def _dataset_for(pairs: RandomPairs | GridPairs, model_spec: str, meta: dict[str, object]) -> str:
    from latentwalk.data import DATASETS

    name = pairs.dataset or model_dataset(meta)
    if name is None or name not in DATASETS:
        raise DataError(f"'{model_spec}' was not trained on a dataset latentwalk holds, so its {pairs.kind} pairs have "
                        f"nothing to draw from; name one with pairs.dataset (--data), among {', '.join(DATASETS.names())}.")
    return name


def _dataset_size(name: str) -> int:
    from latentwalk.data import get_dataset

    return len(get_dataset(name).load().x)


def _local_path(spec: str, base: Path) -> Path | None:
    """The file an item names, relative to the spec's folder; None for a dataset item."""
    from latentwalk.data import DATASETS

    name, sep, _ = spec.partition(":")
    p = Path(spec).expanduser()
    p = p if p.is_absolute() else base / p
    if sep and name in DATASETS and not p.exists():
        return None
    return p


def _file_items(pairs: ListPairs, base: Path, data_shape: tuple[int, ...], modality: str) -> list[Pair]:
    from latentwalk.data import resolve_item
    from latentwalk.files import sha256_file

    out = []
    for i, (a, b) in enumerate(pairs.pairs):
        xs, digest = [], hashlib.sha256()
        for spec in (a, b):
            path = _local_path(spec, base)
            item = resolve_item(str(path) if path is not None else spec, data_shape, modality)  # errors now, not in a worker
            xs.append(item.x if path is not None else None)
            digest.update((sha256_file(path) if path is not None else spec).encode())
        out.append(Pair(i, a, b, 0, xs[0], xs[1], digest.hexdigest()))
    return out


class ModelPairs:
    """A pair set as one model walks it: its dataset picked, its files read and checked."""

    def __init__(self, pairs: PairSet, seed: int, model_spec: str, meta: dict[str, object], data_shape: tuple[int, ...],
                 modality: str, base: Path) -> None:
        self.pairs, self.seed = pairs, seed
        self.files: list[Pair] = []
        self.dataset = ""
        if isinstance(pairs, ListPairs):
            self.files = _file_items(pairs, base, data_shape, modality)
            return
        from latentwalk.data import get_dataset, resolve_item

        self.dataset = _dataset_for(pairs, model_spec, meta)
        ds = get_dataset(self.dataset)
        if tuple(ds.item_shape) != tuple(data_shape):
            raise DataError(f"'{self.dataset}' items are {tuple(ds.item_shape)} but '{model_spec}' takes "
                            f"{tuple(data_shape)}; pick the dataset it was trained on.")
        if isinstance(pairs, RandomPairs):
            self.n_items = _dataset_size(self.dataset)
            if self.n_items < 2:
                raise DataError(f"'{self.dataset}' has fewer than 2 items; it cannot give random pairs.")
        else:
            resolve_item(self._grid_item(pairs, pairs.starts[0]), data_shape, modality)  # a bad factor fails here

    def _grid_item(self, grid: GridPairs, value: float) -> str:
        return f"{self.dataset}:{grid.factor}={value!r}"

    def __len__(self) -> int:
        return self.pairs.count()

    def pair(self, i: int) -> Pair:
        s = pair_seed(self.seed, i)
        if isinstance(self.pairs, RandomPairs):
            a, b = random_indices(self.seed, i, self.n_items)
            return Pair(i, f"{self.dataset}:{a}", f"{self.dataset}:{b}", s)
        if isinstance(self.pairs, GridPairs):
            g, n = self.pairs, len(self.pairs.ends)
            return Pair(i, self._grid_item(g, g.starts[i // n]), self._grid_item(g, g.ends[i % n]), s)
        f = self.files[i]
        return Pair(i, f.a, f.b, s, f.xa, f.xb, f.digest)
