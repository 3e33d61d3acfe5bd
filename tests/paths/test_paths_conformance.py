"""One conformance suite over every registered path method (like sklearn's parametrize_with_checks)."""

from __future__ import annotations

import pytest
import torch

from latentwalk import PATHS, SCHEDULES, interpolate, keyframe_walk
from latentwalk.errors import InvalidParameterError, UnknownNameError
from latentwalk.paths import schedule_ts
from latentwalk.paths.schedules import DecodedSchedule

METHODS = [m for m in PATHS if not PATHS.get(m).needs_decoder]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("latent", [(8,), (2, 3, 4)])
def test_shapes_and_endpoints(method: str, latent: tuple[int, ...]) -> None:
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(5, *latent, generator=g), torch.randn(5, *latent, generator=g)
    t = torch.linspace(0, 1, 7)
    z = interpolate(z0, z1, t, method)
    assert z.shape == (5, 7, *latent)
    assert torch.equal(z[:, 0], z0) and torch.equal(z[:, -1], z1)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_dtype_kept(method: str, dtype: torch.dtype) -> None:
    z0, z1 = torch.randn(3, 16).to(dtype), torch.randn(3, 16).to(dtype)
    z = interpolate(z0, z1, torch.linspace(0, 1, 5), method)
    assert z.dtype == dtype and torch.isfinite(z.float()).all()


@pytest.mark.parametrize("method", METHODS)
def test_deterministic(method: str) -> None:
    z0, z1 = torch.randn(3, 16), torch.randn(3, 16)
    t = torch.linspace(0, 1, 9)
    assert torch.equal(interpolate(z0, z1, t, method), interpolate(z0, z1, t, method))


@pytest.mark.parametrize("method", METHODS)
def test_bad_input(method: str) -> None:
    z = torch.randn(2, 4)
    t = torch.linspace(0, 1, 3)
    with pytest.raises(InvalidParameterError, match="same shape"):
        interpolate(z, torch.randn(2, 5), t, method)
    with pytest.raises(InvalidParameterError, match="NaN"):
        interpolate(z, torch.full((2, 4), float("nan")), t, method)
    with pytest.raises(InvalidParameterError, match=r"\[0, 1\]"):
        interpolate(z, z, torch.tensor([0.0, 1.5]), method)
    with pytest.raises(InvalidParameterError, match="1-D"):
        interpolate(z, z, torch.zeros(2, 2), method)
    assert interpolate(z, z, torch.tensor([-0.5, 1.5]), method, extrapolate=True).shape == (2, 2, 4)


def test_unknown_method_suggests_closest() -> None:
    with pytest.raises(UnknownNameError, match="Did you mean 'slerp'.*Valid names: crossfade, .*lerp, matched"):
        interpolate(torch.zeros(1, 2), torch.ones(1, 2), torch.tensor([0.5]), "slrep")


def test_unbatched_codes() -> None:
    z = interpolate(torch.zeros(4), torch.ones(4), torch.linspace(0, 1, 3), "lerp")
    assert z.shape == (3, 4) and torch.allclose(z[1], torch.full((4,), 0.5))


WARPS = [name for name in SCHEDULES if not isinstance(SCHEDULES.get(name), DecodedSchedule)]


@pytest.mark.parametrize("schedule", WARPS)
def test_schedules_monotone_with_exact_ends(schedule: str) -> None:
    t = schedule_ts(11, schedule)
    assert t[0] == 0 and t[-1] == 1 and bool((t[1:] >= t[:-1]).all())


def test_even_is_registered_through_its_entry_point_and_needs_a_model() -> None:
    assert "even" in SCHEDULES and isinstance(SCHEDULES.get("even"), DecodedSchedule)
    with pytest.raises(InvalidParameterError, match="computed from decoded frames"):
        schedule_ts(5, "even")


def test_ease_in_out_is_slow_at_the_ends() -> None:
    t = schedule_ts(21, "ease-in-out")
    assert float(t[1] - t[0]) < float(t[11] - t[10]) / 5


def test_keyframes_pass_through_each_key_without_duplicates() -> None:
    keys = torch.tensor([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
    z, pos = keyframe_walk(keys, 9, PATHS.get("lerp").fn)
    assert z.shape == (9, 2)
    assert torch.equal(z[0], keys[0]) and torch.equal(z[4], keys[1]) and torch.equal(z[-1], keys[2])
    assert len({tuple(v.tolist()) for v in z}) == 9
    assert torch.allclose(pos, torch.linspace(0, 1, 9))


def test_looped_keyframes_close_without_a_repeat() -> None:
    keys = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    z, _ = keyframe_walk(keys, 8, PATHS.get("lerp").fn, loop=True)
    assert torch.equal(z[0], keys[0]) and torch.equal(z[4], keys[1])
    # The step from the last frame back to the first equals every other step: no stutter.
    steps = (torch.roll(z, -1, 0) - z).norm(dim=1)
    assert torch.allclose(steps, steps[0].expand_as(steps))
