"""One registry per kind of plug-in (path methods, schedules, models, datasets, metrics, ...)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from latentwalk.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> object map whose misses list the valid names and suggest the closest one."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            self.add(name, obj)
            return obj

        return deco

    def add(self, name: str, obj: T) -> None:
        if name in self._items:
            raise ValueError(f"{self.kind} '{name}' is registered twice")
        self._items[name] = obj

    def get(self, name: str) -> T:
        if isinstance(name, str) and name in self._items:
            return self._items[name]
        raise UnknownNameError(self.unknown_message(name))

    def unknown_message(self, name: object) -> str:
        valid = ", ".join(sorted(self._items))
        if not isinstance(name, str):
            return f"A {self.kind} must be named by a string; got {name!r}. Valid names: {valid}."
        close = difflib.get_close_matches(name, list(self._items), n=1, cutoff=0.5)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        return f"Unknown {self.kind} '{name}'.{hint} Valid names: {valid}."

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def __len__(self) -> int:
        return len(self._items)


def import_submodules(package: str, skip: tuple[str, ...] = ()) -> None:
    """Import every module of a package so that its plug-ins register themselves.

    A new path method, metric, dataset, family, CLI command or demo section is one new file:
    no list to edit. Modules must import heavy or optional libraries lazily.
    """
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name in skip:
            continue
        importlib.import_module(f"{package}.{info.name}")
