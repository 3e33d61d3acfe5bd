"""One conformance suite over every registered path method (like sklearn's parametrize_with_checks)."""

from __future__ import annotations

import pytest
import torch

from latentwalk import PATHS, SCHEDULES, interpolate, keyframe_walk
from latentwalk.errors import InvalidParameterError, UnknownNameError
from latentwalk.paths import schedule_ts
from latentwalk.paths.schedules import DecodedSchedule

METHODS = list(PATHS)  # every registered method, the decoder-optimised geodesic included


def walk(z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor, method: str, **kw: object) -> torch.Tensor:
    """interpolate, with a small decoder and budget for the methods that optimise through one."""
    if PATHS.get(method).needs_decoder:
        dtype = torch.float64 if z0.dtype == torch.float64 else torch.float32  # the dtype the method computes in
        torch.manual_seed(0)
        dec = torch.nn.Sequential(torch.nn.Flatten(1), torch.nn.LazyLinear(8), torch.nn.Tanh())
        dec(torch.zeros(1, *z0.shape[1:]))  # materialise the lazy layer for this latent shape
        dec = dec.to(dtype)
        kw = {"decoder": dec, "max_iter": 5, **kw}
    return interpolate(z0, z1, t, method, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("latent", [(8,), (2, 3, 4)])
def test_shapes_and_endpoints(method: str, latent: tuple[int, ...]) -> None:
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(5, *latent, generator=g), torch.randn(5, *latent, generator=g)
    t = torch.linspace(0, 1, 7)
    z = walk(z0, z1, t, method)
    assert z.shape == (5, 7, *latent)
    assert torch.equal(z[:, 0], z0) and torch.equal(z[:, -1], z1)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_dtype_kept(method: str, dtype: torch.dtype) -> None:
    z0, z1 = torch.randn(3, 16).to(dtype), torch.randn(3, 16).to(dtype)
    z = walk(z0, z1, torch.linspace(0, 1, 5), method)
    assert z.dtype == dtype and torch.isfinite(z.float()).all()


@pytest.mark.parametrize("method", METHODS)
def test_each_pair_walks_as_it_would_alone_and_the_global_rng_is_untouched(method: str) -> None:
    """Batching is an optimisation, not a change of result: row i of a batch equals the walk of
    pair i alone; and no method draws from (or reseeds) torch's global RNG."""
    g = torch.Generator().manual_seed(3)
    z0, z1 = torch.randn(4, 16, generator=g), torch.randn(4, 16, generator=g)
    t = torch.linspace(0, 1, 9)
    torch.manual_seed(99)
    state = torch.get_rng_state()
    batch = walk(z0, z1, t, method)
    alone = walk(z0[2:3], z1[2:3], t, method)
    if PATHS.get(method).needs_decoder:
        # The geodesic minimises the summed energy of the batch with one L-BFGS run, so a short run
        # differs from a lone one until both converge: only finiteness and the ends are shared.
        assert torch.isfinite(batch).all() and torch.equal(batch[2:3, [0, -1]], alone[:, [0, -1]])
        return
    assert torch.equal(torch.get_rng_state(), state)
    torch.testing.assert_close(batch[2:3], alone, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("method", METHODS)
def test_bad_input(method: str) -> None:
    z = torch.randn(2, 4)
    t = torch.linspace(0, 1, 3)
    with pytest.raises(InvalidParameterError, match="same shape"):
        walk(z, torch.randn(2, 5), t, method)
    with pytest.raises(InvalidParameterError, match="NaN"):
        walk(z, torch.full((2, 4), float("nan")), t, method)
    with pytest.raises(InvalidParameterError, match=r"\[0, 1\]"):
        walk(z, z, torch.tensor([0.0, 1.5]), method)
    with pytest.raises(InvalidParameterError, match="1-D"):
        walk(z, z, torch.zeros(2, 2), method)
    assert walk(z, z, torch.tensor([-0.5, 1.5]), method, extrapolate=True).shape == (2, 2, 4)


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
