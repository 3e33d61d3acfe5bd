"""`latentwalk direction`: walk along a direction that changes one factor, written like a walk."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import numpy as np
import torch

from latentwalk.cli import app
from latentwalk.cli.common import progress_option
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
    """The direction: supervised kinds are found for the factor; PCA takes the given component
    or, by default, the one of the first 8 that moves the factor most selectively."""
    from latentwalk.factors import best_for, pca_directions

    if kind != "pca":
        return study.direction(kind, factor, positive, negative)
    study.info(factor)  # an unknown factor fails here
    dirs = pca_directions(study.codes, 8, study.seed)
    if component is not None:
        if not 0 <= component < len(dirs):
            raise InvalidParameterError(f"--component must be in [0, {len(dirs) - 1}]; got {component}.")
        return dirs[component]
    return best_for([study.score(d) for d in dirs], factor).direction


def _write(out: str, study: Any, mw: Any, alpha: np.ndarray, score: Any, manifest: dict[str, Any], fps: float) -> None:
    from latentwalk.render import save_strip
    from latentwalk.walk.output import file_hashes, metrics_json, staged_output, versions, write_method

    with staged_output(out) as tmp:
        write_method(mw, tmp, "image", {"fps": fps})
        save_strip(mw.frames.numpy(), tmp / "strip.png", labels=[f"α={a:+.1f}σ" for a in alpha])
        full = {**manifest, "versions": versions(), "scores": score.scores, "own": score.own, "leak": score.leak,
                "selectivity": score.selectivity, "metrics": metrics_json(mw), "files": file_hashes(tmp)}
        (tmp / "manifest.json").write_text(json.dumps(full, indent=2, default=str) + "\n")


@app.command()
@click.option("--model", "-m", "model_spec", required=True, help="Built-in name (e.g. lines-vae) or checkpoint folder.")
@click.option("--factor", required=True, help="Factor to explain: angle (lines), label (digits), ink (any image data).")
@click.option("--kind", default="atvec", show_default=True, help="atvec, balanced, classifier or pca.")
@click.option("--positive", type=float, default=None, help="Positive class (label), angle to turn toward (angle), or threshold.")
@click.option("--negative", type=float, default=None, help="Negative class (default: every other class).")
@click.option("--component", type=int, default=None, help="PCA only: which component (default: the best one for the factor).")
@click.option("--from", "-a", "src", default=None, help="Item to start from (default: a random item of the dataset).")
@click.option("--steps", type=int, default=9, show_default=True, help="Frames of the traversal.")
@click.option("--range", "span", type=float, default=2.0, show_default=True, help="Walk alpha over [-range, range] sigma units.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--fps", type=float, default=6, show_default=True)
@click.option("--out", "-o", required=True, type=click.Path(), help="Output folder.")
@progress_option
def direction(model_spec: str, factor: str, kind: str, positive: float | None, negative: float | None,
              component: int | None, src: str | None, steps: int, span: float, seed: int, fps: float, out: str,
              quiet: bool) -> None:
    """Find a direction for FACTOR in MODEL's latent space, walk along it and score it."""
    from latentwalk.data import resolve_item
    from latentwalk.factors import DIRECTIONS, Study, alphas, traverse
    from latentwalk.metrics import WalkView, compute_metrics
    from latentwalk.models import load_model
    from latentwalk.walk import MethodWalk, decode_batched, encode_items
    from latentwalk.walk.output import check_destination, command_line

    check_destination(Path(out))
    if kind != "pca":
        DIRECTIONS.get(kind)  # "did you mean" before any work
    alpha = alphas(span, steps)
    model, meta = load_model(model_spec, progress=not quiet)
    study = Study.of(model, _dataset_of(meta, model_spec), seed)
    d = _pick(study, kind, factor, positive, negative, component)
    if src is not None:
        z0 = encode_items(model, resolve_item(src, tuple(model.data_shape)).x[None], "mean", None)
    else:
        z0 = study.codes[int(torch.randint(len(study.codes), (1,), generator=torch.Generator().manual_seed(seed)))][None]
    codes = traverse(z0, d, alpha)[0]  # (J, *L)
    frames = decode_batched(model, codes)
    ts = torch.linspace(0, 1, steps)
    view = WalkView(frames=frames, ts=ts, codes=codes, prior=getattr(model, "prior", "none"), method=f"direction:{d.name}")
    mw = MethodWalk(d.name, ts, codes, frames, compute_metrics(view, ["smoothness", "typicality"]))
    score = study.score(d, span=span)
    manifest = {"command": command_line(), "model": {"spec": model_spec, "weights_sha256": meta.get("weights_sha256")},
                "dataset": study.dataset, "direction": {"kind": d.kind, "factor": factor, "name": d.name, "sigma": d.sigma,
                "info": d.info, "vector": d.vector.flatten().tolist()}, "start": src, "alpha": alpha.tolist(), "seed": seed}
    _write(out, study, mw, alpha.numpy(), score, manifest, fps)
    parts = " · ".join(f"{k} {v:.2f}" for k, v in score.scores.items())
    click.echo(f"{d.name}: change per factor {parts}; leak {score.leak:.2f}")
    click.echo(f"wrote {out}")
