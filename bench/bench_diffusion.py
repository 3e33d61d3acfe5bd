"""Diffusion noise latents on held-out real digits: is x_T an honest code, and are its walks clean?

    python bench/bench_diffusion.py                         # digits-ddim and digits-ldm, 32 pairs
    python bench/bench_diffusion.py --model digits-ddim --pairs 8 --strip walks.png

For each model, random pairs of held-out digits (the 10% its diffusion stage did not train on,
drawn with --seed) are walked with slerp on x_T, as `latentwalk walk` does:

- inversion RMSE: per input, decode(invert(x)) against x, pixels in [0, 1] (what the walk's
  manifest records under "inversion"); target <= 0.03 for the pixel-space DDIM. For the LDM it
  includes the autoencoder's own reconstruction error, also shown alone (`ae_rmse`).
- evenness: 1 - Gini of the adjacent-frame RMS steps (metrics/smoothness.py); target >= 0.8.
- high-frequency share: power above half of Nyquist (metrics/spectral.py), of the walk's frames
  against the real digits' (the baseline, measured in the same run); target <= 2x.

Every number is a mean with a 95% interval (mean +- 1.96 standard errors) over the pairs (or
inputs). Prints JSON and writes bench/results/diffusion.json. One thread.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

import torch

RESULTS = Path(__file__).parent / "results" / "diffusion.json"


def high_frequency_share(images: torch.Tensor, cutoff: float = 0.5) -> torch.Tensor:
    """(N, C, H, W) -> (N,): metrics/spectral.py's measure, or the same maths if it is not there."""
    try:
        from latentwalk.metrics.spectral import high_frequency_share as shared
    except ImportError:
        x = images.double() - images.double().mean(dim=(-2, -1), keepdim=True)
        power = torch.fft.fft2(x).abs().pow(2).sum(1)  # (N, H, W)
        fy, fx = torch.fft.fftfreq(x.shape[-2]), torch.fft.fftfreq(x.shape[-1])
        high = (fy[:, None] ** 2 + fx[None, :] ** 2).sqrt() > cutoff * 0.5
        return (power[:, high].sum(1) / power.flatten(1).sum(1).clamp_min(1e-300)).float()
    return shared(images, cutoff)


def interval(values: list[float]) -> dict[str, float]:
    """Mean and 95% interval (normal approximation) of `values`."""
    v = torch.tensor(values, dtype=torch.float64)
    half = 1.96 * float(v.std()) / math.sqrt(len(v)) if len(v) > 1 else 0.0
    m = float(v.mean())
    return {"mean": round(m, 5), "lo": round(m - half, 5), "hi": round(m + half, 5), "n": len(v)}


def held_out(name: str, n: int) -> torch.Tensor:
    """The indices the trainer held out of recipe NAME (models/training.py `_split`, same seed)."""
    from latentwalk.models import BUILTINS

    cfg = BUILTINS.get(name).train
    g = torch.Generator().manual_seed(cfg.seed)
    perm = torch.randperm(n, generator=g)
    return perm[: max(1, int(n * cfg.val_fraction))]


def draw_pairs(candidates: torch.Tensor, pairs: int, seed: int) -> list[tuple[int, int]]:
    g = torch.Generator().manual_seed(seed)
    idx = candidates[torch.randperm(len(candidates), generator=g)[: 2 * pairs]]
    return [(int(idx[2 * i]), int(idx[2 * i + 1])) for i in range(len(idx) // 2)]


def bench_model(name: str, pairs: int, seed: int, steps: int) -> tuple[dict[str, Any], list[torch.Tensor]]:
    from latentwalk.api import load_model
    from latentwalk.data import get_dataset
    from latentwalk.data.base import Item
    from latentwalk.pipeline import run_walk

    model = load_model(name, progress=False)
    x = get_dataset("digits").load().x
    recipe = str(model.meta.get("builtin") or "digits-ddim")  # a checkpoint folder: held out as digits-ddim's
    real_hf = high_frequency_share(x[held_out(recipe, len(x))])
    rmse, ae_rmse, even, hf, cross_even, strips, seconds = [], [], [], [], [], [], []
    for a, b in draw_pairs(held_out(recipe, len(x)), pairs, seed):
        items = [Item(x[a], f"digits:{a}"), Item(x[b], f"digits:{b}")]
        start = time.perf_counter()
        res = run_walk(model, items, ["slerp", "crossfade"], steps=steps, metrics=["smoothness"], seed=seed)
        seconds.append(time.perf_counter() - start)
        rmse += res.params["inversion"]["rmse"]
        ae_rmse += res.params["inversion"].get("autoencoder_rmse", [])
        frames = res.walks["slerp"].frames
        even.append(res.walks["slerp"].metrics["smoothness"].summary["evenness"])
        cross_even.append(res.walks["crossfade"].metrics["smoothness"].summary["evenness"])
        hf.append(float(high_frequency_share(frames).mean()))
        strips.append(torch.cat([x[a][None], frames, x[b][None]]))
    out = {
        "inversion_rmse": interval(rmse),
        "inversion_rmse_max": round(max(rmse), 5),
        "evenness": interval(even),
        "evenness_crossfade": interval(cross_even),
        "high_frequency_share": interval(hf),
        "high_frequency_share_real": interval(real_hf.tolist()),
        "high_frequency_ratio": round(interval(hf)["mean"] / interval(real_hf.tolist())["mean"], 3),
        "seconds_per_walk": round(sum(seconds) / len(seconds), 3),
    }
    if ae_rmse:
        out["ae_rmse"] = interval(ae_rmse)
    return out, strips


def save_strip(strips: list[torch.Tensor], path: Path, scale: int = 8) -> None:
    """Rows of [input A, walk frames, input B], nearest-neighbour upscaled."""
    import numpy as np
    from PIL import Image

    rows = [torch.cat(list(s), dim=-1) for s in strips]  # (C, H, W * (T + 2)) each
    grid = torch.cat(rows, dim=-2)[0]  # (rows * H, W * (T + 2))
    img = (grid.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    img = np.kron(img, np.ones((scale, scale), dtype=np.uint8))
    Image.fromarray(img).save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", action="append", help="built-in name or checkpoint folder (repeatable); default digits-ddim and digits-ldm")
    ap.add_argument("--pairs", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=16, help="frames per walk")
    ap.add_argument("--strip", type=Path, default=None, help="also save the first 8 walks of each model as a PNG (8x)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    torch.set_num_threads(1)
    results: dict[str, Any] = {"pairs": args.pairs, "seed": args.seed, "steps": args.steps, "models": {}}
    all_strips: list[torch.Tensor] = []
    for name in args.model or ["digits-ddim", "digits-ldm"]:
        results["models"][name], strips = bench_model(name, args.pairs, args.seed, args.steps)
        all_strips += strips[:8]
    print(json.dumps(results, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    if args.strip is not None:
        save_strip(all_strips, args.strip)


if __name__ == "__main__":
    main()
