"""The demo's opening: the seed's own example, faces. Two people mixed as pixels vs walked as
codes, the "smile" direction on three faces, and a grid spanned by three faces.

The pair is the first pair `latentwalk evaluate --seed` draws on `faces`; the numbers beside
the pictures are means with 95 % intervals over EVAL_PAIRS such pairs, read by the faces probe
(data/faces.py): how far each mid-walk frame is from any clean face ("off-face"), and whether
every factor moves from A's value to B's without detours ("factor monotone").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from latentwalk.api import load_model
from latentwalk.data import get_dataset, resolve_item
from latentwalk.demo.base import DemoContext, register_section
from latentwalk.demo.evaluation import PairMeans, pair_means, random_pairs
from latentwalk.factors import Study, alphas, best_for, traverse
from latentwalk.paths.mix import Mode, corner_grid
from latentwalk.pipeline import decode_batched, encode_items, run_walk
from latentwalk.pipeline.output import headline
from latentwalk.render import save_gif, save_grid

MODELS = ("faces-acai", "faces-vae")  # compared on the random pairs; the best by off-face mid is pictured
METHODS = ["crossfade", "lerp", "slerp"]
STEPS = 9
EVAL_PAIRS = 16
EVAL_STEPS = 16
SCALE = 2  # 64x64 faces shown at 128x128
FACTOR = "smile"
KINDS = ("atvec", "balanced", "classifier")
SPAN, TRAVERSAL_STEPS, N_STARTS, STUDY_ITEMS = 2.0, 9, 8, 2048  # as bench/bench_faces.py
OFF_FACE = "faces.mid_off_manifold"
MONOTONE = "faces.factor_monotonicity"

INTRO = """
<p>The idea in one picture. Take two faces A and B. <b>Crossfade</b> mixes their pixels: halfway,
you see both people at half strength, a &ldquo;double exposure&rdquo;, two mouths, two pairs of
eyes. A model that learned faces gives each face a short code z; walking from z<sub>A</sub> to
z<sub>B</sub> (<b>LERP</b> along the straight line, <b>SLERP</b> along the arc of the prior's
sphere) and decoding every step should show <em>one</em> face at every step that slowly
becomes the other: the hair darkens, the head turns, the smile fades.</p>
<p>These faces are drawn by latentwalk itself from ten known factors (smile, head turn, light,
hair, age, eyes, face width, skin, glasses, background), so every frame can be <em>read</em>: a
small probe recovers its factors and redraws the clean face with them. <em>Off-face</em> is how
far a frame is from that clean face (pixel RMS; a double exposure is far from every face);
<em>factor monotone</em> is the share of factors that move from A's value to B's without turning back.</p>
"""


def _means_rows(means: dict[str, PairMeans]) -> tuple[list[str], list[list[Any]]]:
    header = ["model", "method", "off-face mid ↓", "× crossfade", "factor monotone ↑", "ends' reconstruction (RMS)"]
    first = next(iter(means.values()))
    cross = first.mean("crossfade", OFF_FACE)
    rows: list[list[Any]] = [["(data)", "crossfade", first.cell("crossfade", OFF_FACE), "1.00",
                              first.cell("crossfade", MONOTONE), "0 (the inputs)"]]
    for name, pm in means.items():
        for m in ("lerp", "slerp"):
            rows.append([name, m, pm.cell(m, OFF_FACE), f"{pm.mean(m, OFF_FACE) / cross:.2f}",
                         pm.cell(m, MONOTONE), pm.cell(m, "reconstruction.recon_error_end")])
    return header, rows


def _pair(ctx: DemoContext, model: Any, name: str, a: str, b: str, reference: torch.Tensor, gt: Any) -> dict[str, Any]:
    items = [resolve_item(a, tuple(model.data_shape)), resolve_item(b, tuple(model.data_shape))]
    res = run_walk(model, items, METHODS, STEPS, seed=ctx.seed, ground_truth=gt, reference=reference)
    stem = f"faces-{name}-pair"
    save_grid([(m, mw.frames.numpy()) for m, mw in res.walks.items()], ctx.out / f"{stem}.png",
              notes=[headline(mw) for mw in res.walks.values()], scale=SCALE)
    video = np.concatenate([mw.frames.numpy() for mw in res.walks.values()], axis=-1)
    save_gif(video, ctx.out / f"{stem}.gif", fps=6, boomerang=True, scale=SCALE)
    off = {m: mw.metrics["faces"].summary["mid_off_manifold"] for m, mw in res.walks.items()}
    return {"stem": stem, "pair": [a, b], "off_face_mid": off}


def _smile(ctx: DemoContext, model: Any, name: str) -> dict[str, Any]:
    """The smile direction, found three ways from labelled codes; the most selective one traversed on three faces."""
    study = Study.of(model, "faces", ctx.seed, max_items=STUDY_ITEMS)
    scores = [study.score(study.direction(k, FACTOR), N_STARTS, SPAN, TRAVERSAL_STEPS) for k in KINDS]
    best = best_for(scores, FACTOR)
    starts = study.codes[torch.linspace(0, len(study.codes) - 1, 3).long()]
    a = alphas(SPAN, TRAVERSAL_STEPS)
    z = traverse(starts, best.direction, a)
    frames = decode_batched(model, z.reshape(-1, *z.shape[2:])).reshape(3, TRAVERSAL_STEPS, *study.x.shape[1:])
    stem = f"faces-{name}-smile"
    save_grid([(f"face {i + 1}", frames[i].numpy()) for i in range(3)], ctx.out / f"{stem}.png",
              labels=[f"{v:+.1f}σ" for v in a.tolist()], scale=SCALE)
    # scores are in the factor's unit, the full range (2 on the -1..1 scale): report them on the -1..1 scale
    moved = {k: 2 * v if k != "glasses" else v for k, v in best.scores.items()}
    others = {k: v for k, v in moved.items() if k != FACTOR}
    worst = max(others, key=lambda k: others[k])
    return {"stem": stem, "direction": best.direction.name, "smile_moved": moved[FACTOR], "largest_other": worst,
            "largest_other_moved": others[worst], "moved": moved,
            "kinds": {s.direction.name: {"own": s.own, "leak": s.leak} for s in scores}}


def _grid(ctx: DemoContext, model: Any, name: str, n_items: int) -> dict[str, Any]:
    """Three random faces at three corners; the fourth is the analogy B + C - A."""
    g = torch.Generator().manual_seed(ctx.seed + 101)
    idx = torch.randperm(n_items, generator=g)[:3].tolist()
    x = torch.stack([resolve_item(f"faces:{i}", tuple(model.data_shape)).x for i in idx])
    codes = encode_items(model, x, "mean", None)
    mode: Mode = "matched" if model.prior == "gaussian" else "linear"
    z = corner_grid(codes, 5, 5, mode=mode)
    frames = decode_batched(model, z.reshape(-1, *z.shape[2:])).reshape(5, 5, *x.shape[1:])
    stem = f"faces-{name}-grid"
    save_grid([("", frames[r].numpy()) for r in range(5)], ctx.out / f"{stem}.png", scale=SCALE)
    return {"stem": stem, "corners": [f"faces:{i}" for i in idx], "mode": mode}


@register_section("faces", order=5, models=MODELS)
def faces_section(ctx: DemoContext) -> None:
    ds = get_dataset("faces")
    gt, reference = ds.ground_truth(), ds.load().x
    r = ctx.report
    r.heading("Faces: a walk between two people, and a smile")
    r.paragraph(INTRO)
    means: dict[str, PairMeans] = {}
    models = {}
    for i, name in enumerate(MODELS):
        models[name] = load_model(name, progress=ctx.progress)
        # no reference set: the probe's off-face distance replaces the nearest-training-face distance here
        means[name] = pair_means(models[name], "faces", ["lerp", "slerp"], EVAL_PAIRS, ctx.seed, EVAL_STEPS,
                                 gt, None, crossfade=i == 0, n_items=len(reference))
    best = min(MODELS, key=lambda n: means[n].mean("slerp", OFF_FACE))
    model = models[best]
    (a, b, _), = random_pairs("faces", len(reference), ctx.seed, 1)
    pair = _pair(ctx, model, best, a, b, reference, gt)
    cross = means[MODELS[0]].mean("crossfade", OFF_FACE)
    slerp = means[best].mean("slerp", OFF_FACE)
    r.images([(f"{pair['stem']}.png", f"{best}: {a} → {b} (a random pair): rows crossfade, lerp, slerp"),
              (f"{pair['stem']}.gif", "animated, left to right: crossfade, lerp, slerp")])
    r.paragraph(f"<p>Over {EVAL_PAIRS} random pairs (seed {ctx.seed}), the crossfade's middle frames are {cross:.3f} "
                f"from the nearest clean face (pixel RMS); <code>{best}</code>'s SLERP walk stays {slerp:.3f} from one "
                f"({slerp / cross:.2f}&times; the crossfade's). A latent walk starts at the model's reconstructions, "
                "not at the inputs: their error is in the last column.</p>")
    header, rows = _means_rows(means)
    r.table(header, rows, caption=f"faces: mean [95 % interval] over {EVAL_PAIRS} random pairs, {EVAL_STEPS} steps; "
            f"the same numbers as `latentwalk evaluate --model {' --model '.join(MODELS)} --pairs {EVAL_PAIRS} "
            f"--seed {ctx.seed} --steps {EVAL_STEPS}`")
    smile = _smile(ctx, model, best)
    r.heading("One direction, one factor: the smile", level=3)
    r.paragraph(f"<p>&ldquo;If moving in one direction changes, say, the smile, the model has isolated that factor.&rdquo; "
                f"From the codes of {STUDY_ITEMS} faces labelled with their smile we find a direction "
                f"(<code>{smile['direction']}</code>, the most selective of {', '.join(KINDS)}) and add it to three "
                f"faces, from &minus;{SPAN:g}&sigma; to +{SPAN:g}&sigma;. Read by the probe over {N_STARTS} faces, the smile "
                f"moves by {smile['smile_moved']:.2f} (on its &minus;1&hellip;1 scale), the next most moved factor, "
                f"{smile['largest_other']}, by {smile['largest_other_moved']:.2f}.</p>")
    r.image(f"{smile['stem']}.png", f"{best}: the same three faces along the smile direction")
    grid = _grid(ctx, model, best, len(reference))
    r.heading("Three faces span a plane", level=3)
    r.paragraph("<p>Corners: three random faces, A top left, B top right, C bottom left; the bottom-right corner is "
                "the analogy B + C &minus; A (&ldquo;B as C differs from A&rdquo;). Every cell is one decoded code "
                f"({grid['mode']} mixing of the three).</p>")
    r.image(f"{grid['stem']}.png", f"{best}: {', '.join(grid['corners'])}")
    ctx.summary.append([best, f"{a}→{b}", "slerp", "–", "–", f"off-face {slerp:.3f}", "–"])
    ctx.manifest["faces"] = {
        "shown_model": best, "pair": pair,
        "random_pairs": {n: {"pairs": pm.pairs, "steps": pm.steps, "seed": pm.seed, "methods": pm.methods} for n, pm in means.items()},
        "smile": {k: v for k, v in smile.items() if k != "stem"}, "grid": grid,
        "weights_sha256": {n: m.meta["weights_sha256"] for n, m in models.items()},
    }
