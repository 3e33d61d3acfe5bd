"""The demo's first lesson: crossfade vs LERP vs SLERP vs matched, on digits and lines, AE and VAE."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import torch

from latentwalk.api import load_model
from latentwalk.data import get_dataset, resolve_item
from latentwalk.demo.base import DemoContext, register_section
from latentwalk.metrics.typicality import chi_shell
from latentwalk.paths import interpolate
from latentwalk.pipeline import MethodWalk, run_walk
from latentwalk.pipeline.output import headline
from latentwalk.render import Report, plot_profile_panels, save_gif, save_grid

METHODS = ["crossfade", "lerp", "slerp", "matched"]
STEPS = 9
PAIRS = {
    "digits": [("digits:0", "digits:1"), ("digits:3", "digits:8")],
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
<p>Note that a crossfade is perfectly even <em>in pixel space</em> (evenness 1): smoothness alone
cannot see a double exposure. That is why each frame's <em>distance to the nearest real item</em>
of the training data, and on <code>lines</code> the distance to the nearest clean line, stand
beside it.</p>
"""

LESSON = """
<p><b>Lines</b> (top): the crossfade shows two half-bright lines at once. LERP's codes sink
inside the prior's shell (the norm panel) and its middle frames are garbage; SLERP stays on
the shell and decodes to real lines, far closer to a clean line than the double exposure.
<b>Digits</b> (bottom): the latent walks pass through digit-like shapes where the crossfade
overlays two digits. The same numbers for every model and pair are in the table below.</p>
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
        x = [(a + b) / 2 for a, b in itertools.pairwise(ts)] if steps_axis else ts[: len(y)]
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


def _pair_table(walks: dict[str, MethodWalk], lines: bool) -> tuple[list[str], list[list[Any]], dict[int, Any]]:
    header = ["method", "evenness ↑", "max/mean step ↓", "jumps ↓", "worst distance to a real item ↓", "mid norm"]
    best: dict[int, Any] = {1: "max", 2: "min", 3: "min", 4: "min"}
    if lines:
        header += ["ACAI mean distance ↓", "ACAI smoothness ↓"]
        best.update({6: "min", 7: "min"})
    rows = []
    for m, mw in walks.items():
        s = {k: r.summary for k, r in mw.metrics.items()}
        row = [m, s["smoothness"]["evenness"], s["smoothness"]["max_step_ratio"], s["smoothness"]["jumps"],
               s["realism"]["max_nn_distance"], s["typicality"]["mid_norm_ratio"] if "typicality" in s else "–"]
        if lines:
            row += [s["acai"]["mean_distance"], s["acai"].get("smoothness", float("nan"))]
        rows.append(row)
    return header, rows, best


def _walk_pair(ctx: DemoContext, model: Any, name: str, a: str, b: str, gt: Any, reference: Any, idx: int) -> dict[str, Any]:
    """Walk one pair with every method, write its pictures, return its record and its HTML."""
    items = [resolve_item(a, tuple(model.data_shape)), resolve_item(b, tuple(model.data_shape))]
    res = run_walk(model, items, METHODS, STEPS, seed=ctx.seed, ground_truth=gt, reference=reference)
    stem = f"{name}-{idx}"
    rows = [(m, mw.frames.numpy()) for m, mw in res.walks.items()]
    save_grid(rows, ctx.out / f"{stem}.png", notes=[headline(mw) for mw in res.walks.values()])
    video = np.concatenate([mw.frames.numpy() for mw in res.walks.values()], axis=-1)  # methods side by side
    save_gif(video, ctx.out / f"{stem}.gif", fps=6, boomerang=True)
    panels, bands = _panels(res.walks, int(np.prod(model.latent_shape)), gt is not None)
    plot_profile_panels(panels, ctx.out / f"{stem}-profiles.png", bands=bands)
    part = Report("")
    part.heading(f"{name}: {a} → {b}", level=3)
    part.images([(f"{stem}.png", "rows: crossfade, lerp, slerp, matched"),
                 (f"{stem}.gif", "animated, left to right: crossfade, lerp, slerp, matched")])
    part.image(f"{stem}-profiles.png", "per step: change, distance to the nearest real item"
               + (", code norm against the prior's shell" if model.prior == "gaussian" else "")
               + (", distance to the nearest clean line" if gt is not None else ""), pixelated=False)
    header, table, best = _pair_table(res.walks, gt is not None)
    part.table(header, table, highlight_best=best)
    for m, mw in res.walks.items():
        s = {k: r.summary for k, r in mw.metrics.items()}
        ctx.summary.append([name, f"{a}→{b}", m, f"{s['smoothness']['evenness']:.2f}",
                            f"{s['smoothness']['max_step_ratio']:.2f}", f"{s['realism']['max_nn_distance']:.3f}",
                            f"{s['acai']['mean_distance']:.3f}" if gt is not None else "–"])
    metrics = {m: {k: r.summary for k, r in mw.metrics.items()} for m, mw in res.walks.items()}
    return {"pair": [a, b], "metrics": metrics, "html": part.body_html(), "stem": stem}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _overview(records: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Model x method, averaged over the pairs: the table a reader can take away."""
    header = ["model", "method", "evenness ↑", "worst distance to a real item ↓", "mid norm", "ACAI mean distance ↓"]
    rows = []
    for name, rec in records.items():
        for m in METHODS:
            ms = [p["metrics"][m] for p in rec["pairs"]]
            mid = [x["typicality"]["mid_norm_ratio"] for x in ms if "typicality" in x]
            acai = [x["acai"]["mean_distance"] for x in ms if "acai" in x]
            rows.append([name, m, _mean([x["smoothness"]["evenness"] for x in ms]),
                         _mean([x["realism"]["max_nn_distance"] for x in ms]),
                         _mean(mid) if mid else "–", _mean(acai) if acai else "–"])
    return header, rows


