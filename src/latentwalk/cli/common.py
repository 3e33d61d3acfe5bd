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
