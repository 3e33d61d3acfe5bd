"""`latentwalk demo`: teach latent interpolation in a minute, with pictures and numbers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from latentwalk.demo.base import SECTIONS, DemoContext, ordered_sections, register_section
from latentwalk.registry import import_submodules
from latentwalk.render import Report

import_submodules(__name__)  # every section file registers itself

__all__ = ["SECTIONS", "DemoContext", "register_section", "run_demo"]

TITLE = "latentwalk demo: walking through latent space"
SUBTITLE = "Why interpolating codes beats mixing pixels, and how to tell a good walk from a bad one."


def run_demo(out: str | Path, seed: int = 0, progress: bool = True, options: dict[str, Any] | None = None,
             force: bool = False) -> DemoContext:
    """Run every section into a staged folder, then write index.html and manifest.json."""
    from latentwalk.models import prepare_builtins
    from latentwalk.pipeline.output import invocation, staged_output

    start = time.perf_counter()
    with staged_output(out, force, invocation()) as stage:
        tmp = stage.path
        ctx = DemoContext(tmp, Report(TITLE, SUBTITLE), seed, progress, dict(options or {}))
        sections = [e for e in ordered_sections() if not e.opt_in or ctx.options.get(e.opt_in)]
        prepare_builtins([m for e in sections for m in e.models], progress)  # cold cache: all at once
        ctx.timings["training"] = round(time.perf_counter() - start, 2)
        for entry in sections:
            t0 = time.perf_counter()
            entry.fn(ctx)
            ctx.timings[entry.name] = round(time.perf_counter() - t0, 2)
        ctx.timings["total"] = round(time.perf_counter() - start, 2)
        ctx.report.write(tmp / "index.html")
        stage.manifest.update({"seed": seed, "options": ctx.options, "timings_s": ctx.timings, "sections": ctx.manifest})
    ctx.out = Path(out)
    return ctx