@register_section("images", order=10, models=tuple(n for names in MODELS.values() for n in names))
def images_section(ctx: DemoContext) -> None:
    ctx.report.heading("Latent walks vs the double exposure")
    ctx.report.paragraph(INTRO)
    nd = _norm_demo(16, ctx.seed)
    ctx.report.paragraph(
        f"<p>Measured on 2,000 pairs of random N(0, I) codes with d = 16 (&radic;d = {nd['sqrt_d']:.2f}; "
        f"endpoint norm {nd['endpoint_norm']:.2f}): the midpoint norm is {nd['lerp_mid_norm']:.2f} for LERP, "
        f"{nd['slerp_mid_norm']:.2f} for SLERP and {nd['matched_mid_norm']:.2f} for matched.</p>"
    )
    walks: dict[str, Any] = {}
    for dataset, models in MODELS.items():
        ds = get_dataset(dataset)
        gt, reference = ds.ground_truth(), ds.load().x
        for name in models:
            model = load_model(name, progress=ctx.progress)
            meta = model.meta
            kind = "VAE, prior N(0, I)" if model.prior == "gaussian" else "plain autoencoder"
            pairs = [_walk_pair(ctx, model, name, a, b, gt, reference, i) for i, (a, b) in enumerate(PAIRS[dataset])]
            walks[name] = {"weights_sha256": meta["weights_sha256"], "kind": kind, "pairs": pairs}
    _write(ctx, walks)
    ctx.manifest["images"] = {"norm_demo": nd, "walks": {
        n: {"weights_sha256": w["weights_sha256"], "pairs": [{"pair": p["pair"], "metrics": p["metrics"]} for p in w["pairs"]]}
        for n, w in walks.items()}}


def _write(ctx: DemoContext, walks: dict[str, Any]) -> None:
    r = ctx.report
    r.heading("The lesson in two pictures", level=3)
    r.paragraph(LESSON)
    for name in ("lines-vae", "digits-vae"):
        first = walks[name]["pairs"][0]
        r.images([(f"{first['stem']}.png", f"{name}: {' → '.join(first['pair'])}"),
                  (f"{first['stem']}-profiles.png", "per-step profiles")])
    header, rows = _overview(walks)
    r.heading("All models, averaged over their pairs", level=3)
    r.table(header, rows, caption="mean over the pairs below; lower distance = closer to real data")
    for name, w in walks.items():
        inner = "".join(p["html"] for p in w["pairs"])
        r.details(f"{name} ({w['kind']}): {len(w['pairs'])} pairs, every frame and number", inner)
