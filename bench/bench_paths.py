"""Speed ratios measured in one run (never absolute claims: these machines are noisy).

    python bench/bench_paths.py            # paths and walk
    python bench/bench_paths.py --demo     # also the demo's cold and warm wall time (about 2 minutes)
    python bench/bench_paths.py --paths    # the path core only

1. B=1024 pairs, T=64 steps, d=512 (a 128 MiB output), with torch's threads set to 1 and then
   to the default: batched slerp and lerp (`interpolate`) against a per-pair numpy slerp loop and
   against torch.lerp of the same (B, T, d) output, as written (torch's allocator) and into a
   buffer on huge pages (the allocation the path methods use). Each repeat runs every candidate
   once, in turn, so that the machine's load drifts over all of them alike; medians are shown.
2. a whole walk of T frames vs a bare batched decode of T codes (what the walk adds)
3. the demo, cold cache vs warm cache
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np
import torch

from latentwalk import interpolate
from latentwalk.paths.base import new_frames

B, T, D = 1024, 64, 512


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def medians(candidates: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds of each candidate; every repeat runs all of them once, in turn."""
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(repeat):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(v) for name, v in times.items()}


def numpy_slerp_loop(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The textbook way: one pair at a time, in numpy."""
    out = np.empty((len(a), len(t), a.shape[1]), dtype=a.dtype)
    for i in range(len(a)):
        u0, u1 = a[i] / np.linalg.norm(a[i]), b[i] / np.linalg.norm(b[i])
        omega = np.arccos(np.clip(u0 @ u1, -1, 1))
        s = np.sin(omega)
        out[i] = (np.sin((1 - t) * omega)[:, None] * a[i] + np.sin(t * omega)[:, None] * b[i]) / s
    return out


def path_codes() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(B, D, generator=g), torch.randn(B, D, generator=g)
    z1 = z1 / z1.norm(dim=1, keepdim=True) * z0.norm(dim=1, keepdim=True)  # equal norms: both definitions agree
    return z0, z1, torch.linspace(0, 1, T)


def bench_paths_at(threads: int, label: str, repeat: int = 11) -> None:
    torch.set_num_threads(threads)
    z0, z1, t = path_codes()
    a, b, tn = z0.numpy(), z1.numpy(), t.numpy()
    x0, x1, w = z0[:, None], z1[:, None], t[None, :, None]
    m = medians({
        "slerp": lambda: interpolate(z0, z1, t, "slerp"),
        "lerp": lambda: interpolate(z0, z1, t, "lerp"),
        "numpy": lambda: numpy_slerp_loop(a, b, tn),
        "torch.lerp": lambda: torch.lerp(x0, x1, w),
        "torch.lerp hp": lambda: torch.lerp(x0, x1, w, out=new_frames((B, T, D), torch.float32, z0.device)),
    }, repeat)
    err_s = float(np.abs(interpolate(z0, z1, t, "slerp").numpy() - numpy_slerp_loop(a, b, tn)).max())
    err_l = float((interpolate(z0, z1, t, "lerp") - torch.lerp(x0, x1, w)).abs().max())
    ms = {k: v * 1e3 for k, v in m.items()}
    print(f"[1] B={B} T={T} d={D}, torch threads {label}, median of {repeat}: slerp {ms['slerp']:.1f} ms, "
          f"lerp {ms['lerp']:.1f} ms, numpy per-pair slerp loop {ms['numpy']:.1f} ms, torch.lerp {ms['torch.lerp']:.1f} ms, "
          f"torch.lerp into huge pages {ms['torch.lerp hp']:.1f} ms")
    print(f"[1]   slerp: {m['numpy'] / m['slerp']:.2f}x as fast as the numpy loop, {m['slerp'] / m['torch.lerp']:.2f}x the time "
          f"of torch.lerp ({m['slerp'] / m['torch.lerp hp']:.2f}x on huge pages); max abs difference from numpy {err_s:.1e}")
    print(f"[1]   lerp: {m['numpy'] / m['lerp']:.2f}x as fast as the numpy loop, {m['lerp'] / m['torch.lerp']:.2f}x the time "
          f"of torch.lerp ({m['lerp'] / m['torch.lerp hp']:.2f}x on huge pages); max abs difference from torch.lerp {err_l:.1e}")


def bench_paths() -> None:
    default = torch.get_num_threads()
    bench_paths_at(1, "fixed to 1")
    bench_paths_at(default, f"default ({default})")
    torch.set_num_threads(default)


def bench_walk() -> None:
    from latentwalk.data import Item
    from latentwalk.models import build
    from latentwalk.models.autoencoders import ConvAEConfig
    from latentwalk.pipeline import decode_batched, run_walk

    model = build("vae", ConvAEConfig(size=16, latent_dim=16, width=16), seed=0)
    g = torch.Generator().manual_seed(1)
    items = [Item(torch.rand(1, 16, 16, generator=g), "a"), Item(torch.rand(1, 16, 16, generator=g), "b")]
    for steps in (16, 256):
        z = torch.randn(steps, 16, generator=g)
        bare = best_of(lambda z=z: decode_batched(model, z))
        walk = best_of(lambda s=steps: run_walk(model, items, ["slerp"], s, metrics=[]))
        full = best_of(lambda s=steps: run_walk(model, items, ["slerp"], s), repeat=3)
        print(f"[2] T={steps}: bare decode {bare * 1e3:.1f} ms; walk without metrics {walk * 1e3:.1f} ms "
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
        print(f"[3] demo {label} cache: {times[-1]:.1f} s wall")
    print(f"[3] warm/cold = {times[1] / times[0]:.2f}")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--demo", action="store_true", help="also time the demo cold and warm")
    p.add_argument("--paths", action="store_true", help="the path core only")
    args = p.parse_args()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"torch {torch.__version__}, numpy {np.__version__}, default {torch.get_num_threads()} torch threads, "
          f"{os.cpu_count()} cores, load average {load} (a load above the cores makes the threaded figures noise)")
    bench_paths()
    if args.paths:
        return
    bench_walk()
    if args.demo:
        bench_demo()


if __name__ == "__main__":
    main()
