"""The demo's sound lesson: a child's cry fading into room noise, and a low tone walking to a high one
beside the crossfade of the two (a chord: the "double exposure" of sound)."""

from __future__ import annotations

from typing import Any

import torch

from latentwalk.api import load_model
from latentwalk.data import get_dataset, resolve_item
from latentwalk.demo.base import DemoContext, register_section
from latentwalk.modalities import AUDIO
from latentwalk.modalities import audio as A
from latentwalk.pipeline import MethodWalk, run_walk
from latentwalk.pipeline.output import step_labels
from latentwalk.render import plot_profile_panels
from latentwalk.render.audio import save_spectrogram_rows
from latentwalk.render.html import Cell
from latentwalk.render.plots import Curves

MODEL = "tones-vae"
STEPS = 8
CRY, NOISE = "tones:kind=cry", "tones:kind=noise"
LOW, HIGH = "tones:f0=180", "tones:f0=500"  # 500/180 = 25/9: no shared low harmonics

INTRO = """
<p>The same walk works for sound. A clip (1 s, 16 kHz) becomes a log-magnitude spectrogram
(257 frequency bins &times; 63 frames, 0 = &minus;80 dB, 1 = 0 dB); the model (<code>tones-vae</code>,
trained on synthesized tones, cries and room noise) encodes it; each decoded step gets its phase
back by Griffin-Lim. <b>Seed example:</b> z<sub>A</sub> = &ldquo;a child's voice, crying&rdquo;,
z<sub>B</sub> = &ldquo;silence / room noise&rdquo;: along the walk the cry should get quieter, noise
come in, the timbre change. <b>Double exposure, in sound:</b> cross-fading a low and a high tone
plays both at once, a chord; a good latent walk plays <em>one</em> pitch that glides.</p>
<p>Measured on what you hear: loudness (RMS dB), spectral flatness (0 = pure partials, about 0.5 =
white noise), f0 by YIN, and the number of pitches sounding together (harmonic series among the
spectral peaks).</p>
"""


def _profile(mw: MethodWalk, key: str) -> tuple[list[float], list[float]]:
    return mw.ts.tolist(), mw.metrics["audio"].profile[key]


def _players(ctx: DemoContext, stem: str, name: str, mw: MethodWalk) -> None:
    waves = AUDIO.waveforms(mw)
    folder = ctx.out / stem / name
    folder.mkdir(parents=True, exist_ok=True)
    A.save_wav(folder / "morph.wav", A.join_with_crossfades(waves))
    ctx.report.audio(f"{stem}/{name}/morph.wav", f"{name}: the whole walk ({len(waves)} steps)")
    cells = []
    for i, (t, w) in enumerate(zip(mw.ts.tolist(), waves)):
        A.save_wav(folder / f"step_{i:02d}.wav", w)
        cells.append(f'<figure><audio controls preload="none" src="{stem}/{name}/step_{i:02d}.wav"></audio>'
                     f"<figcaption>t={t:.2f}</figcaption></figure>")
    ctx.report.details(f"{name}: each step", '<div class="row">' + "".join(cells) + "</div>")


def _spectrograms(ctx: DemoContext, stem: str, walks: dict[str, MethodWalk]) -> None:
    rows = [(n, A.to_spectrogram(AUDIO.waveforms(mw)).numpy()) for n, mw in walks.items()]
    first = next(iter(walks.values()))
    save_spectrogram_rows(rows, ctx.out / f"{stem}.png", labels=step_labels(first.ts.numpy()))
    ctx.report.image(f"{stem}.png", "spectrogram of every step (what you hear)", pixelated=False)


