"""The demo's lesson on better paths: straight vs arc vs geodesic vs evenly spaced frames."""

from __future__ import annotations

import itertools
import warnings
from typing import Any

from latentwalk.api import load_model
from latentwalk.data import get_dataset, resolve_item
from latentwalk.demo.base import DemoContext, register_section
from latentwalk.paths.geodesic import GeodesicWarning
from latentwalk.pipeline import MethodWalk, run_walk
from latentwalk.render import plot_profile_panels, save_grid
from latentwalk.render.html import Cell

MODEL, PAIR, STEPS = "lines-vae", ("lines:angle=0.3", "lines:angle=2.5"), 11
GEODESIC_OPTIONS = {"max_iter": 60}  # the demo shows the idea; `latentwalk walk` uses the full budget

INTRO = """
<p>A straight line between two codes is short in latent space, but what we see is the decoded
path. The decoder stretches some regions of the code space and squeezes others (its Jacobian
defines a metric there; Shao, Kumar &amp; Fletcher 2018, Arvanitidis et al. 2018). The
<b>geodesic</b> is the path that is shortest in <em>decoded</em> change: we minimise the discrete
curve energy &Sigma;&Vert;decode(z<sub>i+1</sub>) &minus; decode(z<sub>i</sub>)&Vert;&sup2; over
the inner points of the path, starting from the straight line. <b>Even spacing</b> keeps any
path but moves its frames so that each step changes the picture by the same amount: the walk
no longer lingers and then jumps.</p>
"""


def _curves(walks: dict[str, MethodWalk], metric: str, key: str, mid: bool) -> dict[str, tuple[list[float], list[float]]]:
    out = {}
    for name, mw in walks.items():
        r = mw.metrics.get(metric)
        if r is None or key not in r.profile:
            continue
        ts = mw.ts.tolist()
        y = r.profile[key]
        out[name] = ([(a + b) / 2 for a, b in itertools.pairwise(ts)] if mid else ts[: len(y)], y)
    return out


@register_section("paths", order=50, models=(MODEL,))
def paths_section(ctx: DemoContext) -> None:
    ctx.report.heading("Better paths: geodesics and even spacing")
    ctx.report.paragraph(INTRO)
    model = load_model(MODEL, progress=ctx.progress)
    gt = get_dataset("lines").ground_truth()
    items = [resolve_item(s, tuple(model.data_shape)) for s in PAIR]
    with warnings.catch_warnings():  # convergence is reported in the table, not as a console warning
        warnings.simplefilter("ignore", GeodesicWarning)
        res = run_walk(model, items, ["lerp", "slerp", "geodesic"], STEPS, seed=ctx.seed, ground_truth=gt,
                       metrics=["smoothness", "typicality", "acai"], method_options={"geodesic": GEODESIC_OPTIONS})
    even = run_walk(model, items, ["slerp"], STEPS, schedule="even", seed=ctx.seed, ground_truth=gt,
                    metrics=["smoothness", "typicality", "acai"])
    walks = {**res.walks, "slerp, even": even.walks["slerp"]}
    save_grid([(n, mw.frames.numpy()) for n, mw in walks.items()], ctx.out / "paths.png")
    panels: list[Any] = [("frame-to-frame change", "step (pixel RMS)", _curves(walks, "smoothness", "step", True)),
                         ("angle's distance to a clean line", "cosine distance", _curves(walks, "acai", "line_distance", False))]
    plot_profile_panels(panels, ctx.out / "paths-profiles.png")
    ctx.report.heading(f"{MODEL}: {PAIR[0]} → {PAIR[1]}", level=3)
    ctx.report.image("paths.png", "rows: straight line, arc, geodesic, arc with evenly spaced frames")
    ctx.report.image("paths-profiles.png", "where each walk changes fast", pixelated=False)
    rows: list[list[Cell]] = []
    record = {}
    for name, mw in walks.items():
        s = mw.metrics["smoothness"].summary
        conv = mw.metrics.get("convergence")
        note = "–" if conv is None else ("yes" if conv.summary["converged"] else "no") + f" ({conv.summary['iterations']:.0f} it)"
        rows.append([name, s["path_length"], s["evenness"], s["max_step_ratio"], note])
        record[name] = {k: r.summary for k, r in mw.metrics.items()}
    ctx.report.table(["path", "decoded length ↓", "evenness ↑", "max/mean step ↓", "converged"], rows,
                     highlight_best={1: "min", 2: "max", 3: "min"})
    ctx.manifest["paths"] = record
