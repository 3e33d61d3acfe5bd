"""A tiny builder for a self-contained HTML report.

One file, inline CSS, no scripts, no fonts or anything else fetched from the network. Images and
audio are referenced by relative paths, so the report folder can be zipped, mailed or served as
it is. Small images are enlarged by the browser without blur (`image-rendering: pixelated`).
"""

from __future__ import annotations

import math
import numbers
from html import escape
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urlsplit

from latentwalk.errors import InvalidParameterError
from latentwalk.render._common import BACKGROUND_HEX, PathLike, write_atomically

__all__ = ["Report", "format_number"]

Cell = str | float | int
Best = Literal["min", "max"]

CSS = """
:root { color-scheme: light; }
body { margin: 0; background: @BACKGROUND@; color: #222; font: 16px/1.55 system-ui, -apple-system,
  "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 28px 24px 64px; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 0 0 4px; }
.subtitle { color: #666; margin: 0 0 24px; }
h2 { font-size: 1.35rem; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #e2e2de; }
h3, h4, h5, h6 { font-size: 1.08rem; margin: 24px 0 8px; }
p { margin: 8px 0 12px; max-width: 72ch; }
figure { margin: 14px 0 20px; }
.row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.row figure { margin: 6px 0; }
img { display: block; max-width: 100%; height: auto; }
img.pixel { image-rendering: pixelated; }
audio { display: block; width: min(100%, 420px); }
figcaption { color: #555; font-size: 0.9rem; margin-top: 6px; }
table { border-collapse: collapse; margin: 12px 0 4px; font-size: 0.95rem; }
caption { caption-side: bottom; text-align: left; color: #555; font-size: 0.9rem; padding-top: 6px; }
th, td { padding: 5px 14px 5px 0; text-align: left; border-bottom: 1px solid #e6e6e2; }
th { border-bottom: 2px solid #bdbdb8; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 14px; }
td.best { font-weight: 700; }
details { margin: 12px 0; padding: 8px 12px; background: #ecece7; border-radius: 6px; }
summary { cursor: pointer; font-weight: 600; }
code { font-size: 0.92em; background: #ecece7; padding: 1px 4px; border-radius: 3px; }
""".replace("@BACKGROUND@", BACKGROUND_HEX)


