"""compute_metrics and the reconstruction metric: what runs, what is left out, what fails."""

from __future__ import annotations

import pytest
import torch

from latentwalk.errors import InvalidParameterError, UnknownNameError
from latentwalk.metrics import METRICS, WalkView, compute_metrics
from latentwalk.paths import PATHS, schedule_ts

W = torch.randn(16, 64, generator=torch.Generator().manual_seed(0))


def decode(z: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(z @ W / 4).reshape(-1, 1, 8, 8)


def _walk(**overrides: object) -> WalkView:
    z0, z1 = torch.randn(2, 1, 16, generator=torch.Generator().manual_seed(1))
    ts = schedule_ts(7)
    codes = PATHS.get("slerp").fn(z0, z1, ts)[0]
    inputs = torch.rand(2, 1, 8, 8, generator=torch.Generator().manual_seed(2))
    fields: dict[str, object] = {
        "frames": decode(codes),
        "ts": ts,
        "codes": codes,
        "prior": "gaussian",
        "inputs": inputs,
        "recon": decode(codes[[0, -1]]),
        "decode": decode,
        "method": "slerp",
    }
    fields.update(overrides)
    return WalkView(**fields)  # type: ignore[arg-type]


def test_every_applicable_metric_runs() -> None:
    results = compute_metrics(_walk())
    assert set(results) == {"smoothness", "typicality", "reconstruction", "ppl"}  # no ground truth: no acai
    assert set(results) <= set(METRICS.names())


def test_crossfade_walk_gets_only_frame_metrics() -> None:
    results = compute_metrics(_walk(codes=None, method="crossfade", inputs=None, recon=None))
    assert set(results) == {"smoothness"}


def test_reconstruction_error() -> None:
    walk = _walk()
    rec = compute_metrics(walk, ["reconstruction"])["reconstruction"].summary
    for key, i in (("recon_error_start", 0), ("recon_error_end", 1)):
        expected = (walk.inputs[i] - walk.recon[i]).double().pow(2).mean().sqrt()  # type: ignore[index]
        assert rec[key] == pytest.approx(float(expected))
    assert rec["recon_error_start"] != rec["recon_error_end"]
    perfect = compute_metrics(_walk(recon=_walk().inputs), ["reconstruction"])["reconstruction"].summary
    assert perfect == {"recon_error_start": 0.0, "recon_error_end": 0.0}


def test_distance_reaches_the_metrics() -> None:
    rms = compute_metrics(_walk(), ["smoothness"], distance="rms")["smoothness"].summary
    ssim = compute_metrics(_walk(), ["smoothness"], distance="ssim")["smoothness"].summary
    assert rms["path_length"] != ssim["path_length"]


def test_bad_input_raises() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'smoothness'"):
        compute_metrics(_walk(), ["smoothnes"])
    with pytest.raises(UnknownNameError, match="Did you mean 'rms'"):
        compute_metrics(_walk(), distance="rmse")
    with pytest.raises(InvalidParameterError, match="walk.ts"):
        compute_metrics(_walk(ts=torch.linspace(0, 1, 3)))
    with pytest.raises(InvalidParameterError, match="walk.codes"):
        compute_metrics(_walk(codes=torch.zeros(3, 16)))
    with pytest.raises(InvalidParameterError, match="WalkView"):
        compute_metrics({"frames": None})  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="names"):
        compute_metrics(_walk(), "smoothness")  # type: ignore[arg-type]
