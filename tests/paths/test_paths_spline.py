"""The keyframe spline: through every keyframe, C1, on the shell, and a loop without a seam."""

from __future__ import annotations

import torch

from latentwalk import PATHS, keyframe_walk
from latentwalk.paths.spline import shell_spline

SPLINE = PATHS.get("spline")


def keys(k: int = 5, d: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.randn(k, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_passes_through_every_keyframe() -> None:
    k = keys()
    z, _ = keyframe_walk(k, 4 * 4 + 1, SPLINE.fn, route=SPLINE.route)  # frames 0, 4, 8, ... are keys
    for i in range(5):
        assert torch.equal(z[4 * i], k[i])


def _one_sided(k: torch.Tensor, s: float, loop: bool, h: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    pts = shell_spline(k[None], torch.tensor([s - h, s, s + h], dtype=torch.float64), loop)[0]
    return (pts[1] - pts[0]) / h, (pts[2] - pts[1]) / h


def test_c1_at_interior_keyframes() -> None:
    k = keys()
    for s in (1.0, 2.0, 3.0):
        left, right = _one_sided(k, s, loop=False)
        assert torch.allclose(left, right, rtol=1e-3, atol=1e-3 * float(left.norm()))


def test_loop_closes_without_a_jump_and_is_c1_at_the_seam() -> None:
    k = keys(4)
    end = shell_spline(k[None], torch.tensor([4.0 - 1e-9, 0.0], dtype=torch.float64), True)[0]
    assert torch.allclose(end[0], end[1], atol=1e-6)
    # velocity just before the seam (s -> 4) equals the velocity just after it (s = 0+)
    before = shell_spline(k[None], torch.tensor([4.0 - 1e-5, 4.0 - 1e-10], dtype=torch.float64), True)[0]
    after = shell_spline(k[None], torch.tensor([0.0, 1e-5], dtype=torch.float64), True)[0]
    v0, v1 = (before[1] - before[0]) / (1e-5 - 1e-10), (after[1] - after[0]) / 1e-5
    assert torch.allclose(v0, v1, rtol=1e-3, atol=1e-3 * float(v0.norm()))
    z, _ = keyframe_walk(k, 40, SPLINE.fn, loop=True, route=SPLINE.route)
    steps = (torch.roll(z, -1, 0) - z).norm(dim=1)
    assert float(steps[-1]) < 2 * float(steps.median())  # the step back to the start is no jump


def test_stays_on_the_shell_of_equal_norm_keys() -> None:
    k = keys(6, 32)
    k = k / k.norm(dim=1, keepdim=True) * 32**0.5
    s = torch.linspace(0, 5, 101, dtype=torch.float64)
    norms = shell_spline(k[None], s, False)[0].norm(dim=1)
    assert torch.allclose(norms, torch.full_like(norms, 32**0.5), rtol=1e-6)


def test_opposite_keys_give_no_nan() -> None:
    k = torch.tensor([[1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]])
    z, _ = keyframe_walk(k, 21, SPLINE.fn, route=SPLINE.route, loop=True)
    assert torch.isfinite(z).all()


def test_walk_via_keyframes_with_easing(tiny_vae: torch.nn.Module) -> None:
    from latentwalk.data import resolve_item
    from latentwalk.pipeline import run_walk

    items = [resolve_item(s, (1, 16, 16)) for s in ("digits:0", "digits:1", "digits:2")]
    res = run_walk(tiny_vae, items, ["spline"], 12, schedule="ease-in-out", loop=True, metrics=["smoothness"])
    assert res.walks["spline"].codes.shape == (12, 4)
