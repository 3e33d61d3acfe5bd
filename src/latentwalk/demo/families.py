"""The demo's family lesson: the first random pair `latentwalk evaluate --seed S` draws on digits,
walked with SLERP in six latent spaces — AE, VAE, GAN (inverted), latent-diffusion autoencoder,
latent diffusion, DDIM noise — beside the crossfade, each with the error its codes start from
(the inversion's, for the models without an encoder), then the same numbers over a few random pairs.

Part of the default demo: every model ships trained, and the section walks PAIRS pairs at STEPS
frames (the DDIM's 50 network calls a frame are the bulk of its time).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from latentwalk.api import load_model
from latentwalk.data import get_dataset, resolve_item
from latentwalk.demo.base import DemoContext, register_section
from latentwalk.demo.evaluation import PairMeans, random_pairs
from latentwalk.errors import MissingExtraError
from latentwalk.metrics.spectral import high_frequency_share
from latentwalk.models.model import Model
from latentwalk.paths import interpolate
from latentwalk.pipeline import run_walk
from latentwalk.pipeline.core import MethodWalk, WalkResult
from latentwalk.pipeline.output import headline
from latentwalk.render import save_gif, save_grid
from latentwalk.sweep.summary import interval
from latentwalk.sweep.work import inversion_columns, metric_columns

DATASET = "digits"
PAIRS = 4  # random pairs for the numbers; the first is the one shown
STEPS = 9
HF = "spectral.high_frequency_share"
HF_RATIO = "spectral.high_frequency_ratio"  # the frames' share over the two inputs': the pair's digits cancel
INV = "inversion.rmse"
FAMILIES = [  # (built-in, what its latent space is)
    ("digits-ae", "AE: the encoder's code, 16-d, no prior"),
    ("digits-vae", "VAE: posterior mean, 16-d, prior N(0, I)"),
    ("digits-gan", "GAN: z from its inversion encoder, refined by optimisation, 32-d, prior N(0, I)"),
    ("digits-ldm-ae", "latent-diffusion AutoencoderKL: scaled latent (4, 4, 4)"),
    ("digits-ldm", "latent diffusion: DDIM x_T (4, 4, 4) in digits-ldm-ae's latent, by deterministic inversion"),
    ("digits-ddim", "DDIM noise x_T (1, 16, 16) by deterministic inversion"),
]

INTRO = f"""
<p>The same two real digits — the first random pair <code>latentwalk evaluate --seed</code> draws —
walked with SLERP in the latent space of six model families, and cross-faded in pixel space for
reference. <b>AE</b> and <b>VAE</b> encode directly. A <b>GAN</b> has no encoder: its codes are found
by <em>inversion</em> (Creswell &amp; Bharath 2018), here started from a small encoder trained to
invert the generator and refined by optimising z until G(z) reproduces the image, so its walk's
ends are only as close as the inversion gets. The <b>latent-diffusion autoencoder</b> (Rombach et
al. 2022) has a spatial latent (C, H, W) scaled to unit variance; slerp walks it flattened.
<b>DDIM</b> (Song et al. 2021) maps an image to the noise x<sub>T</sub> by running its deterministic
sampler backwards; walking there and sampling back gives images the diffusion model believes in,
at the cost of 50 network calls a frame. <b>Latent diffusion</b> does the same in the
autoencoder's latent: x<sub>T</sub> is (4, 4, 4) instead of the image's (1, 16, 16).</p>
<p>Read the first table as: <em>inversion RMSE</em> — for the models without an encoder, how far
decode(invert(x)) is from each input (pixel RMS, input A / input B); <em>endpoint error</em> — how far
the walk's ends are from the real inputs, whatever found the codes; <em>evenness</em> and
<em>max/mean step</em> — does the picture change at an even pace; <em>jumps</em>; <em>mid norm</em> —
the code's norm at t = 0.5 relative to the ends (1 keeps to the prior's shell); <em>PPL</em> —
perceptual path length (Karras et al. 2019) along the walk, lower is smoother; <em>high-freq
share</em> — the share of the frames' power above half the Nyquist frequency, where speckle and
checkerboards live, and where a blurry decoder has too little (all real digits: the last row of the
second table); <em>s</em> — seconds to get both codes and walk. The second table gives evenness, the
high-frequency share — also divided by the two inputs' own, so that which digits were drawn cancels
(1: as crisp as the inputs, below: blurrier, above: speckle or harder edges) — and the inversion
error as means with a 95 % interval over {PAIRS} random pairs (<code>latentwalk evaluate --pairs {PAIRS} --steps {STEPS}</code>
draws the same ones; <code>bench/bench_gan.py</code> and <code>bench/bench_diffusion.py</code> measure
over more).</p>
"""


def _columns(res: WalkResult, mw: MethodWalk) -> dict[str, float]:
    """A walk's numbers as `latentwalk evaluate` names them, plus the frames' high-frequency share."""
    inv = inversion_columns(res.params) if mw.codes is not None else {}  # the crossfade walks the inputs
    hf = float(high_frequency_share(mw.frames).mean())
    return {**metric_columns(mw.metrics), HF: hf, HF_RATIO: hf / float(high_frequency_share(res.inputs).mean()), **inv}


def _pair_means(name: str, walks: list[tuple[WalkResult, float]], method: str, seed: int) -> PairMeans:
    """One method's numbers over the pairs, as the demo's other random-pair tables give them."""
    rows = [_columns(res, res.walks[method]) for res, _ in walks]
    keys = sorted({k for r in rows for k in r})
    pm = PairMeans(name, len(rows), STEPS, seed)
    pm.methods[method] = {k: interval(np.array([r.get(k, np.nan) for r in rows], dtype=np.float64)) for k in keys}
    return pm


def _walk_pairs(model: Model, pairs: list[tuple[str, str, int]]) -> list[tuple[WalkResult, float]]:
    """Every pair walked with the crossfade and SLERP, with its seconds (the codes' search included)."""
    out = []
    for a, b, s in pairs:
        items = [resolve_item(a, tuple(model.data_shape)), resolve_item(b, tuple(model.data_shape))]
        t0 = time.perf_counter()
        res = run_walk(model, items, ["crossfade", "slerp"], STEPS, seed=s)
        out.append((res, time.perf_counter() - t0))
    return out


def _pair_row(name: str, dims: int | str, cols: dict[str, float], inversion: Any, seconds: float | str) -> list[Any]:
    rmse = (inversion or {}).get("rmse")
    inv = " / ".join(f"{v:.3f}" for v in rmse) if rmse else "–"
    ends = (cols.get("reconstruction.recon_error_start", np.nan) + cols.get("reconstruction.recon_error_end", np.nan)) / 2
    return [name, dims, inv, ends, cols["smoothness.evenness"], cols["smoothness.max_step_ratio"], cols["smoothness.jumps"],
            cols.get("typicality.mid_norm_ratio", "–"), cols.get("ppl.mean", "–"), cols[HF],
            seconds if isinstance(seconds, str) else round(seconds, 2)]


def _means_cells(pm: PairMeans, method: str) -> list[Any]:
    """evenness, high-frequency share (mean), its ratio to the inputs', inversion RMSE: over the pairs."""
    return [pm.cell(method, "smoothness.evenness"), pm.mean(method, HF), pm.cell(method, HF_RATIO), pm.cell(method, INV)]


def _gan_samples_row(ctx: DemoContext) -> tuple[str, np.ndarray]:
    """A walk between two codes drawn from the GAN's prior: no inversion error at the ends."""
    model = load_model("digits-gan", progress=ctx.progress)
    g = torch.Generator().manual_seed(ctx.seed)
    z0, z1 = model.sample_latents(2, g).chunk(2)
    z = interpolate(z0, z1, torch.linspace(0, 1, STEPS), "slerp")[0]  # (T, d)
    with torch.no_grad():
        return "gan: 2 prior samples", model.decode(z).numpy()


def _note(mw: MethodWalk, inversion: Any) -> str:
    rmse = (inversion or {}).get("rmse")
    return headline(mw) + (f" · inversion RMSE {rmse[0]:.3f} | {rmse[1]:.3f}" if rmse else "")


@register_section("families", order=30, models=tuple(n for n, _ in FAMILIES))
def families_section(ctx: DemoContext) -> None:
    ctx.report.heading("Six latent spaces, one pair of digits")
    ctx.report.paragraph(INTRO)
    x = get_dataset(DATASET).load().x
    real_hf = float(high_frequency_share(x).mean())
    pairs = random_pairs(DATASET, len(x), ctx.seed, PAIRS)
    shown = f"{pairs[0][0]}→{pairs[0][1]}"
    rows: list[tuple[str, np.ndarray]] = []
    notes: list[str] = []
    table: list[list[Any]] = []
    means: list[list[Any]] = []
    cross: PairMeans | None = None
    record: dict[str, Any] = {"pair": list(pairs[0][:2]), "pair_seed": pairs[0][2], "steps": STEPS,
                              "random_pairs": [list(p) for p in pairs], "real_high_frequency_share": real_hf, "families": {}}
    for name, what in FAMILIES:
        try:
            model = load_model(name, progress=ctx.progress)
        except MissingExtraError as exc:
            ctx.report.paragraph(f"<p><b>{name}</b> skipped: {exc}</p>")
            continue
        walks = _walk_pairs(model, pairs)
        (res, seconds), inversion = walks[0], walks[0][0].params.get("inversion")
        if cross is None:  # the crossfade does not depend on the model: once, from the first family's walks
            cf = res.walks["crossfade"]
            rows.append(("crossfade (pixels)", cf.frames.numpy()))
            notes.append(headline(cf))
            exact = {"reconstruction.recon_error_start": 0.0, "reconstruction.recon_error_end": 0.0}  # the inputs
            table.append(_pair_row("crossfade", "–", {**_columns(res, cf), **exact}, None, "–"))
            cross = _pair_means("crossfade", walks, "crossfade", ctx.seed)
        mw = res.walks["slerp"]
        cols = _columns(res, mw)
        rows.append((f"{name} slerp", mw.frames.numpy()))
        notes.append(_note(mw, inversion))
        table.append(_pair_row(name, int(np.prod(model.latent_shape)), cols, inversion, seconds))
        pm = _pair_means(name, walks, "slerp", ctx.seed)
        means.append([name, *_means_cells(pm, "slerp"), round(sum(s for _, s in walks) / len(walks), 2)])
        record["families"][name] = {"what": what, "latent_shape": list(model.latent_shape), "walk_seconds": round(seconds, 2),
                                    "inversion": inversion, "metrics": {k: r.summary for k, r in mw.metrics.items()},
                                    "high_frequency_share": cols[HF], "random_pairs": pm.methods["slerp"]}
        ctx.summary.append([name, shown, "slerp", f"{cols['smoothness.evenness']:.2f}",
                            f"{cols['smoothness.max_step_ratio']:.2f}", "–"])
    if cross is None:  # every family skipped
        return
    rows.append(_gan_samples_row(ctx))
    notes.append("not a real pair: both ends drawn from N(0, I)")
    save_grid(rows, ctx.out / "families.png", notes=notes)
    video = np.concatenate([frames for _, frames in rows[:-1]], axis=-1)  # side by side
    save_gif(video, ctx.out / "families.gif", fps=6, boomerang=True)
    ctx.report.images([("families.png", f"{shown}: the crossfade, then SLERP in each family's latent space"),
                       ("families.gif", "the same walks, animated side by side")])
    header = ["walk", "latent dims", "inversion RMSE (A / B) ↓", "endpoint error ↓", "evenness ↑", "max/mean step ↓",
              "jumps ↓", "mid norm", "PPL ↓", "high-freq share", "encode + walk s"]
    ctx.report.table(header, table, caption=f"the pair shown, {shown}, {STEPS} frames",
                     highlight_best={3: "min", 4: "max", 5: "min", 6: "min", 8: "min"})
    means.insert(0, ["crossfade", *_means_cells(cross, "crossfade"), "–"])
    means.append([f"real digits (all {len(x)})", "–", real_hf, "–", "–", "–"])
    ctx.report.table(["walk", "evenness ↑", "high-freq share", "high-freq share ÷ the inputs'", "inversion RMSE ↓",
                      "s per walk"], means,
                     caption=f"mean [95 % interval] over {PAIRS} random pairs (seed {ctx.seed}), {STEPS} frames",
                     highlight_best={})
    record["crossfade_random_pairs"] = cross.methods["crossfade"]
    ctx.manifest["families"] = record
