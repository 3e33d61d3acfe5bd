"""Speed ratios measured in one run (never absolute claims: these machines are noisy).

    python bench/bench_paths.py            # paths and walk
    python bench/bench_paths.py --demo     # also the demo's cold and warm wall time (about 2 minutes)

1. batched slerp vs a per-pair numpy slerp loop, B=1024, T=64, d=512
2. slerp vs torch.lerp of the same size
3. a whole walk of T frames vs a bare batched decode of T codes (what the walk adds)
4. the demo, cold cache vs warm cache
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import torch

from latentwalk import interpolate


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def numpy_slerp_loop(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The textbook way: one pair at a time, in numpy."""
    out = np.empty((len(a), len(t), a.shape[1]), dtype=a.dtype)
    for i in range(len(a)):
        u0, u1 = a[i] / np.linalg.norm(a[i]), b[i] / np.linalg.norm(b[i])
        omega = np.arccos(np.clip(u0 @ u1, -1, 1))
        s = np.sin(omega)
        out[i] = (np.sin((1 - t) * omega)[:, None] * a[i] + np.sin(t * omega)[:, None] * b[i]) / s
    return out


def bench_paths() -> None:
    g = torch.Generator().manual_seed(0)
    B, T, D = 1024, 64, 512
    z0, z1 = torch.randn(B, D, generator=g), torch.randn(B, D, generator=g)
    z1 = z1 / z1.norm(dim=1, keepdim=True) * z0.norm(dim=1, keepdim=True)  # equal norms: both definitions agree
    t = torch.linspace(0, 1, T)
    a, b, tn = z0.numpy(), z1.numpy(), t.numpy()
    batched = best_of(lambda: interpolate(z0, z1, t, "slerp"))
    loop = best_of(lambda: numpy_slerp_loop(a, b, tn), repeat=3)
    ref = numpy_slerp_loop(a, b, tn)
    err = float(np.abs(interpolate(z0, z1, t, "slerp").numpy() - ref).max())
    print(f"[1] slerp B={B} T={T} d={D}: batched {batched * 1e3:.1f} ms, numpy per-pair loop {loop * 1e3:.1f} ms "
          f"-> batched is {loop / batched:.1f}x faster (max abs difference {err:.1e})")
    lerp = best_of(lambda: torch.lerp(z0[:, None], z1[:, None], t[None, :, None]))
    print(f"[2] torch.lerp same size: {lerp * 1e3:.1f} ms -> slerp costs {batched / lerp:.2f}x torch.lerp")


def bench_walk() -> None:
    from latentwalk.data import Item
    from latentwalk.models import build
    from latentwalk.models.autoencoders import ConvAEConfig
    from latentwalk.walk import decode_batched, run_walk

    model = build("vae", ConvAEConfig(size=16, latent_dim=16, width=16), seed=0)
    g = torch.Generator().manual_seed(1)
    items = [Item(torch.rand(1, 16, 16, generator=g), "a"), Item(torch.rand(1, 16, 16, generator=g), "b")]
    for steps in (16, 256):
        z = torch.randn(steps, 16, generator=g)
        bare = best_of(lambda z=z: decode_batched(model, z))
        walk = best_of(lambda s=steps: run_walk(model, items, ["slerp"], s, metrics=[]))
        full = best_of(lambda s=steps: run_walk(model, items, ["slerp"], s), repeat=3)
        print(f"[3] T={steps}: bare decode {bare * 1e3:.1f} ms; walk without metrics {walk * 1e3:.1f} ms "
              f"({walk / bare:.2f}x); walk with every metric {full * 1e3:.1f} ms ({full / bare:.1f}x)")


def bench_demo() -> None:
    cache = tempfile.mkdtemp(prefix="lw-bench-cache-")
    env = {**os.environ, "LATENTWALK_CACHE": cache}
    times = []
    for label in ("cold", "warm"):
        out = tempfile.mkdtemp(prefix="lw-bench-demo-")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "latentwalk.cli", "demo", "--out", out, "-q"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
        print(f"[4] demo {label} cache: {times[-1]:.1f} s wall")
    print(f"[4] warm/cold = {times[1] / times[0]:.2f}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--demo", action="store_true", help="also time the demo cold and warm")
    args = p.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    bench_paths()
    bench_walk()
    if args.demo:
        bench_demo()


if __name__ == "__main__":
    main()
