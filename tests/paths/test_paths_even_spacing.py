"""Even spacing: every step changes the decoded frame by the same amount, for every method."""

from __future__ import annotations

import pytest
import torch

from latentwalk.metrics import step_distances
from latentwalk.pipeline.spacing import even_spacing


class Lingering(torch.nn.Module):
    """A decoder that holds still and then switches: a steep sigmoid along the first axis."""

    latent_shape = (2,)
    data_shape = (1, 2, 2)
    prior = "gaussian"

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        s = torch.sigmoid(8 * z[:, :1])
        return torch.cat([s, 1 - s, s * 0.5, s * 0.25 + 0 * z[:, 1:]], 1).reshape(-1, 1, 2, 2)


@pytest.mark.parametrize("method", ["lerp", "slerp", "matched", "spline"])
def test_even_steps(method: str) -> None:
    m = Lingering()
    z0, z1 = torch.tensor([-2.0, 0.3]), torch.tensor([2.0, 0.5])
    z, frames, ts = even_spacing(m, z0, z1, method, 9, oversample=32)
    steps = step_distances(frames)
    assert float(steps.max() / steps.min()) < 1.1
    assert torch.equal(z[0], z0) and torch.equal(z[-1], z1) and ts[0] == 0 and ts[-1] == 1
    uniform = step_distances(m.decode(torch.stack([z0 + (z1 - z0) * t for t in torch.linspace(0, 1, 9)])))
    assert float(uniform.max() / uniform.min()) > 3  # the problem it solves


@pytest.mark.parametrize("method", ["lerp", "crossfade", "spline", "geodesic"])
def test_even_schedule_in_run_walk(tiny_vae: torch.nn.Module, method: str) -> None:
    from latentwalk.data import resolve_item
    from latentwalk.pipeline import run_walk

    items = [resolve_item(s, (1, 16, 16)) for s in ("digits:0", "digits:1", "digits:2")]
    for loop in (False, True):
        mw = run_walk(tiny_vae, items, [method], 7, schedule="even", loop=loop, metrics=["smoothness"]).walks[method]
        assert mw.frames.shape[0] == 7 and float(mw.ts[0]) == 0 and bool((mw.ts[1:] >= mw.ts[:-1]).all())