def _table(ctx: DemoContext, walks: dict[str, MethodWalk]) -> dict[str, Any]:
    rows: list[list[Cell]] = []
    record = {}
    for name, mw in walks.items():
        a, s = mw.metrics["audio"].summary, mw.metrics["spectral_smoothness"].summary
        rows.append([name, a["loudness_start_db"], a["loudness_end_db"], a["loudness_monotone"], a["flatness_end"],
                     a["mid_pitches"], a["chord_steps"], s["evenness"], s["max_step_ratio"]])
        record[name] = {"audio": a, "spectral_smoothness": s}
    ctx.report.table(["method", "loudness start dB", "end dB", "loudness monotone ↑", "flatness end",
                      "pitches at t=0.5", "chord steps ↓", "spectral evenness ↑", "max/mean step ↓"],
                     rows, highlight_best={6: "min", 7: "max", 8: "min"})
    return record


def _cry_to_noise(ctx: DemoContext, model: Any, reference: torch.Tensor) -> dict[str, Any]:
    items = [resolve_item(s, tuple(model.data_shape), "audio") for s in (CRY, NOISE)]
    res = run_walk(model, items, ["slerp", "crossfade"], STEPS, seed=ctx.seed, reference=reference)
    ctx.report.heading("A child's cry → room noise", level=3)
    _players(ctx, "sound-cry", "slerp", res.walks["slerp"])
    _spectrograms(ctx, "sound-cry", res.walks)
    curves = {n: {k: _profile(mw, k) for k in ("loudness_db", "flatness")} for n, mw in res.walks.items()}
    plot_profile_panels([("loudness", "RMS dB", {n: c["loudness_db"] for n, c in curves.items()}),
                         ("spectral flatness (noisiness)", "flatness", {n: c["flatness"] for n, c in curves.items()})],
                        ctx.out / "sound-cry-profiles.png")
    ctx.report.image("sound-cry-profiles.png", "the cry gets quieter and noisier along t", pixelated=False)
    return _table(ctx, res.walks)


def _low_to_high(ctx: DemoContext, model: Any, reference: torch.Tensor) -> dict[str, Any]:
    items = [resolve_item(s, tuple(model.data_shape), "audio") for s in (LOW, HIGH)]
    res = run_walk(model, items, ["crossfade", "slerp"], STEPS, seed=ctx.seed, reference=reference)
    ctx.report.heading("Low tone (180 Hz) → high tone (500 Hz): crossfade vs latent walk", level=3)
    for name, mw in res.walks.items():
        _players(ctx, "sound-tones", name, mw)
    _spectrograms(ctx, "sound-tones", res.walks)
    f0: Curves = {n: _profile(mw, "f0_hz") for n, mw in res.walks.items()}
    count: Curves = {n: _profile(mw, "pitches") for n, mw in res.walks.items()}
    plot_profile_panels([("f0 (YIN; 0 = unvoiced)", "Hz", f0), ("pitches sounding at once", "count", count)],
                        ctx.out / "sound-tones-profiles.png")
    ctx.report.image("sound-tones-profiles.png", "a chord in the crossfade's middle; one gliding pitch is the goal",
                     pixelated=False)
    return _table(ctx, res.walks)


@register_section("sound", order=20, models=(MODEL,))
def sound_section(ctx: DemoContext) -> None:
    ctx.report.heading("Sound: walking from a cry to room noise, and from a low tone to a high one")
    ctx.report.paragraph(INTRO)
    model = load_model(MODEL, progress=ctx.progress)
    meta = model.meta
    reference = get_dataset("tones").load().x
    record: dict[str, Any] = {"model": MODEL, "weights_sha256": meta.get("weights_sha256"),
              "cry_to_noise": _cry_to_noise(ctx, model, reference), "low_to_high": _low_to_high(ctx, model, reference)}
    for pair, rec in (("cry→noise", record["cry_to_noise"]), ("180→500 Hz", record["low_to_high"])):
        for m, r in rec.items():
            ctx.summary.append([MODEL, pair, m, f"{r['spectral_smoothness']['evenness']:.2f}",
                                f"{r['spectral_smoothness']['max_step_ratio']:.2f}", "–", "–"])
    ctx.manifest["sound"] = record
