"""The demo's family lesson (opt-in: `latentwalk demo --all-families`): one pair of real digits walked
in five latent spaces — AE, VAE, GAN (inverted), latent-diffusion autoencoder, DDIM noise — beside
the crossfade, with the same metrics for each so that a reader can compare the spaces.

Opt-in because the GAN, the AutoencoderKL and the DDIM denoiser train for minutes on a cold cache
(the default demo's budget is about one minute).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from latentwalk.api import load_model
from latentwalk.data import resolve_item
from latentwalk.demo.base import DemoContext, register_section
from latentwalk.errors import MissingExtraError
from latentwalk.paths import interpolate
from latentwalk.pipeline import run_walk
from latentwalk.pipeline.output import headline
from latentwalk.render import save_gif, save_grid

PAIR = ("digits:0", "digits:1")
STEPS = 9
FAMILIES = [  # (built-in, what its latent space is)
    ("digits-ae", "AE: the encoder's code, 16-d, no prior"),
    ("digits-vae", "VAE: posterior mean, 16-d, prior N(0, I)"),
    ("digits-gan", "GAN: z found by inversion (no encoder), 16-d, prior N(0, I)"),
    ("digits-ldm-ae", "latent-diffusion AutoencoderKL: scaled latent (4, 4, 4)"),
    ("digits-ddim", "DDIM noise x_T (1, 16, 16) by deterministic inversion"),
]

INTRO = """
<p>The same two real digits, walked with SLERP in the latent space of five model families, and
cross-faded in pixel space for reference. <b>AE</b> and <b>VAE</b> encode directly. A <b>GAN</b>
has no encoder: its codes are found by <em>inversion</em>, optimising z until G(z) reproduces the
image (Creswell &amp; Bharath 2018), so its endpoints are only as close as the inversion gets.
The <b>latent-diffusion autoencoder</b> (Rombach et al. 2022) has a spatial latent (C, H, W)
scaled to unit variance; slerp walks it flattened. <b>DDIM</b> (Song et al. 2021) maps an image
to the noise x<sub>T</sub> by running its deterministic sampler backwards; walking there and
sampling back gives images the diffusion model believes in, at the cost of 50 network calls a
frame.</p>
<p>Read the table as: <em>endpoint error</em> — how far the walk's ends are from the real inputs
(pixel RMS); <em>evenness</em> and <em>max/mean step</em> — does the picture change at an even
pace; <em>jumps</em>; <em>mid norm</em> — the code's norm at t = 0.5 relative to the ends (1 keeps
to the prior's shell); <em>PPL</em> — perceptual path length (Karras et al. 2019) along the walk,
lower is smoother; <em>encode s</em> — seconds to get both codes.</p>
"""


def _row(model_name: str, mw: Any, res: Any, seconds: float, dims: int) -> list[Any]:
    s = {k: r.summary for k, r in mw.metrics.items()}
    rec = s.get("reconstruction", {})
    err = (rec.get("recon_error_start", float("nan")) + rec.get("recon_error_end", float("nan"))) / 2
    return [model_name, dims, err, s["smoothness"]["evenness"], s["smoothness"]["max_step_ratio"],
            s["smoothness"]["jumps"], s.get("typicality", {}).get("mid_norm_ratio", "–"),
            s.get("ppl", {}).get("mean", "–"), round(seconds, 2)]


def _walk_family(ctx: DemoContext, name: str) -> tuple[Any, Any, float] | None:
    try:
        model = load_model(name, progress=ctx.progress)
    except MissingExtraError as exc:
        ctx.report.paragraph(f"<p><b>{name}</b> skipped: {exc}</p>")
        return None
    items = [resolve_item(s, tuple(model.data_shape)) for s in PAIR]
    t0 = time.perf_counter()
    res = run_walk(model, items, ["crossfade", "slerp"], STEPS, seed=ctx.seed)
    return model, res, time.perf_counter() - t0


def _gan_samples_row(ctx: DemoContext) -> tuple[str, np.ndarray]:
    """A walk between two codes drawn from the GAN's prior: no inversion error at the ends."""
    model = load_model("digits-gan", progress=ctx.progress)
    g = torch.Generator().manual_seed(ctx.seed)
    z0, z1 = model.sample_latents(2, g).chunk(2)
    z = interpolate(z0, z1, torch.linspace(0, 1, STEPS), "slerp")[0]  # (T, d)
    with torch.no_grad():
        return "gan: 2 prior samples", model.decode(z).numpy()


@register_section("families", order=30, opt_in="all_families", models=tuple(n for n, _ in FAMILIES))
def families_section(ctx: DemoContext) -> None:
    ctx.report.heading("Five latent spaces, one pair of digits")
    ctx.report.paragraph(INTRO)
    rows: list[tuple[str, np.ndarray]] = []
    notes: list[str] = []
    table: list[list[Any]] = []
    record: dict[str, Any] = {"pair": list(PAIR), "steps": STEPS, "families": {}}
    for name, what in FAMILIES:
        out = _walk_family(ctx, name)
        if out is None:
            continue
        model, res, seconds = out
        if not rows:
            cf = res.walks["crossfade"]
            rows.append(("crossfade (pixels)", cf.frames.numpy()))
            notes.append(headline(cf))
            table.append(["crossfade", "–", *_row("crossfade", cf, res, 0.0, 0)[2:-1], "–"])
        mw = res.walks["slerp"]
        rows.append((f"{name} slerp", mw.frames.numpy()))
        notes.append(headline(mw))
        table.append(_row(name, mw, res, seconds, int(np.prod(model.latent_shape))))
        record["families"][name] = {"what": what, "latent_shape": list(model.latent_shape), "walk_seconds": round(seconds, 2),
                                    "inversion": res.params.get("inversion"),
                                    "metrics": {k: r.summary for k, r in mw.metrics.items()}}
        ctx.summary.append([name, f"{PAIR[0]}→{PAIR[1]}", "slerp", f"{table[-1][3]:.2f}", f"{table[-1][4]:.2f}", "–"])
    rows.append(_gan_samples_row(ctx))
    notes.append("not a real pair: both ends drawn from N(0, I)")
    save_grid(rows, ctx.out / "families.png", notes=notes)
    video = np.concatenate([frames for _, frames in rows[:-1]], axis=-1)  # side by side
    save_gif(video, ctx.out / "families.gif", fps=6, boomerang=True)
    ctx.report.images([("families.png", "rows: crossfade, then SLERP in each family's latent space"),
                       ("families.gif", "the same walks, animated side by side")])
    header = ["walk", "latent dims", "endpoint error ↓", "evenness ↑", "max/mean step ↓", "jumps ↓", "mid norm", "PPL ↓", "encode + walk s"]
    ctx.report.table(header, table, highlight_best={2: "min", 3: "max", 4: "min", 5: "min", 7: "min"})
    ctx.manifest["families"] = record
