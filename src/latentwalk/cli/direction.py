"""`latentwalk direction`: walk along a direction that changes one factor, written like a walk."""

from __future__ import annotations

from typing import Any

import click
import numpy as np
import torch

from latentwalk.cli import app
from latentwalk.cli.common import SEED, check_out, output_options, progress_option
from latentwalk.errors import InvalidParameterError


def _dataset_of(meta: dict[str, Any], model_spec: str) -> str:
    name = (meta.get("trained_on") or {}).get("dataset")
    if not name:
        raise InvalidParameterError(
            f"'{model_spec}' does not say which dataset it was trained on; directions need labelled items "
            "(use a built-in model or one trained with `latentwalk train`)."
        )
    return str(name)


def _pick(study: Any, kind: str, factor: str, positive: float | None, negative: float | None, component: int | None) -> Any:
    """The direction for the factor, found by its kind (DIRECTIONS); --component picks PCA's axis."""
    options = {} if component is None else {"component": component}
    return study.direction(kind, factor, positive, negative, **options)


def _check_factor(dataset: str, factor: str, positive: float | None) -> None:
    """Unknown factors, and categorical ones without --positive, fail before the dataset is encoded
    (which, for a GAN, means inverting thousands of items)."""
    from latentwalk.factors import recoverer_for

    factors = recoverer_for(dataset).factors
    if factor not in factors:
        raise InvalidParameterError(f"Dataset '{dataset}' has no factor '{factor}'; its factors: {', '.join(factors)}.")
    if factors[factor].kind == "categorical" and positive is None:
        raise InvalidParameterError(
            f"'{factor}' is categorical: say which class is positive with --positive (e.g. --positive 8), "
            "and optionally --negative."
        )
    if positive is not None and not np.isfinite(positive):
        raise InvalidParameterError(f"--positive must be a finite number; got {positive}.")


def _write(out: str, force: bool, mw: Any, alpha: np.ndarray, score: Any, manifest: dict[str, Any], fps: float) -> None:
    from latentwalk.pipeline.output import metrics_json, staged_output, write_method
    from latentwalk.render import save_strip

    manifest = {**manifest, "scores": score.scores, "own": score.own, "leak": score.leak,
                "selectivity": score.selectivity, "metrics": metrics_json(mw)}
    with staged_output(out, force, manifest) as stage:
        write_method(mw, stage.path, "image", {"fps": fps})
        save_strip(mw.frames.numpy(), stage.path / "strip.png", labels=[f"α={a:+.1f}σ" for a in alpha])


@app.command()
@click.option("--model", "-m", "model_spec", required=True, help="Built-in name (e.g. lines-vae) or checkpoint folder.")
@click.option("--factor", required=True, help="Factor to explain: angle (lines), label (digits), ink (any image data).")
@click.option("--kind", default="atvec", show_default=True, help="atvec, balanced, classifier or pca.")
@click.option("--positive", type=float, default=None, help="Positive class (label), angle to turn toward (angle), or threshold.")
@click.option("--negative", type=float, default=None, help="Negative class (default: every other class).")
@click.option("--component", type=int, default=None, help="PCA only: which of the first 8 axes (default: the one that best separates the factor's positives from its negatives).")
@click.option("--from", "-a", "src", default=None, help="Item to start from (default: a random item of the dataset).")
@click.option("--steps", type=click.IntRange(2, 256), default=9, show_default=True, help="Frames of the traversal.")
@click.option("--range", "span", type=click.FloatRange(0, 100, min_open=True), default=2.0, show_default=True,
              help="Walk alpha over [-range, range] sigma units.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--fps", type=click.FloatRange(0.5, 100), default=6, show_default=True)
@output_options
@progress_option
def direction(model_spec: str, factor: str, kind: str, positive: float | None, negative: float | None,
              component: int | None, src: str | None, steps: int, span: float, seed: int, fps: float, out: str,
              force: bool, quiet: bool) -> None:
    """Find a direction for FACTOR in MODEL's latent space, walk along it and score it."""
    from latentwalk.api import load_model
    from latentwalk.data import resolve_item
    from latentwalk.factors import DIRECTIONS, Study, alphas, traverse
    from latentwalk.metrics import WalkView, compute_metrics
    from latentwalk.pipeline import MethodWalk, decode_batched, encode_items
    from latentwalk.pipeline.core import clamp_frames
    from latentwalk.pipeline.output import invocation

    check_out(out, force)
    DIRECTIONS.get(kind)  # "did you mean" before any work
    alpha = alphas(span, steps)
    model = load_model(model_spec, progress=not quiet)
    meta = model.meta
    dataset = _dataset_of(meta, model_spec)
    _check_factor(dataset, factor, positive)
    start = resolve_item(src, tuple(model.data_shape), getattr(model, "modality", "image")) if src is not None else None
    study = Study.of(model, dataset, seed)
    d = _pick(study, kind, factor, positive, negative, component)
    if start is not None:
        z0 = encode_items(model, start.x[None], "mean", None)
    else:
        z0 = study.codes[int(torch.randint(len(study.codes), (1,), generator=torch.Generator().manual_seed(seed)))][None]
    codes = traverse(z0, d, alpha)[0]  # (J, *L)
    frames = clamp_frames(decode_batched(model, codes), "the traversal")
    ts = torch.linspace(0, 1, steps)
    view = WalkView(frames=frames, ts=ts, codes=codes, prior=getattr(model, "prior", "none"), method=f"direction:{d.name}",
                    extra={"modality": getattr(model, "modality", "image")})
    mw = MethodWalk(d.name, ts, codes, frames, compute_metrics(view, ["smoothness", "typicality"]))
    score = study.score(d, span=span)
    manifest = {**invocation(), "model": {"spec": model_spec, "weights_sha256": meta.get("weights_sha256")},
                "dataset": study.dataset, "direction": {"kind": d.kind, "factor": factor, "name": d.name, "sigma": d.sigma,
                "info": d.info, "vector": d.vector.flatten().tolist()}, "start": src, "alpha": alpha.tolist(), "seed": seed}
    _write(out, force, mw, alpha.numpy(), score, manifest, fps)
    parts = " · ".join(f"{k} {v:.2f}" for k, v in score.scores.items())
    click.echo(f"{d.name}: change per factor {parts}; leak {score.leak:.2f}")
    click.echo(f"wrote {out}")
