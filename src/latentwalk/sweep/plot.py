"""The summary as a picture: one panel per headline metric, every (model, method) a mean and its 95 % interval."""

from __future__ import annotations

from pathlib import Path

from latentwalk.sweep.summary import HEADLINE, SummaryTable


def plot_summary(summary: SummaryTable, path: Path) -> None:
    from latentwalk.render.plots import plot_intervals

    several = len({(g["model"], g["schedule"]) for g in summary.groups}) > 1
    panels = []
    for metric in summary.headline() or summary.metrics[:6]:
        entries = []
        for g in summary.groups:
            s = g["metrics"].get(metric)
            if s is None:
                continue
            label = f"{g['model']} {g['method']}" if several else g["method"]
            if g["schedule"] != "uniform":
                label += f" ({g['schedule']})"
            entries.append((label, g["method"], s["mean"], s["ci_low"], s["ci_high"]))
        if entries:
            panels.append((HEADLINE.get(metric, metric), entries))
    if not panels:
        panels = [("no metric applies", [])]
    plot_intervals(panels, path, title="mean and 95 % interval over pairs")
