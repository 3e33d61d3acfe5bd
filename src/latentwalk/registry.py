"""One registry per kind of plug-in (path methods, schedules, models, datasets, metrics, ...)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from latentwalk.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> object map whose misses list the valid names and suggest the closest one.

    With an entry-point `group` (pytest's `pytest11` way), another installed package adds to it
    without editing latentwalk: `[project.entry-points."latentwalk.paths"] wiggle = "pkg.mod:METHOD"`
    makes METHOD the entry 'wiggle'. They are loaded on the first look-up, after latentwalk's own."""

    def __init__(self, kind: str, group: str | None = None) -> None:
        self.kind = kind
        self.group = group
        self._items: dict[str, T] = {}
        self._plugins_loaded = group is None

    def _load_plugins(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        from importlib.metadata import entry_points

        for ep in sorted(entry_points(group=self.group or ""), key=lambda e: e.name):
            if ep.name in self._items:
                continue  # a plug-in never replaces latentwalk's own entry
            try:
                obj = ep.load()
            except Exception as exc:  # noqa: BLE001 - a broken plug-in must not break every command
                import warnings

                warnings.warn(f"plug-in '{ep.name}' ({ep.value}) of {self.group} failed to load: {exc}", stacklevel=2)
                continue
            if ep.name not in self._items:  # loading may have registered it itself
                self._items[ep.name] = obj

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
        self._load_plugins()
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
        self._load_plugins()
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        self._load_plugins()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())


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
