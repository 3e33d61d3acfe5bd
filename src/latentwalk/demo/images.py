"""The demo's first lesson: crossfade vs LERP vs SLERP vs matched, on digits and lines, AE and VAE."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from latentwalk.data import get_dataset, resolve_item
from latentwalk.demo.base import DemoContext, register_section
from latentwalk.metrics.typicality import chi_shell
from latentwalk.models import load_model, prepare_builtins
from latentwalk.paths import interpolate
from latentwalk.render import plot_profile_panels, save_gif, save_grid
from latentwalk.walk import MethodWalk, run_walk
from latentwalk.walk.output import headline

METHODS = ["crossfade", "lerp", "slerp", "matched"]
STEPS = 9
PAIRS = {
    "digits": [("digits:0", "digits:1"), ("digits:3", "digits:8"), ("digits:4", "digits:7")],
    "lines": [("lines:angle=0.3", "lines:angle=2.5"), ("lines:angle=1.0", "lines:angle=4.0")],
}
MODELS = {"digits": ["digits-ae", "digits-vae"], "lines": ["lines-ae", "lines-vae"]}

INTRO = """
<p>A <b>latent space</b> is the compact code z a model learns for its data: an autoencoder's
encoder maps an image x to z, its decoder maps z back to x&#770;. A VAE learns a distribution
q(z|x) and a prior p(z) = N(0, I). <b>Interpolating</b> means walking from z<sub>A</sub> to
z<sub>B</sub> and decoding every step: z(t) = (1 &minus; t) z<sub>A</sub> + t z<sub>B</sub> for
LERP, and x&#770;(t) = decoder(z(t)).</p>
<p>Mixing the pixels of A and B instead (<b>crossfade</b>) gives a &ldquo;double exposure&rdquo;:
both objects at half strength. A good latent space instead changes the <em>meaning</em> smoothly.
With a Gaussian prior, codes lie near a sphere of radius about &radic;d; LERP's midpoint falls
inside it (its norm shrinks by about 1/&radic;2 for unrelated codes), where the model has rarely
been. <b>SLERP</b> walks along the arc and keeps the norm; <b>matched</b> (Agustsson et al. 2019)
rescales LERP so that N(0, I) codes stay N(0, I).</p>
<p>A <b>good interpolation</b> changes smoothly when z changes smoothly, passes through logical
intermediates, and has no jumps, no artefacts and no garbage in the middle. The numbers beside
each row measure exactly that: <em>evenness</em> (1 &minus; Gini of the frame-to-frame steps; 1 = perfectly
even), <em>max/mean step</em> (a jump makes it large), <em>mid norm</em> (the code's norm at t = 0.5
relative to the endpoints'), and on <code>lines</code>, where the true factor (the angle) is known,
ACAI's <em>mean distance</em> to the nearest clean line (0 = every frame is a real line).</p>
"""


def _norm_demo(d: int, seed: int) -> dict[str, float]:
    """The shrinking midpoint, measured on random N(0, I) codes of the model's size."""
    g = torch.Generator().manual_seed(seed)
    z0, z1 = torch.randn(2000, d, generator=g), torch.randn(2000, d, generator=g)
    half = torch.tensor([0.5])
    out = {"sqrt_d": math.sqrt(d), "endpoint_norm": float(z0.norm(dim=1).mean())}
    for m in ("lerp", "slerp", "matched"):
        out[f"{m}_mid_norm"] = float(interpolate(z0, z1, half, m)[:, 0].norm(dim=1).mean())
    return out


def _curves(walks: dict[str, MethodWalk], metric: str, key: str, steps_axis: bool = False) -> dict[str, tuple[list[float], list[float]]]:
    out = {}
    for name, mw in walks.items():
        r = mw.metrics.get(metric)
        if r is None or key not in r.profile:
            continue
        y = r.profile[key]
        ts = mw.ts.tolist()
        x = [(a + b) / 2 for a, b in zip(ts[:-1], ts[1:])] if steps_axis else ts[: len(y)]
        out[name] = (x, y)
    return out


def _panels(walks: dict[str, MethodWalk], d: int, lines: bool) -> tuple[list[Any], list[Any]]:
    panels: list[Any] = [
        ("frame-to-frame change", "step (pixel RMS)", _curves(walks, "smoothness", "step", True)),
        ("distance to the nearest real item", "pixel RMS", _curves(walks, "realism", "nn_distance")),
    ]
    bands: list[Any] = [None, None]
    norm = _curves(walks, "typicality", "norm")
    if norm:
        panels.append(("code norm |z(t)|", "norm", norm))
        bands.append(chi_shell(d))
    if lines:
        panels.append(("distance to nearest clean line", "cosine distance", _curves(walks, "acai", "line_distance")))
        bands.append(None)
    return panels, bands


def _walk_pair(ctx: DemoContext, model: Any, name: str, a: str, b: str, gt: Any, reference: Any, idx: int) -> dict[str, Any]:
    items = [resolve_item(a, tuple(model.data_shape)), resolve_item(b, tuple(model.data_shape))]
    res = run_walk(model, items, METHODS, STEPS, seed=ctx.seed, ground_truth=gt, reference=reference)
    stem = f"{name}-{idx}"
    rows = [(m, mw.frames.numpy()) for m, mw in res.walks.items()]
    save_grid(rows, ctx.out / f"{stem}.png", notes=[headline(mw) for mw in res.walks.values()])
    video = np.concatenate([mw.frames.numpy() for mw in res.walks.values()], axis=-1)  # side by side
    save_gif(video, ctx.out / f"{stem}.gif", fps=6, boomerang=True)
    panels, bands = _panels(res.walks, int(np.prod(model.latent_shape)), gt is not None)
    plot_profile_panels(panels, ctx.out / f"{stem}-profiles.png", bands=bands)
    ctx.report.heading(f"{name}: {a} → {b}", level=3)
    ctx.report.images([(f"{stem}.png", "rows: crossfade, lerp, slerp, matched"), (f"{stem}.gif", "the same walks, animated")])
    ctx.report.image(f"{stem}-profiles.png", "where each walk changes fast, how far its codes stray from the prior's shell" if model.prior == "gaussian" else "where each walk changes fast", pixelated=False)
    table = []
    for m, mw in res.walks.items():
        s = {k: r.summary for k, r in mw.metrics.items()}
        row = [m, s["smoothness"]["evenness"], s["smoothness"]["max_step_ratio"], s["smoothness"]["jumps"],
               s["realism"]["max_nn_distance"]]
        row.append(s["typicality"]["mid_norm_ratio"] if "typicality" in s else "–")
        if gt is not None:
            row += [s["acai"]["mean_distance"], s["acai"].get("smoothness", float("nan"))]
        table.append(row)
        ctx.summary.append([name, f"{a}→{b}", m, f"{s['smoothness']['evenness']:.2f}",
                            f"{s['smoothness']['max_step_ratio']:.2f}", f"{s['realism']['max_nn_distance']:.3f}",
                            f"{s['acai']['mean_distance']:.3f}" if gt is not None else "–"])
    header = ["method", "evenness ↑", "max/mean step ↓", "jumps ↓", "worst distance to a real item ↓", "mid norm"]
    best = {1: "max", 2: "min", 3: "min", 4: "min"}
    if gt is not None:
        header += ["ACAI mean distance ↓", "ACAI smoothness ↓"]
        best.update({6: "min", 7: "min"})
    ctx.report.table(header, table, highlight_best=best)
    return {"pair": [a, b], "metrics": {m: {k: r.summary for k, r in mw.metrics.items()} for m, mw in res.walks.items()}}


@register_section("images", order=10)
def images_section(ctx: DemoContext) -> None:
    ctx.report.heading("Latent walks vs the double exposure")
    ctx.report.paragraph(INTRO)
    nd = _norm_demo(16, ctx.seed)
    ctx.report.paragraph(
        f"<p>Measured on 2,000 pairs of random N(0, I) codes with d = 16 (&radic;d = {nd['sqrt_d']:.2f}; "
        f"endpoint norm {nd['endpoint_norm']:.2f}): the midpoint norm is {nd['lerp_mid_norm']:.2f} for LERP, "
        f"{nd['slerp_mid_norm']:.2f} for SLERP and {nd['matched_mid_norm']:.2f} for matched.</p>"
    )
    records: dict[str, Any] = {"norm_demo": nd, "walks": {}}
    prepare_builtins([n for names in MODELS.values() for n in names], ctx.progress)
    for dataset, models in MODELS.items():
        ds = get_dataset(dataset)
        gt, reference = ds.ground_truth(), ds.load().x
        for name in models:
            model, meta = load_model(name, progress=ctx.progress)
            records["walks"][name] = {"weights_sha256": meta["weights_sha256"], "pairs": []}
            ctx.report.heading(f"{name} ({'VAE, prior N(0, I)' if model.prior == 'gaussian' else 'plain autoencoder'})")
            for i, (a, b) in enumerate(PAIRS[dataset]):
                records["walks"][name]["pairs"].append(_walk_pair(ctx, model, name, a, b, gt, reference, i))
    ctx.manifest["images"] = records
