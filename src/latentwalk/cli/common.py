"""Options and helpers shared by the commands."""

from __future__ import annotations

from typing import Any

import click

from latentwalk.api import ground_truth_for, reference_for

__all__ = ["SEED", "check_out", "engine_options", "ground_truth_for", "output_options", "progress_option", "reference_for"]


def progress_option(f: Any) -> Any:
    return click.option("--quiet", "-q", is_flag=True, help="No progress bars.")(f)


SEED = click.IntRange(0, 2**63 - 1)
"""Seeds are what torch.Generator.manual_seed takes."""


def output_options(f: Any) -> Any:
    """--out and --force, shared by every command that writes a folder."""
    f = click.option("--force", is_flag=True,
                     help="Write into a folder that holds other files too; never deletes or overwrites files "
                          "latentwalk did not write.")(f)
    return click.option("--out", "-o", required=True, type=click.Path(), help="Output folder (new, empty, or one "
                        "latentwalk wrote before).")(f)


def check_out(out: str, force: bool) -> None:
    """Refuse an unsafe --out before any work (the same check runs again when the folder is written)."""
    from latentwalk.files import check_output

    check_output(out, force)


def device_option(f: Any) -> Any:
    return click.option("--device", default=None, help="Where the model runs: cpu (default), cuda, cuda:1, mps.")(f)


def engine_options(f: Any) -> Any:
    """--engine, --workers and --address, shared by the commands that run many walks (sweep, evaluate)."""
    f = click.option("--address", default=None, help="A Ray cluster to join, HOST:PORT (with --engine ray); without "
                     "it Ray starts on this machine.")(f)
    f = click.option("--workers", type=int, default=None, help="Worker processes (default: one per core).")(f)
    return click.option("--engine", default="local", show_default=True, help="Where the walks run: local (a process "
                        "per core), ray (pip install 'latentwalk[ray]'), or serial (one shard at a time, here).")(f)
