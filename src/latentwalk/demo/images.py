"""The demo's first lesson: crossfade vs LERP vs SLERP vs matched, on lines and digits, AE, VAE and ACAI.

Pairs are drawn with the demo's seed (the first pairs `latentwalk evaluate --seed` draws), never
hand-picked; the tables lead with means over random pairs and rank on the middle excess (how much
farther the worst middle frame is from real data than the walk's ends), which leaves out the
models' reconstruction error of the ends. That error is stated beside every walk instead.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import torch

from latentwalk.api import load_model
from latentwalk.data import get_dataset, resolve_item
from latentwalk.demo.base import DemoContext, register_section
from latentwalk.demo.evaluation import RANK_BY, PairMeans, pair_means, random_pairs
from latentwalk.metrics.typicality import chi_shell
from latentwalk.paths import interpolate
from latentwalk.pipeline import MethodWalk, run_walk
from latentwalk.pipeline.output import headline
from latentwalk.render import Report, plot_profile_panels, save_gif, save_grid

METHODS = ["crossfade", "lerp", "slerp", "matched"]
STEPS = 9
SHOWN_PAIRS = 1  # per dataset: the first pair of the seeded draw, pictured for every model (the tables hold 16)
EVAL_PAIRS = 16  # random pairs behind every mean in the tables
EVAL_STEPS = 16  # as `latentwalk evaluate` and the ACAI benchmark
EVAL_METHODS = ["lerp", "slerp"]
MODELS = {"lines": ["lines-ae", "lines-vae", "lines-acai"], "digits": ["digits-ae", "digits-vae", "digits-acai"]}

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
beside it. Walks are ranked on the <em>middle excess</em>: how much farther the worst middle frame
is from any real item than the walk's ends are. A latent walk starts and ends at the model's
reconstructions, not at the inputs; that reconstruction error is a fact about the model, stated
beside every walk, and the middle excess leaves it out so that a walk is judged on its middle.</p>
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
    header = ["method", "middle excess ↓", "evenness ↑", "max/mean step ↓", "jumps ↓", "ends' reconstruction (RMS)", "mid norm"]
    best: dict[int, Any] = {1: "min", 2: "max", 3: "min", 4: "min"}
    if lines:
        header += ["ACAI mean distance ↓", "ACAI smoothness ↓"]
        best.update({7: "min", 8: "min"})
    rows = []
    for m, mw in walks.items():
        s = {k: r.summary for k, r in mw.metrics.items()}
        rec = s.get("reconstruction", {})
        ends = max(rec.get("recon_error_start", 0.0), rec.get("recon_error_end", 0.0)) if m != "crossfade" else 0.0
        row = [m, s["realism"]["middle_excess"], s["smoothness"]["evenness"], s["smoothness"]["max_step_ratio"],
               s["smoothness"]["jumps"], ends, s["typicality"]["mid_norm_ratio"] if "typicality" in s else "–"]
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
                            f"{s['smoothness']['max_step_ratio']:.2f}", f"{s['realism']['middle_excess']:.3f}",
                            f"{s['acai']['mean_distance']:.4f}" if gt is not None else "–"])
    metrics = {m: {k: r.summary for k, r in mw.metrics.items()} for m, mw in res.walks.items()}
    return {"pair": [a, b], "metrics": metrics, "html": part.body_html(), "stem": stem}


def _means_table(means: dict[str, PairMeans], lines: bool) -> tuple[list[str], list[list[Any]], dict[int, Any]]:
    """Model x method over the random pairs: mean [95 % interval]; ranked on the middle excess."""
    header = ["model", "method", "middle excess ↓", "evenness ↑", "ends' reconstruction (RMS)"]
    cols = [RANK_BY, "smoothness.evenness", "reconstruction.recon_error_end"]
    if lines:
        header += ["ACAI mean distance ↓", "ACAI smoothness ↓"]
        cols += ["acai.mean_distance", "acai.smoothness"]
    rows, order = [], []
    for name, pm in means.items():
        for m in ["crossfade", *EVAL_METHODS]:
            if name != next(iter(means)) and m == "crossfade":
                continue  # the crossfade does not depend on the model: one row per dataset
            cells = [pm.cell(m, c) for c in cols]
            if m == "crossfade":
                cells[2] = "0 (the inputs)"
            rows.append(["(data)" if m == "crossfade" else name, m, *cells])
            order.append(pm.mean(m, RANK_BY))
    ranked = [r for _, r in sorted(zip(order, rows, strict=True), key=lambda t: (np.isnan(t[0]), t[0]))]
    return header, ranked, {}


def _lesson(dataset: str, means: dict[str, PairMeans]) -> str:
    """What the random-pair numbers say, in words (computed, so it cannot contradict the table)."""
    first = next(iter(means.values()))
    cross = first.mean("crossfade", RANK_BY)
    best_name, best_method, best = min(((n, m, pm.mean(m, RANK_BY)) for n, pm in means.items() for m in EVAL_METHODS),
                                       key=lambda t: t[2] if np.isfinite(t[2]) else np.inf)
    worst_name, worst_method, worst = max(((n, m, pm.mean(m, RANK_BY)) for n, pm in means.items() for m in EVAL_METHODS),
                                          key=lambda t: t[2] if np.isfinite(t[2]) else -np.inf)
    text = (f"<p><b>{dataset}</b>, {first.pairs} random pairs (seed {first.seed}): the crossfade's worst middle frame is "
            f"{cross:.3f} farther from any real item than its ends (pixel RMS). The best latent walk, "
            f"<code>{best_name}</code> {best_method}, adds {best:.3f} ({best / cross:.2f}&times; the crossfade's); "
            f"the worst, <code>{worst_name}</code> {worst_method}, {worst:.3f} ({worst / cross:.2f}&times;).")
    if best >= cross:
        text += " Here no latent walk beats the double exposure on this measure."
    if dataset == "lines":
        c = first.mean("crossfade", "acai.mean_distance")
        parts = [f"<code>{n}</code> {m} {pm.mean(m, 'acai.mean_distance') / c:.2f}&times;"
                 for n, pm in means.items() for m in EVAL_METHODS]
        text += (" ACAI's mean distance to the nearest clean line, relative to the crossfade's "
                 f"({c * 1e3:.2f}&times;10<sup>&minus;3</sup>): " + ", ".join(parts) + ".")
    return text + "</p>"


_KINDS = {"vae": "VAE, prior N(0, I)", "ae": "plain autoencoder", "acai": "ACAI: autoencoder with an interpolation critic"}


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
    means: dict[str, dict[str, PairMeans]] = {}
    for dataset, models in MODELS.items():
        ds = get_dataset(dataset)
        gt, reference = ds.ground_truth(), ds.load().x
        shown = random_pairs(dataset, len(reference), ctx.seed, SHOWN_PAIRS)
        for name in models:
            model = load_model(name, progress=ctx.progress)
            pairs = [_walk_pair(ctx, model, name, a, b, gt, reference, i) for i, (a, b, _) in enumerate(shown)]
            walks[name] = {"weights_sha256": model.meta["weights_sha256"], "kind": _KINDS.get(model.family, model.family),
                           "pairs": pairs, "dataset": dataset}
            first = dataset not in means  # the crossfade is walked once per dataset
            means.setdefault(dataset, {})[name] = pair_means(model, dataset, EVAL_METHODS, EVAL_PAIRS, ctx.seed, EVAL_STEPS,
                                                             gt, reference, crossfade=first)
    _write(ctx, walks, means)
    ctx.manifest["images"] = {"norm_demo": nd, "random_pairs": {
        d: {n: {"pairs": pm.pairs, "steps": pm.steps, "seed": pm.seed, "methods": pm.methods} for n, pm in ms.items()}
        for d, ms in means.items()}, "walks": {
        n: {"weights_sha256": w["weights_sha256"], "pairs": [{"pair": p["pair"], "metrics": p["metrics"]} for p in w["pairs"]]}
        for n, w in walks.items()}}


def _write(ctx: DemoContext, walks: dict[str, Any], means: dict[str, dict[str, PairMeans]]) -> None:
    r = ctx.report
    r.heading("What random pairs say", level=3)
    for dataset, ms in means.items():
        r.paragraph(_lesson(dataset, ms))
        header, rows, _best = _means_table(ms, dataset == "lines")
        first = next(iter(ms.values()))
        r.table(header, rows, caption=f"{dataset}: mean [95 % interval] over {first.pairs} random pairs, "
                f"{first.steps} steps, best first; the same numbers as `latentwalk evaluate --model "
                f"{' --model '.join(ms)} --pairs {first.pairs} --seed {first.seed} --steps {first.steps}`"
                + ("; ACAI smoothness is the authors' max step over net turn, which grows without bound for a pair "
                   "whose two angles nearly coincide" if dataset == "lines" else ""))
    r.heading("The lesson in pictures", level=3)
    for dataset, ms in means.items():
        name = min(ms, key=lambda n: min(ms[n].mean(m, RANK_BY) for m in EVAL_METHODS))  # the best model by the numbers
        first = walks[name]["pairs"][0]
        r.images([(f"{first['stem']}.png", f"{name}: {' → '.join(first['pair'])} (a random pair)"),
                  (f"{first['stem']}-profiles.png", "per-step profiles")])
    for name, w in walks.items():
        inner = "".join(p["html"] for p in w["pairs"])
        r.details(f"{name} ({w['kind']}): {len(w['pairs'])} random pair(s), every frame and number", inner)
