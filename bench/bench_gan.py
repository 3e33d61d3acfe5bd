"""The GAN on held-out real digits: how well it inverts them, and how clean its walks are.

    OMP_NUM_THREADS=1 python bench/bench_gan.py [--model digits-gan] [--pairs 24] [--seed 0] [--png walks.png]

Held out: the digits the recipe's trainer set aside (`val_fraction` of them, drawn by its seed, as
models/training.py splits), never seen by the generator or its encoder. Random pairs of them,
drawn with `--seed`:

- inversion RMSE (pixel scale [0, 1]) of the model's `invert` (encoder start + refinement), beside
  the encoder alone (E(x), no refinement) and the optimisation-only baseline (random starts, the
  library's default InversionConfig: 4 restarts x 300 steps), measured in the same run;
- the high-frequency share (latentwalk.metrics.spectral: FFT power above half of Nyquist) of the
  frames of SLERP walks between the inverted pairs and between pairs of prior draws, against the
  held-out real digits themselves.

Means with 95% bootstrap intervals (2,000 resamples over pairs or items, seeded). Prints the JSON
and writes bench/results/gan.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from latentwalk.data import get_dataset
from latentwalk.metrics.spectral import high_frequency_share
from latentwalk.models.builtin import BUILTINS, load_builtin
from latentwalk.models.checkpoint import load_checkpoint
from latentwalk.models.inversion import InversionConfig, invert_decoder
from latentwalk.models.training import _split
from latentwalk.paths import interpolate

RESULTS = Path(__file__).parent / "results" / "gan.json"
STEPS = 9  # frames per walk, endpoints included


def held_out(recipe_name: str) -> torch.Tensor:
    """The digits the recipe's training set aside: (M, 1, 16, 16)."""
    cfg = BUILTINS.get(recipe_name).train
    if not cfg.val_fraction:
        raise SystemExit(f"{recipe_name} trains on every digit (val_fraction 0): nothing is held out.")
    x = get_dataset("digits").load().x
    _, val = _split(x, cfg.val_fraction, torch.Generator().manual_seed(cfg.seed))  # the trainer's own draw
    assert val is not None
    return val


def interval(values: torch.Tensor, seed: int, n: int = 2000) -> dict[str, float]:
    """Mean and 95% percentile-bootstrap interval of a (K,) sample."""
    g = torch.Generator().manual_seed(seed)
    v = values.to(torch.float64)
    means = v[torch.randint(0, len(v), (n, len(v)), generator=g)].mean(1)
    lo, hi = torch.quantile(means, torch.tensor([0.025, 0.975], dtype=torch.float64)).tolist()
    return {"mean": round(float(v.mean()), 5), "ci95": [round(lo, 5), round(hi, 5)], "n": len(v)}


def walk_frames(model: Any, z0: torch.Tensor, z1: torch.Tensor) -> torch.Tensor:
    """SLERP walks (B, T, 1, 16, 16) between code pairs (B, d)."""
    z = interpolate(z0, z1, torch.linspace(0, 1, STEPS), "slerp")  # (B, T, d)
    with torch.no_grad():
        return model.decode(z.flatten(0, 1)).view(len(z0), STEPS, *model.data_shape)


def walk_hf(frames: torch.Tensor) -> torch.Tensor:
    """(B, T, C, H, W) -> (B,) mean high-frequency share of each walk's frames."""
    return high_frequency_share(frames.flatten(0, 1)).view(frames.shape[:2]).mean(1)


def save_strip(rows: torch.Tensor, path: Path, scale: int = 8) -> None:
    """(R, T, 1, H, W) frames in [0, 1] -> one PNG, a walk per row, upscaled `scale` x nearest.
    Rows 1-4: real A | walk between the inverted codes | real B; rows 5-8: walks between prior draws."""
    import numpy as np
    from PIL import Image

    framed = torch.nn.functional.pad(rows[:, :, 0], (0, 1, 0, 1), value=0.35)  # a grey line between frames
    r, t, h, w = framed.shape
    grid = framed.permute(0, 2, 1, 3).reshape(r * h, t * w)  # (R*H, T*W)
    img = Image.fromarray((grid.clamp(0, 1).numpy() * 255).round().astype(np.uint8))
    img.resize((t * w * scale, r * h * scale), Image.NEAREST).save(path)


