"""The demo's random-pair numbers are `latentwalk evaluate`'s: the same pairs, the same walk seeds,
means with a 95 % interval, and the crossfade always beside the latent walks."""

from __future__ import annotations

from pathlib import Path

import torch

from latentwalk.data import get_dataset
from latentwalk.demo.evaluation import pair_means, random_pairs
from latentwalk.models.model import as_model
from latentwalk.sweep.pairs import ModelPairs
from latentwalk.sweep.spec import RandomPairs


def test_the_demo_draws_the_pairs_evaluate_draws() -> None:
    mp = ModelPairs(RandomPairs(5), 7, "digits-vae", {"trained_on": {"dataset": "digits"}}, (1, 16, 16), "image", Path("."))
    want = [(p.a, p.b, p.seed) for p in (mp.pair(i) for i in range(5))]
    assert random_pairs("digits", len(get_dataset("digits").load().x), 7, 5) == want
    assert random_pairs("digits", 1797, 8, 5) != want  # another seed, other pairs


def test_pair_means_summarise_every_method_with_an_interval(tiny_vae: torch.nn.Module) -> None:
    ds = get_dataset("digits")
    ref = ds.load().x[:200]
    pm = pair_means(as_model(tiny_vae), "digits", ["lerp", "slerp"], 3, 0, 5, None, ref)
    assert set(pm.methods) == {"crossfade", "lerp", "slerp"}
    s = pm.methods["slerp"]["realism.middle_excess"]
    assert s["n"] == 3 and s["ci_low"] <= s["mean"] <= s["ci_high"]
    assert pm.cell("slerp", "realism.middle_excess").startswith(f"{s['mean']:.3g} [")
    assert pm.cell("slerp", "acai.mean_distance") == "–"  # no ground truth given: no ACAI numbers invented
