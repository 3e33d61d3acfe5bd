"""Geodesic vs stochman, side by side on the same decoder and endpoints.

    OMP_NUM_THREADS=1 python bench/bench_geodesic.py [--model lines-vae] [--pairs 4]

Both minimise the discrete curve energy of the decoded curve (Shao et al. 2018): latentwalk's
`geodesic` on a straight line plus a sine series, with L-BFGS; stochman (Detlefsen, Hauberg et al., `pip install
stochman`, only for this benchmark, never a dependency of latentwalk) on a cubic spline with
Adam, at several settings. Every curve is measured the same way: decoded at 257 points spread
along it, summing the distances between adjacent decoded frames; printed relative to the
straight line (lerp) between the same codes, with wall time relative to latentwalk's.
"""

from __future__ import annotations

import argparse
import math
import time

import torch

from latentwalk.api import load_model
from latentwalk.paths import interpolate
from latentwalk.paths.geodesic import geodesic_path

DENSE = 257


def decoded_length(decode, z: torch.Tensor) -> torch.Tensor:
    """(B, T, *L) codes along curves -> (B,) decoded polyline lengths."""
    with torch.no_grad():
        b, t = z.shape[:2]
        x = decode(z.reshape(b * t, *z.shape[2:])).reshape(b, t, -1)
        return (x[:, 1:] - x[:, :-1]).norm(dim=2).sum(1)


def endpoints(model, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    angles = torch.linspace(0.2, 2 * math.pi - 0.2, 2 * n)
    from latentwalk.data.lines import render_lines

    x = render_lines(angles)
    with torch.no_grad():
        z = model.encode(x).mode()
    return z[0::2], z[1::2]  # pairs far apart in angle: curved decoded paths


def run_ours(model, z0, z1, **kw):
    t0 = time.perf_counter()
    r = geodesic_path(z0, z1, torch.linspace(0, 1, DENSE), model.decode, **kw)
    return time.perf_counter() - t0, decoded_length(model.decode, r.z), r.report.converged


def run_stochman(model, z0, z1, nodes: int, iters: int, grid: int, step: float):
    from stochman.curves import CubicSpline
    from stochman.geodesic import geodesic_minimizing_energy
    from stochman.manifold import EmbeddedManifold

    class Decoded(EmbeddedManifold):
        def embed(self, c, jacobian=False):
            b, n, d = c.shape
            return model.decode(c.reshape(b * n, d)).reshape(b, n, -1)

    t0 = time.perf_counter()
    curve = CubicSpline(z0, z1, num_nodes=nodes)
    opt = lambda params, lr=None: torch.optim.Adam(params, lr=step)
    ok = geodesic_minimizing_energy(curve, Decoded(), opt, max_iter=iters, eval_grid=grid)
    elapsed = time.perf_counter() - t0
    with torch.no_grad():
        z = curve(torch.linspace(0, 1, DENSE))
    return elapsed, decoded_length(model.decode, z), bool(ok)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="lines-vae")
    ap.add_argument("--pairs", type=int, default=4)
    args = ap.parse_args()
    torch.manual_seed(0)  # stochman's spline starts from zeros; Adam is deterministic on CPU
    model = load_model(args.model, progress=False)
    z0, z1 = endpoints(model, args.pairs)
    straight = decoded_length(model.decode, interpolate(z0, z1, torch.linspace(0, 1, DENSE), "lerp"))
    rows = []
    ours_t, ours_len, ours_ok = run_ours(model, z0, z1)
    rows.append(("latentwalk geodesic (defaults: grid 32, 8 sines, L-BFGS 1000 it)", ours_t, ours_len, ours_ok))
    ours_t2, ours_len2, ok2 = run_ours(model, z0, z1, n_basis=6, max_iter=300)
    rows.append(("latentwalk geodesic (6 sines, L-BFGS 300 it)", ours_t2, ours_len2, ok2))
    try:
        for nodes, iters, grid, lr in [(5, 150, 20, 0.1), (8, 500, 32, 0.1), (12, 1000, 64, 0.05), (12, 2000, 64, 0.02)]:
            t, length, ok = run_stochman(model, z0, z1, nodes, iters, grid, lr)
            rows.append((f"stochman spline ({nodes} nodes, Adam {iters} it, grid {grid}, lr {lr})", t, length, ok))
    except ImportError:
        print("stochman is not installed (pip install stochman); only latentwalk is measured.")
    print(f"model {args.model}, {args.pairs} pairs of lines codes, lengths at {DENSE} decoded points")
    print(f"{'method':58s} {'length/straight':>16s} {'worst pair':>11s} {'time s':>8s} {'time/ours':>10s} converged")
    for name, t, length, ok in rows:
        ratio = length / straight
        print(f"{name:58s} {float(ratio.mean()):16.3f} {float(ratio.max()):11.3f} {t:8.2f} {t / ours_t:10.2f} {ok}")


if __name__ == "__main__":
    main()
