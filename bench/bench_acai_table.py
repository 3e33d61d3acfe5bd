"""The ACAI table of the shipped models, and the time of a large `evaluate`, measured in one run.

    python bench/bench_acai_table.py                  # 64 random pairs, 16 steps: lines, digits and tones models
    python bench/bench_acai_table.py --walks 1000     # also: wall time of 1,000 lines pair-walks on both cores

Writes bench/results/acai-table.json: per (model, method) every metric's mean and 95 % interval,
the ratios to the crossfade the issue's targets are stated in, and the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

GROUPS = {
    "lines": ["lines-ae", "lines-vae", "lines-acai"],
    "digits": ["digits-ae", "digits-vae", "digits-acai"],
    "tones": ["tones-ae", "tones-vae", "tones-acai"],
    "faces": ["faces-vae", "faces-acai"],
}


def tone_ends(rows: list[dict[str, object]]) -> dict[str, dict[str, float]]:
    """How far a walk's decoded ends are from its inputs (the crossfade's ends are the inputs, through the
    same spectrogram -> waveform route): |loudness difference| in dB and |f0 difference| in semitones
    (voiced ends only), the share of ends within 3 dB and within one semitone, per model and method."""
    import math

    inputs = {(r["pair"]): r for r in rows if r["method"] == "crossfade"}
    out: dict[str, dict[str, float]] = {}
    groups: dict[str, list[tuple[float, float | None]]] = {}
    for r in rows:
        if r["method"] == "crossfade":
            continue
        ref = inputs.get(r["pair"])
        if ref is None:
            continue
        for end in ("start", "end"):
            db = abs(float(r[f"audio.loudness_{end}_db"]) - float(ref[f"audio.loudness_{end}_db"]))  # type: ignore[arg-type]
            f_in, f_out = float(ref[f"audio.f0_{end}_hz"]), float(r[f"audio.f0_{end}_hz"])  # type: ignore[arg-type]
            semis = abs(12 * math.log2(f_out / f_in)) if f_in > 0 and f_out > 0 else None
            groups.setdefault(f"{r['model']}/{r['method']}", []).append((db, semis))
    for key, v in groups.items():
        dbs = [d for d, _ in v]
        semis = [s for _, s in v if s is not None]
        out[key] = {"ends": len(v), "median_db": float(sorted(dbs)[len(dbs) // 2]),
                    "within_3_db": sum(d <= 3 for d in dbs) / len(dbs),
                    "voiced_ends": len(semis),
                    "median_semitones": float(sorted(semis)[len(semis) // 2]) if semis else float("nan"),
                    "within_1_semitone": sum(s <= 1 for s in semis) / len(semis) if semis else float("nan")}
    return out


def main() -> None:
    from latentwalk.api import evaluate_sweep

    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=64)
    ap.add_argument("--walks", type=int, default=0, help="also time an evaluate of this many lines pair-walks")
    ap.add_argument("--groups", nargs="*", default=list(GROUPS))
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "acai-table.json")
    args = ap.parse_args()
    result: dict[str, object] = {"pairs": args.pairs, "steps": 16, "seed": 0, "groups": {}}
    for group in args.groups:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            res = evaluate_sweep(GROUPS[group], methods=["lerp", "slerp"], pairs=args.pairs, seed=0, steps=16,
                                 out=Path(tmp) / "ev", progress=False)
            seconds = time.perf_counter() - t0
        table = res.summary
        print(f"\n== {group} ({args.pairs} random pairs, {seconds:.1f} s)\n{table}")
        rows = {}
        for g in table.groups:
            rows[f"{g['model']}/{g['method']}"] = g["metrics"]
        ratios = {}
        for key, metrics in rows.items():
            model, _method = key.split("/")
            cross = rows.get(f"{model}/crossfade") or next(v for k, v in rows.items() if k.endswith("/crossfade"))
            for m in ("acai.mean_distance", "realism.middle_excess", "faces.mid_off_manifold"):
                if m in metrics and metrics[m]["mean"] is not None and cross.get(m, {}).get("mean"):
                    ratios.setdefault(key, {})[m] = metrics[m]["mean"] / cross[m]["mean"]
        entry: dict[str, object] = {"seconds": round(seconds, 1), "table": rows, "ratio_to_crossfade": ratios}
        if group == "tones":
            entry["ends"] = tone_ends(table.rows.to_pylist())
            for key, e in entry["ends"].items():  # type: ignore[attr-defined]
                print(f"  ends {key:<18} {e}")
        result["groups"][group] = entry  # type: ignore[index]
        for key, r in ratios.items():
            print(f"  {key:<24} " + "  ".join(f"{k} {v:.3f}x" for k, v in r.items()))
    if args.walks:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            evaluate_sweep(["lines-acai"], methods=["slerp"], pairs=args.walks, seed=1, steps=16, out=Path(tmp) / "big",
                           progress=False)
            wall = time.perf_counter() - t0
        result["evaluate_1000"] = {"walks": args.walks, "methods": ["slerp", "crossfade"], "wall_s": round(wall, 1),
                                   "workers": os.cpu_count()}
        print(f"\nevaluate of {args.walks} lines-acai pair-walks (slerp + crossfade): {wall:.1f} s wall on {os.cpu_count()} cores")
    if args.out.exists():  # a run of some groups keeps the others' last results
        before = json.loads(args.out.read_text())
        result["groups"] = {**before.get("groups", {}), **result["groups"]}  # type: ignore[dict-item]
        if "evaluate_1000" in before and "evaluate_1000" not in result:
            result["evaluate_1000"] = before["evaluate_1000"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