def run(args: argparse.Namespace) -> dict[str, Any]:
    torch.set_num_threads(1)
    model = (load_checkpoint(args.model)[0] if Path(args.model).is_dir() else load_builtin(args.model, progress=False)[0]).eval()
    val = held_out(args.recipe)
    g = torch.Generator().manual_seed(args.seed)
    idx = torch.randperm(len(val), generator=g)[: 2 * args.pairs]
    a, b = val[idx[: args.pairs]], val[idx[args.pairs :]]
    x = torch.cat([a, b])  # (2P, 1, 16, 16)

    t0 = time.perf_counter()
    z = model.invert(x, generator=torch.Generator().manual_seed(args.seed + 1))
    seconds = time.perf_counter() - t0
    report = model.last_inversion
    rmse = torch.tensor(report["rmse"])
    encoder_only = torch.tensor(report["start_rmse"])
    t0 = time.perf_counter()
    _, base = invert_decoder(model.decode, x, model.latent_shape, InversionConfig(), torch.Generator().manual_seed(args.seed + 1))
    base_seconds = time.perf_counter() - t0
    base_rmse = torch.tensor(base["rmse"])

    inverted = walk_frames(model, z[: args.pairs], z[args.pairs :])  # (P, T, 1, 16, 16)
    prior = model.sample_latents(2 * args.pairs, torch.Generator().manual_seed(args.seed + 2))
    sampled = walk_frames(model, prior[: args.pairs], prior[args.pairs :])
    real_hf = high_frequency_share(val)
    hf = {"real_heldout": interval(real_hf, args.seed), "walks_inverted": interval(walk_hf(inverted), args.seed),
          "walks_prior": interval(walk_hf(sampled), args.seed)}
    out = {
        "model": args.model, "recipe": args.recipe, "seed": args.seed, "pairs": args.pairs, "frames_per_walk": STEPS,
        "held_out_items": len(val),
        "inversion_rmse": {"invert": interval(rmse, args.seed), "encoder_only": interval(encoder_only, args.seed),
                           "optimisation_only_baseline": interval(base_rmse, args.seed),
                           "ratio_invert_to_baseline": round(float(rmse.mean() / base_rmse.mean()), 4),
                           "seconds": {"invert": round(seconds, 2), "baseline": round(base_seconds, 2)},
                           "invert_config": {k: report[k] for k in ("steps", "restarts", "lr", "prior_weight", "ssim_weight")},
                           "encoder_start_kept": sum(int(r == 0) for r in report["best_restart"])},
        "high_frequency_share": {**hf,
                                 "ratio_inverted_to_real": round(hf["walks_inverted"]["mean"] / hf["real_heldout"]["mean"], 3),
                                 "ratio_prior_to_real": round(hf["walks_prior"]["mean"] / hf["real_heldout"]["mean"], 3)},
    }
    if args.png:
        rows = torch.cat([torch.cat([a[:4, None], inverted[:4], b[:4, None]], 1),  # real | walk | real
                          torch.cat([sampled[:4, :1] * 0, sampled[:4], sampled[:4, :1] * 0], 1)])
        save_strip(rows, Path(args.png))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="digits-gan", help="a built-in name or a checkpoint folder")
    ap.add_argument("--recipe", default="digits-gan", help="whose held-out split to use")
    ap.add_argument("--pairs", type=int, default=24)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--png", default="", help="also save a strip of walks here (4 inverted, 4 prior; 8x nearest)")
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args()
    out = run(args)
    text = json.dumps(out, indent=2)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
