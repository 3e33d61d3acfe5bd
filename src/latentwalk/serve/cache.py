"""A bounded LRU shared by the server's threads: decoded frames, codes, walks, thumbnails.

Bounded both by entries and by bytes, so that a server answering requests for ever keeps its
memory flat once the cache is full: each put evicts the least recently used entries first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import torch

V = TypeVar("V")


def size_of(value: object) -> int:
    """Bytes a cached value holds (bytes, tensors, and tuples of them); 1 KiB for anything else."""
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, tuple):
        return sum(size_of(v) for v in value)
    return 1024


class LRU(Generic[V]):
    """An LRU of at most `entries` values and `max_bytes` bytes (`size_of` each)."""

    def __init__(self, entries: int, max_bytes: int, size: Callable[[object], int] = size_of) -> None:
        self.entries, self.max_bytes, self._size = entries, max_bytes, size
        self._data: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._data.get(key)
            if found is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return found[0]

    def put(self, key: Hashable, value: V) -> V:
        n = self._size(value)
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if n > self.max_bytes:  # larger than the whole cache: served, never kept
                return value
            self._data[key] = (value, n)
            self._bytes += n
            while len(self._data) > self.entries or self._bytes > self.max_bytes:
                _, (_, m) = self._data.popitem(last=False)
                self._bytes -= m
        return value

    def __contains__(self, key: Hashable) -> bool:  # no hit counted, no reordering
        return key in self._data

    def pop(self, key: Hashable) -> None:
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= old[1]

    def __len__(self) -> int:
        return len(self._data)

    @property
    def nbytes(self) -> int:
        return self._bytes
