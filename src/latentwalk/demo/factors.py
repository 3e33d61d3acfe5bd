"""The demo's lesson on factors: directions that change one thing, scored against the truth."""

from __future__ import annotations

from typing import Any

import torch

from latentwalk.api import load_model
from latentwalk.demo.base import DemoContext, register_section
from latentwalk.factors import DirectionScore, Study, alphas, best_for, pca_directions, traverse
from latentwalk.pipeline import decode_batched
from latentwalk.render import save_grid

SPAN, STEPS, N_STARTS = 2.0, 9, 6
# (model, factor, positive, negative): the supervised directions each model is asked for.
TARGETS = [("lines-vae", "angle", None, None), ("digits-vae", "label", 1.0, 0.0)]
KINDS = ("atvec", "balanced", "classifier")

INTRO = """
<p>"If moving in one direction changes, say, the smile, the model has isolated that factor."
Here the factors are known, so we can <em>measure</em> it. From the codes of labelled items we
find a direction v four ways: the <b>attribute vector</b> (mean code of the positives minus mean
code of the negatives, as in plat), its <b>balanced</b> variant (the same difference taken within
groups of equal other factors, so correlated factors do not leak in), the normal of a linear
<b>classifier</b> (InterFaceGAN, Shen et al. 2020) and, without labels, the <b>principal
axes</b> of the codes (GANSpace, H&auml;rk&ouml;nen et al. 2020). A traversal decodes
z + &alpha;&sigma;v for &alpha; from &minus;2 to 2 (&sigma;: the spread of the codes along v).
Each row of the table says how much each factor moved along the traversals (averaged over
several real starting items; angle in half-turns, class as the change of a classifier's
probabilities, ink relative to twice the dataset's mean brightness). A good direction moves its own
factor and little else: <em>leak</em> is the largest change of any other factor.</p>
"""


def _rows(scores: list[DirectionScore], factors: list[str]) -> list[list[Any]]:
    return [s.row(factors) for s in scores]


def _traversal_grid(ctx: DemoContext, study: Study, score: DirectionScore, stem: str) -> None:
    starts = study.codes[torch.linspace(0, len(study.codes) - 1, 3).long()]  # spread over the dataset
    a = alphas(SPAN, STEPS)
    z = traverse(starts, score.direction, a)  # (3, J, *L)
    frames = decode_batched(study.model, z.reshape(-1, *z.shape[2:])).reshape(3, STEPS, *study.x.shape[1:])
    rows = [(f"start {i + 1}", frames[i].numpy()) for i in range(3)]
    save_grid(rows, ctx.out / f"{stem}.png", labels=[f"α={v:+.1f}σ" for v in a.tolist()])


def _model_block(ctx: DemoContext, name: str, factor: str, pos: float | None, neg: float | None) -> dict[str, Any]:
    model = load_model(name, progress=ctx.progress)
    study = Study.of(model, name.split("-")[0], ctx.seed)
    factors = list(study.recoverer.factors)
    dirs = [study.direction(k, factor, pos, neg) for k in KINDS] + pca_directions(study.codes, 3, ctx.seed)
    scores = [study.score(d, N_STARTS, SPAN, STEPS) for d in dirs]
    ctx.report.heading(f"{name}: directions for '{factor}'", level=3)
    header = ["direction", *[f"Δ {f}" for f in factors], "own ↑", "leak ↓", "selectivity ↑"]
    n = len(factors)
    ctx.report.table(header, _rows(scores, factors), highlight_best={n + 1: "max", n + 2: "min", n + 3: "max"})
    record: dict[str, Any] = {"scores": {s.direction.name: s.scores for s in scores}, "best": {}}
    for f in factors:
        best = best_for(scores, f)
        stem = f"factors-{name}-{f}"
        _traversal_grid(ctx, study, best, stem)
        ctx.report.image(f"{stem}.png", f"best direction for '{f}': {best.direction.name} "
                         f"(Δ {f} {best.scores[f]:.2f}, others ≤ {max(v for k, v in best.scores.items() if k != f):.2f})")
        record["best"][f] = best.direction.name
    return record


@register_section("factors", order=40, models=tuple(t[0] for t in TARGETS))
def factors_section(ctx: DemoContext) -> None:
    ctx.report.heading("Directions that explain a factor")
    ctx.report.paragraph(INTRO)
    ctx.manifest["factors"] = {name: _model_block(ctx, name, f, p, n) for name, f, p, n in TARGETS}
