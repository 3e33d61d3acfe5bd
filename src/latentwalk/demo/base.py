"""The demo's sections: each one adds pictures, numbers and prose to the report.

A section is a function `(ctx: DemoContext) -> None` registered with an order number; later
features (sound, other model families, factors, better paths) add a file here with their own
section instead of editing the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from latentwalk.render import Report


@dataclass
class DemoContext:
    out: Path  # the (staging) output folder; write files under it, link them relatively
    report: Report
    seed: int = 0
    progress: bool = True
    options: dict[str, Any] = field(default_factory=dict)  # for sections registered with opt_in
    summary: list[list[str]] = field(default_factory=list)  # rows for the terminal table
    manifest: dict[str, Any] = field(default_factory=dict)  # per-section records
    timings: dict[str, float] = field(default_factory=dict)


Section = Callable[[DemoContext], None]


@dataclass(frozen=True)
class SectionEntry:
    name: str
    order: int
    fn: Section
    opt_in: str | None = None  # an option name that must be true for the section to run
    models: tuple[str, ...] = ()  # built-in models it uses: trained up front, in parallel


SECTIONS: dict[str, SectionEntry] = {}


def register_section(
    name: str, order: int, opt_in: str | None = None, models: tuple[str, ...] = ()
) -> Callable[[Section], Section]:
    def deco(fn: Section) -> Section:
        if name in SECTIONS:
            raise ValueError(f"demo section '{name}' is registered twice")
        SECTIONS[name] = SectionEntry(name, order, fn, opt_in, tuple(models))
        return fn

    return deco


def ordered_sections() -> list[SectionEntry]:
    return sorted(SECTIONS.values(), key=lambda s: (s.order, s.name))