def format_number(value: float) -> str:
    """Three significant digits, plain notation where it reads better: 0.934, 12.3, 12,300."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return f"{int(value):,}"
    v = float(value)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    text = f"{v:.3g}"
    if "e+" in text and abs(v) < 1e9:
        text = f"{float(text):,.0f}"
    return text


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_relpath(relpath: str, method: str) -> str:
    """A relative path, URL-quoted; absolute paths and URLs would break a portable report."""
    rel = str(relpath).replace("\\", "/")
    parts = urlsplit(rel)
    if parts.scheme or parts.netloc or rel.startswith("/") or not rel:
        raise InvalidParameterError(
            f"The 'relpath' parameter of Report.{method} must be a path relative to the report, "
            f"such as 'walk.gif'. Got {relpath!r} instead."
        )
    return quote(rel, safe="/")


def _best_rows(rows: list[list[Cell]], col: int, mode: Best) -> set[int]:
    values = {
        i: float(r[col]) for i, r in enumerate(rows) if _is_number(r[col]) and not math.isnan(float(r[col]))
    }
    if not values:
        return set()
    target = min(values.values()) if mode == "min" else max(values.values())
    return {i for i, v in values.items() if v == target}


def _th(text: str, numeric: bool) -> str:
    return f'<th class="num">{escape(str(text))}</th>' if numeric else f"<th>{escape(str(text))}</th>"


def _cell(value: Cell, best: bool) -> str:
    if _is_number(value):
        cls = "num best" if best else "num"
        text = format_number(value)  # type: ignore[arg-type]
        return f'<td class="{cls}">{"<strong>" + text + "</strong>" if best else text}</td>'
    return f"<td>{escape(str(value))}</td>"


class Report:
    """Collects blocks of a report in order; `write(path)` saves one HTML file.

    Every adding method returns the report, so calls can be chained.
    """

    def __init__(self, title: str, subtitle: str = "") -> None:
        self.title = title
        self.subtitle = subtitle
        self._blocks: list[str] = []

    def _add(self, block: str) -> Report:
        self._blocks.append(block)
        return self

    def heading(self, text: str, level: int = 2) -> Report:
        if isinstance(level, bool) or not isinstance(level, int) or not 2 <= level <= 6:
            raise InvalidParameterError(
                f"The 'level' parameter of Report.heading must be an int in the range [2, 6] "
                f"(level 1 is the report's title). Got {level!r} instead."
            )
        return self._add(f"<h{level}>{escape(text)}</h{level}>")

    def paragraph(self, html: str) -> Report:
        """Trusted HTML, added as it is (links, <code>, <em> ...)."""
        return self._add(f"<p>{html}</p>")

    def text(self, text: str) -> Report:
        """Plain text, escaped."""
        return self._add(f"<p>{escape(text)}</p>")

    def _img(self, relpath: str, caption: str, width: int | None, pixelated: bool, method: str) -> str:
        if width is not None and (isinstance(width, bool) or not isinstance(width, int) or width <= 0):
            raise InvalidParameterError(
                f"The 'width' parameter of Report.{method} must be a positive int (CSS pixels) or None. "
                f"Got {width!r} instead."
            )
        size = f' style="width:{width}px"' if width else ""
        cls = ' class="pixel"' if pixelated else ""
        src = _check_relpath(relpath, method)
        img = f'<img src="{src}" alt="{escape(caption)}"{cls}{size} loading="lazy">'
        cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
        return f"<figure>{img}{cap}</figure>"

    def image(
        self, relpath: str, caption: str = "", width: int | None = None, pixelated: bool = True
    ) -> Report:
        """An image by relative path; pixelated=False for plots, which are not pixel art."""
        return self._add(self._img(relpath, caption, width, pixelated, "image"))

    def images(
        self, items: list[tuple[str, str]], width: int | None = None, pixelated: bool = True
    ) -> Report:
        """Images side by side, [(relpath, caption)], wrapping on narrow screens."""
        figures = "".join(self._img(p, c, width, pixelated, "images") for p, c in items)
        return self._add(f'<div class="row">{figures}</div>')

    def audio(self, relpath: str, caption: str = "") -> Report:
        src = _check_relpath(relpath, "audio")
        cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
        return self._add(f'<figure><audio controls preload="metadata" src="{src}"></audio>{cap}</figure>')

    def table(
        self,
        header: list[str],
        rows: list[list[Cell]],
        caption: str = "",
        highlight_best: dict[int, Best] | None = None,
    ) -> Report:
        """Numbers get 3 significant digits; highlight_best {column: "min" | "max"} bolds the best."""
        best = self._check_table(header, rows, highlight_best or {})
        numeric = [any(_is_number(r[c]) for r in rows) for c in range(len(header))]
        head = "".join(_th(h, n) for h, n in zip(header, numeric, strict=True))
        body = "".join(
            "<tr>" + "".join(_cell(v, i in best.get(c, ())) for c, v in enumerate(r)) + "</tr>"
            for i, r in enumerate(rows)
        )
        cap = f"<caption>{escape(caption)}</caption>" if caption else ""
        return self._add(f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")

    @staticmethod
    def _check_table(
        header: list[str], rows: list[list[Cell]], highlight: dict[int, Best]
    ) -> dict[int, set[int]]:
        for i, row in enumerate(rows):
            if len(row) != len(header):
                raise InvalidParameterError(
                    f"Row {i} of Report.table has {len(row)} cells but the header has {len(header)}; "
                    "every row needs one cell per column."
                )
        for col, mode in highlight.items():
            if not isinstance(col, int) or not 0 <= col < len(header) or mode not in ("min", "max"):
                raise InvalidParameterError(
                    "The 'highlight_best' parameter of Report.table must map column indices "
                    f"0..{len(header) - 1} to 'min' or 'max'. Got {{{col!r}: {mode!r}}} instead."
                )
        return {col: _best_rows(rows, col, mode) for col, mode in highlight.items()}

    def details(self, summary: str, inner_html: str) -> Report:
        """A collapsible section; summary is escaped, inner_html is trusted."""
        return self._add(f"<details><summary>{escape(summary)}</summary>{inner_html}</details>")

    def body_html(self) -> str:
        """The blocks added so far, without the page around them (to nest in another report)."""
        return "\n".join(self._blocks)

    def to_html(self) -> str:
        subtitle = f'<p class="subtitle">{escape(self.subtitle)}</p>' if self.subtitle else ""
        body = "\n".join(self._blocks)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(self.title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
            f"<h1>{escape(self.title)}</h1>\n{subtitle}\n{body}\n</main>\n</body>\n</html>\n"
        )

    def write(self, path: PathLike) -> Path:
        """Write the report atomically (a temporary file, then a rename) and return its path."""
        html = self.to_html()
        return write_atomically(path, lambda tmp: tmp.write_text(html, encoding="utf-8"))
