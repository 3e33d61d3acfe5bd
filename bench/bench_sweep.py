"""Sweep throughput, measured in one run (ratios; these machines are shared and noisy).

    python bench/bench_sweep.py                  # 2,000 pair-walks of lines-ae: 1 vs 2 workers, pool vs Ray
    python bench/bench_sweep.py --walks 500 --repeat 1    # shorter
    python bench/bench_sweep.py --costs          # per pair-walk time and memory of the built-ins (docs/scale.md)
    python bench/bench_sweep.py --costs --all    # also the families not trained here, as untrained estimates

1. The same sweep (lines-ae, slerp, 16 steps, N random pairs, 32 pairs a shard) on the local pool
   with 1 worker, with 2 workers, and on Ray started here with 2 CPUs. Timed apart: start-up (the
   pool's processes started, or ray.init and the model put in the object store, and every worker
   warm: torch imported, models loaded), the work (the shards, and the rows and summary written)
   and the stop (ray.shutdown). The rows of every run are compared bit for bit.
2. Ray's cost per task: empty tasks carrying the same arguments as a shard, against one shard's work.
3. --costs: each built-in's pair-walk (lerp, slerp and the crossfade, 16 steps, every metric) in
   a fresh process on one thread: seconds per walk and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")


def sweep_spec(walks: int) -> Any:
    from latentwalk.sweep import parse_spec

    return parse_spec({"models": ["lines-ae"], "methods": ["slerp"], "steps": 16, "seed": 0, "pairs": {"random": walks}})


def timed_sweep(spec: Any, out: Path, engine: str, workers: int | None) -> Any:
    from latentwalk.sweep import run_sweep

    t0 = time.perf_counter()
    result = run_sweep(spec, out, engine=engine, workers=workers, progress=False)
    result.seconds["wall"] = time.perf_counter() - t0
    return result


def ray_task_cost(spec: Any, n: int = 200) -> tuple[float, float]:
    """(seconds per empty task carrying a shard's arguments, seconds of one shard's work) on Ray."""
    import ray

    from latentwalk.api import load_model
    from latentwalk.sweep import make_plan
    from latentwalk.sweep.run import load_entries
    from latentwalk.sweep.work import one_thread, run_shard

    entries = load_entries(spec, progress=False)
    task = make_plan(spec, entries).tasks[0]
    box = [ray.put(b"model")]
    noop = ray.remote(num_cpus=1)(lambda b, t, w: None)
    ray.get([noop.remote(box, task, run_shard) for _ in range(8)])  # workers warm
    t0 = time.perf_counter()
    ray.get([noop.remote(box, task, run_shard) for _ in range(n)])
    per_task = (time.perf_counter() - t0) / n * 2  # two run at once on 2 CPUs
    model = load_model("lines-ae", progress=False)
    with one_thread():
        run_shard(task, model)
        t0 = time.perf_counter()
        run_shard(task, model)
    return per_task, time.perf_counter() - t0


def throughput(walks: int, repeat: int) -> None:
    import ray

    from latentwalk.api import load_model

    load_model("lines-ae")  # trains it on first use (about half a minute), outside the timings
    spec = sweep_spec(walks)
    configs = {"local pool, 1 worker": ("local", 1), "local pool, 2 workers": ("local", 2), "ray, 2 CPUs": ("ray", 2)}
    runs: dict[str, list[Any]] = {name: [] for name in configs}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeat):  # every repeat runs each in turn, so the machine's load drifts over all alike
            for name, (engine, workers) in configs.items():
                runs[name].append(timed_sweep(spec, Path(tmp) / f"{engine}{workers}-{i}", engine, workers))
    rows = [r.rows for rs in runs.values() for r in rs]
    same = all(rows[0].equals(r) for r in rows[1:])
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    per_task, per_shard = ray_task_cost(spec)
    ray.shutdown()
    # the best of the repeats (the least disturbed by other work on the machine), as bench_paths does
    best = {name: min(rs, key=lambda r: r.seconds["run"] + r.seconds["write"]) for name, rs in runs.items()}
    after = {name: r.seconds["run"] + r.seconds["write"] for name, r in best.items()}
    wall = {name: min(r.seconds["wall"] for r in rs) for name, rs in runs.items()}
    one, two, on_ray = (best[n] for n in configs)
    n1, n2, nr = configs
    print(f"{walks} pair-walks of lines-ae (slerp, 16 steps, every metric), {one.counts['shards']} shards of 32 pairs; "
          f"best of {repeat}")
    for name, r in best.items():
        print(f"  {name:<22} wall {wall[name]:6.2f} s = start-up {r.seconds['start']:4.2f} + work {after[name]:5.2f} "
              f"({walks / after[name]:5.1f} walks/s) + stop {r.seconds['stop']:4.2f} + rest {r.seconds['wall'] - r.seconds['start'] - after[name] - r.seconds['stop']:4.2f} s")
    print(f"  2 workers vs 1: {after[n1] / after[n2]:.2f}x the throughput after start-up "
          f"({wall[n1] / wall[n2]:.2f}x in wall time, start-up and all)")
    print(f"  ray vs local pool (2 workers), wall after start-up: {after[nr] / after[n2]:.3f}x "
          f"({(after[nr] / after[n2] - 1) * 100:+.1f} %); start-up: ray {on_ray.seconds['start']:.2f} s "
          f"(ray.init, model put, workers warm), pool {two.seconds['start']:.2f} s; "
          f"stop: ray {on_ray.seconds['stop']:.2f} s, pool {two.seconds['stop']:.2f} s")
    print(f"  rows identical in all {len(rows)} runs: {same}")
    print(f"  object store: {sum(on_ray.engine['object_store_bytes'].values()) / 1024:.0f} KiB for the model, once; "
          f"the pool sends {sum(two.engine['bytes_per_worker'].values()) / 1024:.0f} KiB to each worker, once")
    print(f"  ray cost per task {per_task * 1e3:.2f} ms vs one shard's work {per_shard * 1e3:.0f} ms: "
          f"{per_task / per_shard * 100:.2f} % scheduling")


COST_SCRIPT = """
import json, resource, sys, time, torch
torch.set_num_threads(1)
from latentwalk.api import load_model, walk
from latentwalk.models import BUILTINS, build
name, trained = sys.argv[1], sys.argv[2] == "1"
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if trained:
    m = load_model(name, progress=False)
