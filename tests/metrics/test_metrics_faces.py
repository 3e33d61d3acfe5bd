"""The faces metric: factor monotonicity and off-manifold distance along a walk."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from latentwalk.data import faces as F
from latentwalk.data import get_dataset
from latentwalk.factors import recoverer_for
from latentwalk.metrics import METRICS, WalkView, compute_metrics
from latentwalk.metrics.faces import factor_monotonicity, middle_third, monotonicity

T = 9


def _face(seed: int) -> dict[str, float]:
    f = F.sample_factors(1, np.random.default_rng(seed))
    return {k: float(v[0]) for k, v in f.items()}


def _walk(values: dict[str, torch.Tensor]) -> WalkView:
    frames = F.render_faces(values)
    return WalkView(frames=frames, ts=torch.linspace(0, 1, len(frames)),
                    ground_truth=get_dataset("faces").ground_truth())


def _with(base: dict[str, float], **curves: torch.Tensor) -> dict[str, torch.Tensor]:
    n = len(next(iter(curves.values())))
    out = {k: torch.full((n,), v) for k, v in base.items()}
    out.update(curves)
    return out


def test_monotonicity_helpers() -> None:
    assert monotonicity(np.linspace(-1, 1, 9)) == pytest.approx(1.0)
    assert monotonicity(np.array([0.0, 1.0, 0.5])) == pytest.approx(0.5 / 1.5)
    assert factor_monotonicity({"smile": np.zeros(5)}) is None  # nothing changed: undefined
    assert middle_third(9) == slice(3, 6) and middle_third(2) == slice(0, 2)


def test_linear_smile_walk_is_monotone() -> None:
    base = {**_face(11), "yaw": 0.1, "glasses": 0.0}
    res = METRICS.get("faces")(_walk(_with(base, smile=torch.linspace(-0.8, 0.8, T))))
    assert res is not None
    assert res.summary["factor_monotonicity"] > 0.9
    smile = np.array(res.profile["smile"])
    assert smile[0] < -0.6 and smile[-1] > 0.6
    assert len(res.profile["off_manifold"]) == T


def test_there_and_back_is_not_monotone() -> None:
    base = {**_face(12), "glasses": 0.0}
    smile = torch.cat([torch.linspace(-0.8, 0.8, 6), torch.linspace(0.5, -0.4, 4)])
    res = METRICS.get("faces")(_walk(_with(base, smile=smile)))
    assert res is not None
    assert res.summary["factor_monotonicity"] < 0.4  # net 0.4 of about 2.8 travelled


def test_crossfade_is_further_off_the_manifold_than_clean_faces() -> None:
    a, b = {**_face(21), "glasses": 0.0}, {**_face(22), "glasses": 1.0}
    t = torch.linspace(0, 1, T)
    clean = {k: a[k] + (b[k] - a[k]) * t for k in F.CONTINUOUS} | {"glasses": (t > 0.5).float()}
    xa, xb = F.render_faces(_with(a, smile=torch.tensor([a["smile"]]))), F.render_faces(_with(b, smile=torch.tensor([b["smile"]])))
    fade = (1 - t)[:, None, None, None] * xa + t[:, None, None, None] * xb  # the double exposure
    gt = get_dataset("faces").ground_truth()
    walk = compute_metrics(WalkView(frames=F.render_faces(clean), ts=t, ground_truth=gt), ["faces"])["faces"]
    cross = compute_metrics(WalkView(frames=fade, ts=t, ground_truth=gt), ["faces"])["faces"]
    assert cross.summary["mid_off_manifold"] > 2 * walk.summary["mid_off_manifold"]
    assert cross.summary["mid_off_manifold"] > cross.summary["mean_off_manifold"]  # clean ends, fuzzy middle


def test_metric_applies_to_faces_only() -> None:
    frames = F.render_faces(_with(_face(3), smile=torch.tensor([0.0, 0.5])))
    ts = torch.tensor([0.0, 1.0])
    assert METRICS.get("faces")(WalkView(frames=frames, ts=ts)) is None
    lines = get_dataset("lines")
    line_frames = lines.load().x[:2]
    assert METRICS.get("faces")(WalkView(frames=line_frames, ts=ts, ground_truth=lines.ground_truth())) is None


def test_faces_recoverer_is_registered() -> None:
    rec = recoverer_for("faces")
    assert set(rec.factors) == set(F.FACTORS)
    assert rec.factors["smile"].kind == "continuous" and rec.factors["smile"].scale == 2.0
    assert rec.factors["glasses"].scale == 1.0
    out = rec.recover(F.render_faces(_with(_face(5), smile=torch.tensor([-0.9, 0.9]))))
    assert out["smile"].dtype == torch.float64 and float(out["smile"][1] - out["smile"][0]) > 1.4
