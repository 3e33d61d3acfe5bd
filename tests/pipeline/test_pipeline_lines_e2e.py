"""End to end on the ACAI lines benchmark: a trained VAE's SLERP walk beats the double exposure.

Slow-ish: trains the built-in lines-vae once (about a minute on 2 cores) into the test cache.
"""

from __future__ import annotations

import pytest

from latentwalk.api import load_model
from latentwalk.data import get_dataset, resolve_item
from latentwalk.pipeline import run_walk

PAIRS = [(0.3, 2.5), (1.0, 4.0), (2.0, 3.0), (4.5, 5.5), (0.5, 1.5), (3.0, 5.0)]


@pytest.fixture(scope="module")
def lines_vae():  # type: ignore[no-untyped-def]
    model = load_model("lines-vae", progress=False)
    return model


def acai_distances(model, a: float, b: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    items = [resolve_item(f"lines:angle={a}", (1, 32, 32)), resolve_item(f"lines:angle={b}", (1, 32, 32))]
    res = run_walk(model, items, ["crossfade", "slerp"], 9, ground_truth=get_dataset("lines").ground_truth(), metrics=["acai"])
    return {m: w.metrics["acai"].summary["mean_distance"] for m, w in res.walks.items()}


def test_slerp_walk_has_a_clearly_lower_acai_mean_distance_than_the_crossfade(lines_vae) -> None:  # type: ignore[no-untyped-def]
    d = acai_distances(lines_vae, 0.3, 2.5)
    assert d["slerp"] < 0.7 * d["crossfade"], d


def test_on_average_over_pairs(lines_vae) -> None:  # type: ignore[no-untyped-def]
    runs = [acai_distances(lines_vae, a, b) for a, b in PAIRS]
    slerp = sum(r["slerp"] for r in runs) / len(runs)
    crossfade = sum(r["crossfade"] for r in runs) / len(runs)
    assert slerp < 0.8 * crossfade, runs