else:  # the same architecture, untrained: time and memory do not depend on the weights' values
    from latentwalk.models.model import Model
    r = BUILTINS.get(name)
    m = Model(build(r.family, r.config, 0).eval(), {"trained_on": {"dataset": r.dataset}}, name)
ds = m.meta["trained_on"]["dataset"]
methods = ["lerp", "slerp", "crossfade"]
walk(m, f"{ds}:0", f"{ds}:1", method=methods, steps=16)
n, t0 = int(sys.argv[3]), time.perf_counter()
for i in range(n):
    walk(m, f"{ds}:{2 * i + 2}", f"{ds}:{2 * i + 3}", method=methods, steps=16)
dt = (time.perf_counter() - t0) / n
from latentwalk.sweep.transport import pack
print(json.dumps({"seconds_per_pair": dt, "seconds_per_walk": dt / len(methods), "model_bytes": len(pack(m)),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "rss_before_mib": rss0 / 1024}))
"""


MEASURED = ("lines-ae", "lines-vae", "digits-ae", "digits-vae")  # trained here when missing (a minute or two)


def costs(include_untrained: bool) -> None:
    from latentwalk.models import BUILTINS, builtin_path

    print("per pair-walk, one thread: lerp + slerp + crossfade, 16 steps, every metric")
    for name in BUILTINS.names():
        trained = (builtin_path(name) / "config.json").exists() or name in MEASURED
        if not trained and not include_untrained:
            continue
        n = 20 if name in MEASURED else 3
        r = subprocess.run([sys.executable, "-c", COST_SCRIPT, name, "1" if trained else "0", str(n)],
                           capture_output=True, text=True, check=False)
        if r.returncode:
            print(f"  {name:<14} failed: {r.stderr.strip().splitlines()[-1:]}")
            continue
        c = json.loads(r.stdout.strip().splitlines()[-1])
        kind = "trained" if trained else "untrained estimate"
        print(f"  {name:<14} {c['seconds_per_walk'] * 1e3:8.1f} ms per walk ({c['seconds_per_pair'] * 1e3:7.1f} ms a pair, "
              f"3 methods)   peak {c['peak_rss_mib']:5.0f} MiB   object store {c['model_bytes'] / 1024:7.0f} KiB   "
              f"({kind}, {n} pairs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walks", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--costs", action="store_true")
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args()
    if args.costs:
        costs(args.all)
    else:
        throughput(args.walks, args.repeat)


if __name__ == "__main__":
    main()
