"""Options and helpers shared by the commands."""

from __future__ import annotations

from typing import Any

import click

from latentwalk.data import DATASETS, get_dataset


def ground_truth_for(meta: dict[str, Any]) -> Any:
    """The dataset's ground truth when the model was trained on a dataset that has one."""
    name = (meta.get("trained_on") or {}).get("dataset")
    if name in DATASETS:
        return get_dataset(name).ground_truth()
    return None


def reference_for(meta: dict[str, Any]) -> Any:
    """The training data of a model trained on an embedded dataset, for the realism metric."""
    name = (meta.get("trained_on") or {}).get("dataset")
    if name in DATASETS:
        return get_dataset(name).load().x
    return None


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
