"""The GAN and the DDIM on 32x32 faces: honest codes, clean frames, even walks, faces mid-walk?

    python bench/bench_faces_families.py                          # faces-ddim, 16 pairs (--model DIR adds a trained GAN folder)
    python bench/bench_faces_families.py --model /tmp/gan --pairs 4 --strip walks.png

Pairs of fresh faces (factors from `sample_factors` with --seed, drawn at 64x64 and pooled as
`faces32` items: none is in the training set) are walked with slerp and with the pixel crossfade:

- inversion RMSE: per input, decode(invert(x)) against x, pixels in [0, 1] (the walk manifest's
  "inversion");
- high-frequency share of the slerp frames (metrics/spectral.py) against the real faces';
- evenness of the slerp walk and of the crossfade (1 - Gini of the adjacent-frame steps);
- off-face distance (data/faces32.py's probe: RMS to the clean face redrawn from the factors it
  reads) of the middle frame of the slerp walk and of the crossfade's, beside the real inputs'
  and the inversions' (the floor a model's frames start from).

Every number is a mean with a 95% interval (mean +- 1.96 standard errors). Writes
bench/results/faces-families.json. One thread.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

RESULTS = Path(__file__).parent / "results" / "faces-families.json"


def interval(values: list[float]) -> dict[str, float]:
    v = torch.tensor(values, dtype=torch.float64)
    half = 1.96 * float(v.std()) / math.sqrt(len(v)) if len(v) > 1 else 0.0
    m = float(v.mean())
    return {"mean": round(m, 5), "lo": round(m - half, 5), "hi": round(m + half, 5), "n": len(v)}


def fresh_pairs(pairs: int, seed: int) -> list[tuple[Any, Any]]:
    """2 x pairs faces32 items drawn from fresh factors (not the training set's)."""
    from latentwalk.data.base import Item
    from latentwalk.data.faces import render_faces, sample_factors
    from latentwalk.data.faces32 import pool

    f = sample_factors(2 * pairs, np.random.default_rng(seed))
    x = pool(render_faces(f))  # (2P, 3, 32, 32)
    items = []
    for i in range(2 * pairs):
        fi = {k: float(v[i]) for k, v in f.items()}
        items.append(Item(x[i], "faces32:" + ",".join(f"{k}={v:.4f}" for k, v in fi.items()), fi))
    return [(items[2 * i], items[2 * i + 1]) for i in range(pairs)]


def bench_model(spec: str, pairs: int, seed: int, steps: int) -> tuple[dict[str, Any], list[torch.Tensor]]:
    from latentwalk.api import load_model
    from latentwalk.data import get_dataset
    from latentwalk.metrics.spectral import high_frequency_share
    from latentwalk.pipeline import run_walk

    model = load_model(spec, progress=False)
    gt = get_dataset("faces32").ground_truth()
    todo = fresh_pairs(pairs, seed)
    real = torch.stack([it.x for ab in todo for it in ab])
    rmse, even, cross_even, hf, mid, cross_mid, rec_dist, strips, seconds = [], [], [], [], [], [], [], [], []
    for a, b in todo:
        start = time.perf_counter()
        res = run_walk(model, [a, b], ["slerp", "crossfade"], steps=steps, metrics=["smoothness"], seed=seed)
        seconds.append(time.perf_counter() - start)
        rmse += res.params["inversion"]["rmse"]
        frames, cross = res.walks["slerp"].frames, res.walks["crossfade"].frames
        even.append(res.walks["slerp"].metrics["smoothness"].summary["evenness"])
        cross_even.append(res.walks["crossfade"].metrics["smoothness"].summary["evenness"])
        hf.append(float(high_frequency_share(frames).mean()))
        mid.append(float(gt.nearest(frames[steps // 2 : steps // 2 + 1])[1][0]))
        cross_mid.append(float(gt.nearest(cross[steps // 2 : steps // 2 + 1])[1][0]))
        rec_dist += gt.nearest(res.recon)[1].tolist()
        strips.append(torch.cat([a.x[None], frames, b.x[None]]))
    real_hf = high_frequency_share(real).tolist()
    out = {
        "model": spec,
        "meta": {k: model.meta.get(k) for k in ("builtin", "recipe_sha256") if k in model.meta},
        "inversion_rmse": interval(rmse),
        "inversion_rmse_max": round(max(rmse), 5),
        "high_frequency_share": interval(hf),
        "high_frequency_share_real": interval(real_hf),
        "high_frequency_ratio": round(interval(hf)["mean"] / interval(real_hf)["mean"], 3),
        "evenness": interval(even),
        "evenness_crossfade": interval(cross_even),
        "off_face_mid_walk": interval(mid),
        "off_face_mid_crossfade": interval(cross_mid),
        "off_face_inversions": interval(rec_dist),
        "off_face_real": interval(gt.nearest(real)[1].tolist()),
        "seconds_per_walk": round(sum(seconds) / len(seconds), 3),
    }
    return out, strips


def save_strip(strips: list[torch.Tensor], path: Path, scale: int = 4) -> None:
    """Rows of [input A, walk frames, input B] in colour, nearest-neighbour upscaled."""
    from PIL import Image

    rows = [torch.cat(list(s), dim=-1) for s in strips]  # (3, H, W * (T + 2)) each
    grid = torch.cat(rows, dim=-2).permute(1, 2, 0)  # (rows * H, W * (T + 2), 3)
    img = (grid.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    img = img.repeat(scale, 0).repeat(scale, 1)
    Image.fromarray(img).save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", action="append", help="built-in name or checkpoint folder (repeatable); default faces-ddim")
    ap.add_argument("--pairs", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=9, help="frames per walk")
    ap.add_argument("--strip", type=Path, default=None, help="also save each model's first 4 walks as a PNG per model (4x)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    torch.set_num_threads(1)
    results: dict[str, Any] = {"dataset": "faces32 (fresh renders)", "pairs": args.pairs, "seed": args.seed,
                               "steps": args.steps, "models": {}}
    for spec in args.model or ["faces-ddim"]:
        results["models"][spec], strips = bench_model(spec, args.pairs, args.seed, args.steps)
        if args.strip is not None:
            tag = Path(spec).name
            save_strip(strips[:4], args.strip.with_name(f"{args.strip.stem}-{tag}{args.strip.suffix}"))
    print(json.dumps(results, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
