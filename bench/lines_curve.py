"""The ACAI lines benchmark ratio against training time, for a recipe (or a variant of it).

    OMP_NUM_THREADS=1 python bench/lines_curve.py lines-acai --every 300 --out bench/results/lines-acai-curve.json

Trains the built-in recipe NAME from its seed on one thread and, every `--every` seconds of
training, measures on 64 random angle pairs (seeded, 16 steps) the ACAI Mean Distance and
Smoothness of lerp and slerp walks and of the crossfade (with the averaged weights where the
recipe keeps an average). Writes one JSON row per checkpoint; the last row is the shipped model's.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

from latentwalk.data.lines import Lines, render_lines
from latentwalk.metrics.acai import acai_smoothness
from latentwalk.paths import PATHS


def lines_table(model: torch.nn.Module, pairs: int = 64, steps: int = 16, seed: int = 0) -> dict[str, dict[str, float]]:
    """{method: {mean_distance, smoothness, ratio}} over `pairs` random angle pairs (crossfade included)."""
    g = torch.Generator().manual_seed(seed)
    angles = torch.rand(pairs, 2, generator=g, dtype=torch.float64) * 2 * math.pi
    xa, xb = render_lines(angles[:, 0]), render_lines(angles[:, 1])
    t = torch.linspace(0, 1, steps, dtype=torch.float32)
    gt = Lines().ground_truth()
    out: dict[str, dict[str, float]] = {}
    with torch.no_grad():
        za, zb = model.encode(xa).mode(), model.encode(xb).mode()
        walks = {"crossfade": xa[:, None] * (1 - t[None, :, None, None, None]) + xb[:, None] * t[None, :, None, None, None]}
        for m in ("lerp", "slerp"):
            codes = PATHS.get(m).fn(za, zb, t)  # (B, T, d)
            walks[m] = model.decode(codes.flatten(0, 1)).view(pairs, steps, *xa.shape[1:])
    for name, frames in walks.items():
        dists, smooth = [], []
        for w in frames:
            f, d = gt.nearest(w)
            dists.append(float(d.mean()))
            s = acai_smoothness(f["angle"].numpy())
            smooth.append(s if s is not None else math.nan)
        out[name] = {"mean_distance": float(np.mean(dists)), "smoothness": float(np.nanmean(smooth)),
                     "ci95_distance": float(1.96 * np.std(dists, ddof=1) / math.sqrt(pairs))}
    for row in out.values():
        row["ratio"] = row["mean_distance"] / out["crossfade"]["mean_distance"]
    return out


def averaged_copy(model: torch.nn.Module) -> torch.nn.Module:
    view = copy.deepcopy(model)
    held = model.__dict__.get("_average")
    if held is not None:
        with torch.no_grad():
            for p, avg in zip(view._averaged_parameters(), held, strict=True):
                p.copy_(avg)
    return view.eval()


def main() -> None:
    from latentwalk.models.builtin import BUILTINS
    from latentwalk.models.training import build, train

    ap = argparse.ArgumentParser()
    ap.add_argument("name")
    ap.add_argument("--every", type=float, default=300.0, help="seconds of training between measurements")
    ap.add_argument("--steps", type=int, default=None, help="override the recipe's steps")
    ap.add_argument("--set", action="append", default=[], help="config field=value (model config)")
    ap.add_argument("--train-set", action="append", default=[], help="train config field=value")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--save", type=Path, default=None, help="save the final model here (checkpoint folder); "
                    "without overrides it is the recipe's own model, with its provenance, as `ship` writes it")
    args = ap.parse_args()
    torch.set_num_threads(1)
    recipe = BUILTINS.get(args.name)

    def parse(kv: list[str], obj: object) -> dict[str, object]:
        out = {}
        for item in kv:
            k, v = item.split("=", 1)
            kind = type(getattr(obj, k))
            out[k] = kind(v) if kind is not type(None) else (float(v) if "." in v or "e" in v else int(v))
        return out

    config = dataclasses.replace(recipe.config, **parse(args.set, recipe.config))
    tcfg = dataclasses.replace(recipe.train, **parse(args.train_set, recipe.train))
    if args.steps:
        tcfg = dataclasses.replace(tcfg, steps=args.steps)
    model = build(recipe.family, config, tcfg.seed)
    x = Lines().load().x
    rows: list[dict[str, object]] = []
    clock = {"train": 0.0, "mark": time.perf_counter(), "next": args.every}
    own_step_end = getattr(model, "on_step_end", None)

    def measure(step: int) -> None:
        table = lines_table(averaged_copy(model))
        row = {"seconds": round(clock["train"], 1), "step": step, **{f"{m}.{k}": v for m, d in table.items() for k, v in d.items()}}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"recipe": args.name, "config": dataclasses.asdict(config),
                                        "train": dataclasses.asdict(tcfg), "rows": rows}, indent=1))

    def on_step_end(run) -> None:  # type: ignore[no-untyped-def]
        if own_step_end is not None:
            own_step_end(run)
        now = time.perf_counter()
        clock["train"] += now - clock["mark"]
        if clock["train"] >= clock["next"]:
            measure(run.step)
            clock["next"] += args.every
        clock["mark"] = time.perf_counter()

    model.on_step_end = on_step_end  # type: ignore[method-assign]
    report = train(model, x, tcfg, progress=False)
    del model.on_step_end
    model.eval()
    table = lines_table(model)
    rows.append({"seconds": round(clock["train"], 1), "step": tcfg.steps, "final": True,
                 **{f"{m}.{k}": v for m, d in table.items() for k, v in d.items()}})
    print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    args.out.write_text(json.dumps({"recipe": args.name, "config": dataclasses.asdict(config),
                                    "train": dataclasses.asdict(tcfg), "rows": rows}, indent=1))
    if args.save:
        from latentwalk.models.builtin import save_trained

        as_run = dataclasses.replace(recipe, config=config, train=tcfg)
        save_trained(args.name, as_run, model, report, x, args.save, round(clock["train"], 2),
                     manifest={"invocation": {"command": "bench/lines_curve.py", "params": vars(args) | {"out": str(args.out),
                                                                                               "save": str(args.save)}},
                               "curve": rows})


if __name__ == "__main__":
    main()
