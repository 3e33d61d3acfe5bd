"""The pair methods' fast paths (chunks of pairs, the scale folded into the weights, huge-page output)
give the textbook maths, computed here in float64 one pair at a time."""

from __future__ import annotations

import math

import pytest
import torch

from latentwalk import interpolate
from latentwalk.paths import base
from latentwalk.paths.base import unscale

B, T, D = 10, 7, 12
CHUNK = 3  # pairs per chunk: B = 10 ends on a chunk of 1


def textbook(method: str, a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """(B, D), (B, D), (T,) -> (B, T, D) in float64, pair by pair.

    slerp: Shoemake's formula on the directions, with the norm going linearly (see paths/slerp.py)."""
    a, b, t = a.double(), b.double(), t.double()
    out = torch.empty(len(a), len(t), a.shape[1], dtype=torch.float64)
    for i in range(len(a)):
        if method == "lerp":
            out[i] = (1 - t)[:, None] * a[i] + t[:, None] * b[i]
        elif method == "matched":
            out[i] = ((1 - t)[:, None] * a[i] + t[:, None] * b[i]) / torch.sqrt((1 - t) ** 2 + t**2)[:, None]
        else:
            na, nb = a[i].norm(), b[i].norm()
            u0, u1 = a[i] / na, b[i] / nb
            omega = torch.arccos(torch.clamp(u0 @ u1, -1, 1))
            unit = (torch.sin((1 - t) * omega)[:, None] * u0 + torch.sin(t * omega)[:, None] * u1) / torch.sin(omega)
            out[i] = ((1 - t) * na + t * nb)[:, None] * unit
    return out


def codes(scale: float, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    z0, z1 = torch.randn(B, D, generator=g, dtype=torch.float64), torch.randn(B, D, generator=g, dtype=torch.float64)
    z1 = z1 * torch.rand(B, 1, generator=g, dtype=torch.float64) * 2  # unequal norms too
    return (z0 * scale).float(), (z1 * scale).float()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "CHUNK_BYTES", CHUNK * T * D * 4)


T_VALUES = torch.tensor([0.0, 0.1, 0.25, 0.5, 0.6, 0.9, 1.0])


# Which methods multiply each chunk back by its power of two (`unscale`) rather than taking the fast
# path: slerp when the scale cannot ride on its weights (tiny codes, s < 2^-103, or huge ones), lerp
# and matched only near the largest float (entries up to ~1e38 here).
SCALES = {"usual": (1.0, set()), "tiny": (1e-35, {"slerp"}), "huge": (3e37, {"slerp", "lerp", "matched"})}


@pytest.mark.parametrize("method", ["slerp", "lerp", "matched"])
@pytest.mark.parametrize("case", list(SCALES))
def test_chunked_paths_equal_the_textbook(
    small_chunks: None, monkeypatch: pytest.MonkeyPatch, method: str, case: str
) -> None:
    scale, rescaled = SCALES[case]
    calls = []

    def spy(y: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        calls.append(len(y))
        return unscale(y, s)

    monkeypatch.setattr(base, "unscale", spy)
    z0, z1 = codes(scale)
    z = interpolate(z0, z1, T_VALUES, method)
    assert calls == ([CHUNK, CHUNK, CHUNK, 1] if method in rescaled else [])  # B = 10 pairs, 3 a chunk
    ref = textbook(method, z0, z1, T_VALUES)
    assert z.dtype == torch.float32 and z.shape == (B, T, D)
    assert torch.allclose(z.double(), ref, rtol=1e-5, atol=1e-5 * scale)
    assert torch.equal(z[:, 0], z0) and torch.equal(z[:, -1], z1)


@pytest.mark.parametrize("method", ["slerp", "lerp", "matched", "crossfade"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_chunk_size_does_not_change_a_bit(monkeypatch: pytest.MonkeyPatch, method: str, dtype: torch.dtype) -> None:
    z0, z1 = (z.to(dtype) for z in codes(1.0, seed=1))
    t = torch.linspace(0, 1, T)
    whole = interpolate(z0, z1, t, method)
    for pairs in (1, CHUNK, B - 1):
        monkeypatch.setattr(base, "CHUNK_BYTES", pairs * T * D * base.compute_dtype(dtype).itemsize)
        assert torch.equal(interpolate(z0, z1, t, method), whole)


@pytest.mark.parametrize("method", ["slerp", "lerp", "matched"])
def test_half_precision_is_the_float32_result_rounded_once(small_chunks: None, method: str) -> None:
    z0, z1 = (z.half() for z in codes(1.0, seed=2))
    z = interpolate(z0, z1, T_VALUES, method)
    assert z.dtype == torch.float16
    assert torch.equal(z, interpolate(z0.float(), z1.float(), T_VALUES, method).half())


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
def test_large_outputs_are_ordinary_tensors(dtype: torch.dtype) -> None:
    """From 4 MiB on the frames live on huge pages (numpy's allocation), which changes nothing else."""
    n = (5 << 20) // (64 * 512 * dtype.itemsize)  # pairs for a 5 MiB output
    z0, z1 = (z.to(dtype) for z in torch.randn(2, n, 512, generator=torch.Generator().manual_seed(5)))
    t = torch.linspace(0, 1, 64)
    for method in ("slerp", "lerp"):
        z = interpolate(z0, z1, t, method)
        assert z.dtype == dtype and z.shape == (n, 64, 512) and z.is_contiguous()
        assert torch.allclose(z[:3].double(), textbook(method, z0[:3], z1[:3], t), rtol=1e-2, atol=1e-2)
        assert torch.equal(z[:, 0], z0) and torch.equal(z[:, -1], z1)
    frames = base.new_frames((n, 64, 512), dtype, torch.device("cpu"))
    assert frames.dtype == dtype and frames.shape == (n, 64, 512) and frames.is_contiguous()
    frames.fill_(1)
    frames.resize_(2, 3)  # a tensor like any other


@pytest.mark.parametrize("method", ["slerp", "lerp", "matched"])
def test_gradients_flow(method: str) -> None:
    """out= does not keep gradients, so codes that need them take one plain pass."""
    z0, z1 = codes(1.0, seed=3)
    z0.requires_grad_(True)
    z = interpolate(z0, z1, T_VALUES, method)
    assert torch.allclose(z.detach().double(), textbook(method, z0.detach(), z1, T_VALUES), rtol=1e-5, atol=1e-5)
    z.sum().backward()
    assert z0.grad is not None and bool(torch.isfinite(z0.grad).all())
    assert float(z0.grad.abs().sum()) > 0


def test_slerp_keeps_the_norm_across_chunk_boundaries(small_chunks: None) -> None:
    z0, z1 = codes(1.0, seed=4)
    z1 = z1 / z1.norm(dim=1, keepdim=True) * z0.norm(dim=1, keepdim=True)
    norms = interpolate(z0, z1, torch.linspace(0, 1, T), "slerp").norm(dim=2)
    assert torch.allclose(norms, z0.norm(dim=1, keepdim=True).expand_as(norms), rtol=1e-5)
    assert not math.isnan(float(norms.sum()))
