"""Extreme values and bad arguments: never NaN for finite codes, never a raw Python error.

Codes are drawn with huge magnitudes (float32 up to 1e38), tiny ones (subnormals, zeros) and as
parallel, antiparallel or equal pairs. Entries are capped so that every true answer is
representable (a norm of at most sqrt(6) * 1e38 < 3.4e38 for float32), so every result must be
finite, with exact endpoints, shape (B, T, *L) and the input's dtype.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latentwalk import PATHS, interpolate, keyframe_walk
from latentwalk.errors import InvalidParameterError, UnknownNameError
from latentwalk.paths import schedule_ts
from latentwalk.paths.geodesic import GeodesicWarning, geodesic_path
from latentwalk.paths.mix import analogy, corner_grid, mix

PAIR = [m for m in PATHS if not PATHS.get(m).needs_decoder]
LATENT = [m for m in PAIR if PATHS.get(m).space == "latent"]
DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
SHAPES = [(1,), (3,), (6,), (2, 3)]  # at most 6 entries per code: see the module docstring
F32_MAX = torch.finfo(torch.float32).max


def cap(dtype: torch.dtype) -> float:
    """The largest entry drawn: 1e38 for float32 (the issue's value), a quarter of the range otherwise."""
    c = 1e38 if dtype == torch.float32 else torch.finfo(dtype).max / 4
    return float(torch.tensor(c, dtype=dtype))  # exactly representable, as hypothesis asks


def entries(dtype: torch.dtype) -> st.SearchStrategy[float]:
    info, c = torch.finfo(dtype), cap(dtype)
    width = {torch.float16: 16, torch.float32: 32}.get(dtype, 64)
    special = [0.0, -0.0, c, -c, info.tiny, -info.tiny, info.tiny * info.eps, -info.tiny * info.eps, 1.0]
    return st.one_of(st.floats(-c, c, allow_nan=False, width=width), st.sampled_from(special))


@st.composite
def pairs(draw: st.DrawFn) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, *L) codes z0, z1: free, parallel, antiparallel, equal, or against a zero code."""
    dtype = draw(st.sampled_from(DTYPES))
    shape = (draw(st.integers(1, 2)), *draw(st.sampled_from(SHAPES)))
    n = math.prod(shape)

    def code() -> torch.Tensor:
        return torch.tensor(draw(st.lists(entries(dtype), min_size=n, max_size=n)), dtype=dtype).reshape(shape)

    z0 = code()
    kind = draw(st.sampled_from(["free", "parallel", "antiparallel", "equal", "zero"]))
    shrink = 2.0 ** draw(st.integers(0, 30))  # a power of two: the pair stays exactly (anti)parallel
    z1 = {
        "free": code,
        "parallel": lambda: z0 / shrink,
        "antiparallel": lambda: -z0 / shrink,
        "equal": z0.clone,
        "zero": lambda: torch.zeros_like(z0),
    }[kind]()
    return (z1, z0) if draw(st.booleans()) else (z0, z1)


ts = st.lists(st.floats(0, 1, allow_nan=False), min_size=0, max_size=8).map(
    lambda v: torch.tensor([0.0, 1.0, *v])  # the endpoints are always asked for
)


def assert_walk(z: torch.Tensor, z0: torch.Tensor, z1: torch.Tensor, t: torch.Tensor) -> None:
    assert z.shape == (z0.shape[0], len(t), *z0.shape[1:])
    assert z.dtype == z0.dtype
    assert bool(torch.isfinite(z.double()).all())
    assert torch.equal(z[:, 0], z0) and torch.equal(z[:, 1], z1)


# --- every pair method on extreme codes ----------------------------------------------------------


@settings(max_examples=250, deadline=None)
@given(pair=pairs(), t=ts, method=st.sampled_from(PAIR))
def test_extreme_codes_finite_with_exact_endpoints(pair: tuple[torch.Tensor, torch.Tensor], t: torch.Tensor, method: str) -> None:
    z0, z1 = pair
    assert_walk(interpolate(z0, z1, t, method), z0, z1, t)


def tanh_decoder(z: torch.Tensor) -> torch.Tensor:
    """A toy decoder that stays finite however large the code (B, D) -> (B, 2D)."""
    return torch.cat([torch.tanh(z), torch.tanh(z / 3)], dim=1)


@settings(max_examples=20, deadline=None)
@given(pair=pairs(), t=ts, init=st.sampled_from(["lerp", "slerp"]))
def test_geodesic_extreme_codes(pair: tuple[torch.Tensor, torch.Tensor], t: torch.Tensor, init: str) -> None:
    z0, z1 = (z.flatten(1) for z in pair)  # the toy decoder takes flat codes
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeodesicWarning)
        z = interpolate(z0, z1, t, "geodesic", decoder=tanh_decoder, max_iter=3, n_nodes=4, n_basis=2, init=init)
    assert_walk(z, z0, z1, t)


@pytest.mark.parametrize("init", ["lerp", "slerp"])
@pytest.mark.parametrize(
    "decoder", [tanh_decoder, lambda z: torch.cat([z, 2 * z], dim=1)], ids=["bounded", "overflowing"]
)
def test_geodesic_huge_codes_fall_back_to_their_start(init: str, decoder: Any) -> None:
    """A decoder whose output (or energy) overflows cannot be optimised: its start is returned, and said so."""
    z0 = torch.tensor([[3e38, -2e38, 1e38], [1e38, -1e38, 0.0]])
    z1 = torch.tensor([[-1e38, 3e38, 2e38], [-1e38, 1e38, 0.0]])
    t = torch.linspace(0, 1, 9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeodesicWarning)
        r = geodesic_path(z0, z1, t, decoder, max_iter=5, n_nodes=4, init=init)
    assert r.z.shape == (2, 9, 3) and bool(torch.isfinite(r.z).all())
    assert torch.equal(r.z[:, 0], z0) and torch.equal(r.z[:, -1], z1)
    if decoder is not tanh_decoder:
        assert not r.report.converged and "too large to measure" in r.report.note


# --- keyframe routes (a spline's route, every other method per segment) ----------------------------


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    k=st.integers(2, 4),
    method=st.sampled_from(LATENT),
    loop=st.booleans(),
    schedule=st.sampled_from(["uniform", "ease-in-out"]),
)
def test_keyframe_routes_on_extreme_codes(data: st.DataObject, k: int, method: str, loop: bool, schedule: str) -> None:
    dtype = data.draw(st.sampled_from(DTYPES))
    d = data.draw(st.integers(1, 4))  # norms <= 2 * 1e38, a spline's overshoot stays below 3.4e38
    values = data.draw(st.lists(entries(dtype), min_size=k * d, max_size=k * d))
    keys = torch.tensor(values, dtype=dtype).reshape(k, d)
    m = PATHS.get(method)
    steps = k * 4 if loop else (k - 1) * 4 + 1  # frame 4 i is key i
    z, pos = keyframe_walk(keys, steps, m.fn, schedule, loop, m.route)
    assert z.shape == (steps, d) and z.dtype == dtype and pos.shape == (steps,)
    assert bool(torch.isfinite(z.double()).all())
    for i in range(k):
        assert torch.equal(z[min(4 * i, steps - 1)], keys[i])


# --- the largest float itself: rounding must not turn it into inf ----------------------------------


@pytest.mark.parametrize("method", PAIR)
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_largest_float_stays_finite(method: str, sign: float) -> None:
    z = torch.full((2, 5), sign * F32_MAX)
    out = interpolate(z, z.clone(), torch.rand(33, generator=torch.Generator().manual_seed(0)), method)
    if method == "matched":  # its midpoints are sqrt(2) larger: not representable, but never NaN
        assert not bool(out.isnan().any())
    else:
        assert bool(torch.isfinite(out).all())
        assert torch.allclose(out.double(), torch.full_like(out, sign * F32_MAX, dtype=torch.float64), rtol=1e-6)


@pytest.mark.parametrize("method", PAIR)
def test_opposite_largest_floats_never_nan(method: str) -> None:
    z0 = torch.tensor([[F32_MAX, -F32_MAX, 1.0]])
    out = interpolate(z0, -z0, torch.linspace(0, 1, 17), method)
    assert not bool(out.isnan().any())
    assert torch.equal(out[:, 0], z0) and torch.equal(out[:, -1], -z0)


def test_subnormal_codes_slerp_on_their_own_sphere() -> None:
    """Dividing by a power of two also lifts tiny codes: slerp no longer degrades to lerp below 1e-12."""
    tiny = 2.0**-140
    z0, z1 = torch.tensor([[tiny, 0.0]]), torch.tensor([[0.0, tiny]])
    mid = interpolate(z0, z1, torch.tensor([0.5]), "slerp")[0, 0]
    assert mid.double().norm().item() == pytest.approx(tiny, rel=1e-2, abs=0)


def test_mix_and_grid_of_huge_codes() -> None:
    corners = torch.tensor([[1e38, -1e38], [-1e38, 1e38], [1e38, 1e38], [-1e38, -1e38]])
    g = corner_grid(corners, 5, 5)
    assert bool(torch.isfinite(g).all()) and torch.equal(g[0, 0], corners[0])
    q = analogy(corners[0], corners[1], corners[2])
    assert bool(torch.isfinite(q).all())
    big = torch.tensor([[F32_MAX], [F32_MAX], [-F32_MAX]])  # M + M - M: the partial sum M + M overflows
    assert mix(big, torch.ones(3), "linear").item() == pytest.approx(F32_MAX, rel=1e-6)


# --- bad arguments: InvalidParameterError with a message that teaches ------------------------------

Z = torch.zeros(2, 3)
T = torch.linspace(0, 1, 3)


@pytest.mark.parametrize(
    "t",
    ["abc", None, 1 + 2j, [[0.1, 0.2]], True, [True, False], torch.tensor([True, False]), [0.5, "x"], {"a": 1},
     torch.tensor([0.5j]), [], object(), 0.5],
    ids=repr,
)
def test_bad_t(t: Any) -> None:
    with pytest.raises(InvalidParameterError, match=r"The 't' parameter of interpolate must be .*Got .* instead"):
        interpolate(Z, Z + 1, t, "slerp")


@pytest.mark.parametrize("method", [None, 3, ["slerp"], b"slerp", 1.5])
def test_method_must_be_a_string(method: Any) -> None:
    with pytest.raises(InvalidParameterError, match=r"The 'method' parameter of interpolate must be a str among .*slerp"):
        interpolate(Z, Z + 1, T, method)


def test_unknown_method_name_is_the_registry_error() -> None:
    with pytest.raises(UnknownNameError) as err:
        interpolate(Z, Z + 1, T, "slerpp")
    assert str(err.value).startswith("Unknown path method 'slerpp'. Did you mean 'slerp'?")


@pytest.mark.parametrize("method", PAIR)
def test_unknown_keyword_is_named(method: str) -> None:
    with pytest.raises(InvalidParameterError, match=rf"'{method}' got unexpected keyword argument\(s\) 'foo'.*valid keywords: none"):
        interpolate(Z, Z + 1, T, method, foo=1)


def test_unknown_geodesic_keyword_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidParameterError, match=r"'geodesic' got unexpected .* 'foo'.*decoder, reports, n_nodes"):
        interpolate(Z, Z + 1, T, "geodesic", decoder=tanh_decoder, foo=1)


@pytest.mark.parametrize(
    ("option", "value", "match"),
    [
        ("n_nodes", "3", "'n_nodes' parameter of geodesic must be an int"),
        ("n_nodes", 2.5, "'n_nodes' parameter of geodesic must be an int"),
        ("n_basis", True, "'n_basis' parameter of geodesic must be an int"),
        ("max_iter", 0, r"'max_iter' parameter of geodesic must be an int in the range \[1, 100000\]"),
        ("tol", "x", "'tol' parameter of geodesic must be a float"),
        ("tol", -1.0, "'tol' parameter of geodesic must be a float"),
        ("tol", float("nan"), "'tol' parameter of geodesic must be a float"),
        ("strict", "yes", "'strict' parameter of geodesic must be an instance of bool"),
        ("init", None, "'init' parameter of geodesic must be one of 'lerp', 'slerp'"),
        ("init", ["lerp"], "'init' parameter of geodesic must be one of"),
        ("parametrize", 3, "'parametrize' parameter of geodesic must be one of 'arclength', 'uniform'"),
        ("reports", {}, "'reports' parameter of geodesic must be a list or None"),
        ("waypoints", "x", "`waypoints` must be a finite tensor"),
        ("waypoints", torch.zeros(3, 1, 3), "`waypoints` must be a finite tensor"),  # batch 3 for 2 pairs
        ("decoder", "decode", "decoder=model.decode"),
    ],
)
def test_geodesic_option_of_the_wrong_type(option: str, value: Any, match: str) -> None:
    options: dict[str, Any] = {"decoder": tanh_decoder, "max_iter": 2, option: value}
    with pytest.raises(InvalidParameterError, match=match):
        interpolate(Z, Z + 1, T, "geodesic", **options)


def test_geodesic_path_checks_its_own_inputs() -> None:
    with pytest.raises(InvalidParameterError, match="The 't' parameter of geodesic"):
        geodesic_path(Z, Z + 1, "abc", tanh_decoder)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="z0 and z1"):
        geodesic_path(Z, torch.zeros(2, 4), T, tanh_decoder)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"extrapolate": "yes"}, "'extrapolate' parameter of interpolate must be an instance of bool"),
        ({"z0": [0.0, 1.0]}, "'z0' parameter of interpolate must be a floating-point torch.Tensor. Got list"),
        ({"z1": torch.zeros(2, 3, dtype=torch.long)}, "'z1' parameter of interpolate .* Got torch.int64"),
    ],
)
def test_other_interpolate_arguments(kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"z0": Z, "z1": Z + 1, "t": T, "method": "lerp", **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        interpolate(**args)


@pytest.mark.parametrize(
    ("a", "b", "c", "match"),
    [
        (torch.zeros(4), torch.zeros(5), torch.zeros(4), "must share shape and dtype"),
        (torch.zeros(2, 4), torch.zeros(4), torch.zeros(2, 4), "must share shape and dtype"),
        (torch.zeros(4), torch.zeros(4, dtype=torch.float64), torch.zeros(4), "must share shape and dtype"),
        ([0.0, 1.0], torch.zeros(2), torch.zeros(2), "'a' parameter of analogy must be a floating-point"),
        (torch.zeros(2), torch.zeros(2), torch.zeros(2, dtype=torch.int32), "'c' parameter of analogy"),
    ],
)
def test_bad_analogy(a: Any, b: Any, c: Any, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        analogy(a, b, c)


@pytest.mark.parametrize("mode", [None, "foo", ["matched"]])
def test_bad_analogy_mode(mode: Any) -> None:
    with pytest.raises(InvalidParameterError, match="'mode' parameter of mix must be 'matched' or 'linear'"):
        analogy(torch.zeros(2), torch.ones(2), torch.ones(2), mode)


@pytest.mark.parametrize("side", ["rows", "cols"])
@pytest.mark.parametrize("value", [0, -3, 1, 65, 10**9, 2.5, "3", None, True])
def test_bad_grid_size(side: str, value: Any) -> None:
    sizes: dict[str, Any] = {"rows": 4, "cols": 4, side: value}
    with pytest.raises(InvalidParameterError, match=rf"The '{side}' parameter of corner_grid must be an int in the range \[2, 64\]"):
        corner_grid(torch.randn(4, 3), **sizes)


@pytest.mark.parametrize(
    ("weights", "match"), [("abc", "`weights` must be finite"), ([1.0, 2.0], "N = 3"), ([[1.0, float("nan"), 0.0]], "finite")]
)
def test_bad_mix_weights(weights: Any, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        mix(torch.randn(3, 2), weights)


# --- schedules and keyframe walks ------------------------------------------------------------------


def test_unknown_schedule_suggests_the_closest() -> None:
    with pytest.raises(UnknownNameError) as err:
        schedule_ts(5, "ease-in")
    assert str(err.value) == "Unknown t-schedule 'ease-in'. Did you mean 'ease-in-out'? Valid names: ease-in-out, even, uniform."
    with pytest.raises(UnknownNameError, match="Did you mean 'uniform'"):
        keyframe_walk(torch.randn(2, 3), 5, PATHS.get("lerp").fn, "unifrom")


@pytest.mark.parametrize("schedule", [None, 3, ["uniform"]])
def test_schedule_must_be_a_string(schedule: Any) -> None:
    with pytest.raises(InvalidParameterError, match="The 'schedule' parameter of schedule_ts must be a str among"):
        schedule_ts(5, schedule)
    with pytest.raises(InvalidParameterError, match="The 'schedule' parameter of keyframe_walk must be a str"):
        keyframe_walk(torch.randn(2, 3), 5, PATHS.get("lerp").fn, schedule)


@pytest.mark.parametrize("steps", [0, 1, -5, 2.5, "5", None, True, 10**6])
def test_bad_steps(steps: Any) -> None:
    with pytest.raises(InvalidParameterError, match=r"The 'steps' parameter of schedule_ts must be an int in the range \[2, 4096\]"):
        schedule_ts(steps)
    with pytest.raises(InvalidParameterError, match=r"The 'steps' parameter of keyframe_walk must be an int in the range \[2, 4096\]"):
        keyframe_walk(torch.randn(2, 3), steps, PATHS.get("lerp").fn)


def test_bad_schedule_dtype() -> None:
    with pytest.raises(InvalidParameterError, match="'dtype' parameter of schedule_ts must be a floating-point"):
        schedule_ts(5, dtype=torch.int64)


@pytest.mark.parametrize(
    ("codes", "kwargs", "match"),
    [
        (torch.randn(1, 3), {}, "'codes' parameter of keyframe_walk .* K >= 2. Got shape \\(1, 3\\)"),
        (torch.randn(3), {}, "'codes' parameter of keyframe_walk"),
        ([[0.0], [1.0]], {}, "'codes' parameter of keyframe_walk .* Got list"),
        (torch.tensor([[0.0], [float("inf")]]), {}, "finite"),
        (torch.randn(2, 3), {"loop": "yes"}, "'loop' parameter of keyframe_walk must be an instance of bool"),
        (torch.randn(2, 3), {"path": "lerp"}, "callable"),
    ],
)
def test_bad_keyframe_walk(codes: Any, kwargs: dict[str, Any], match: str) -> None:
    args: dict[str, Any] = {"steps": 5, "path": PATHS.get("lerp").fn, **kwargs}
    with pytest.raises(InvalidParameterError, match=match):
        keyframe_walk(codes, **args)
