"""Directions on faces, scored by the faces probe: for each factor and each direction kind, how far
a traversal over +-2 sigma moves its own factor and the largest other one (on the -1..1 scale).

    python bench/bench_faces.py                       # faces-vae and faces-acai, every factor and kind
    python bench/bench_faces.py --model faces-vae --factors smile yaw

Writes bench/results/faces-directions.json. The issue's target for the smile: the best direction
moves smile by >= 1.0 while no other factor moves by more than a quarter of that.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

FACTORS = ["smile", "yaw", "light", "hair", "age", "eyes", "glasses"]
KINDS = ["atvec", "balanced", "classifier", "pca"]


def main() -> None:
    import torch

    from latentwalk import load_model
    from latentwalk.factors import Study, best_for

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", action="append", default=None)
    ap.add_argument("--factors", nargs="*", default=FACTORS)
    ap.add_argument("--starts", type=int, default=8)
    ap.add_argument("--span", type=float, default=2.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "faces-directions.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    out: dict[str, object] = {"span_sigma": args.span, "starts": args.starts, "seed": args.seed, "models": {}}
    for name in args.model or ["faces-vae", "faces-acai"]:
        t0 = time.perf_counter()
        study = Study.of(load_model(name), "faces", args.seed, max_items=2048)
        rows: dict[str, object] = {}
        for factor in args.factors:
            scores = [study.score(study.direction(k, factor), args.starts, args.span, 9) for k in KINDS]
            unit = {f: (2.0 if f != "glasses" else 1.0) for f in study.recoverer.factors}  # back to the -1..1 (or 0..1) scale

            def moved(s: object, unit: dict[str, float] = unit) -> dict[str, float]:
                return {f: round(v * unit[f], 4) for f, v in s.scores.items()}  # type: ignore[attr-defined]

            best = best_for(scores, factor)
            m = moved(best)
            others = {f: v for f, v in m.items() if f != factor}
            worst = max(others, key=lambda f: others[f])
            rows[factor] = {"best": best.direction.name, "own": m[factor], "largest_other": worst,
                            "largest_other_moved": others[worst], "leak_ratio": round(others[worst] / max(m[factor], 1e-9), 3),
                            "kinds": {s.direction.name: moved(s) for s in scores}}
            print(f"{name:<11} {factor:<8} best {best.direction.name:<22} own {m[factor]:.2f}  "
                  f"largest other {worst} {others[worst]:.2f}", flush=True)
        out["models"][name] = {"factors": rows, "seconds": round(time.perf_counter() - t0, 1)}  # type: ignore[index]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
