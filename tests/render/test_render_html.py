from __future__ import annotations

import re
from pathlib import Path

import pytest

from latentwalk.errors import InvalidParameterError
from latentwalk.render import Report, format_number


def _full_report() -> Report:
    report = Report("Walk <A> & B", subtitle="digits · 8×8")
    report.heading("Why not a cross-fade?").text("x < y & <script>alert(1)</script>")
    report.paragraph("a <em>trusted</em> line")
    report.image("strip.png", caption='the "strip"', width=320)
    report.image("plots/norm.png", caption="norms", pixelated=False)
    report.images([("crossfade.gif", "crossfade"), ("lerp walk.gif", "lerp")])
    report.audio("walk.wav", caption="hear it")
    report.details("Parameters", "<pre>seed: 0</pre>")
    return report


def test_text_is_escaped_and_trusted_html_is_not() -> None:
    html = _full_report().to_html()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>Walk &lt;A&gt; &amp; B</title>" in html and "<h1>Walk &lt;A&gt; &amp; B</h1>" in html
    assert "<em>trusted</em>" in html
    assert 'alt="the &quot;strip&quot;"' in html


def test_media_tags_use_relative_paths() -> None:
    html = _full_report().to_html()
    assert re.search(r'<img src="strip.png"[^>]*class="pixel"[^>]*style="width:320px"', html)
    assert re.search(r'<img src="plots/norm.png" alt="norms" loading', html)  # a plot, not pixelated
    assert 'src="lerp%20walk.gif"' in html and '<div class="row">' in html
    assert re.search(r'<audio controls[^>]*src="walk.wav"></audio>', html)
    assert "<details><summary>Parameters</summary><pre>seed: 0</pre></details>" in html
    assert "image-rendering: pixelated" in html


@pytest.mark.parametrize(
    "bad", ["https://cdn.example.com/x.png", "http://x/y.png", "//host/x.png", "/abs/x.png", ""]
)
def test_urls_and_absolute_paths_are_refused(bad: str) -> None:
    with pytest.raises(InvalidParameterError, match="relative to the report"):
        Report("r").image(bad)
    with pytest.raises(InvalidParameterError, match="relative to the report"):
        Report("r").audio(bad)


def test_nothing_is_fetched_from_the_network(tmp_path: Path) -> None:
    report = _full_report()
    report.table(["method", "score"], [["lerp", 0.5]])
    html = report.write(tmp_path / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"https?:|//[a-z]", html, re.IGNORECASE)
    assert "<script" not in html and "<link" not in html and "@import" not in html


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.93412, "0.934"), (12.345, "12.3"), (12345.6, "12,300"), (-0.000123456, "-0.000123"), (1797, "1,797"),
     (1.0, "1"), (float("nan"), "–"), (float("inf"), "∞"), (2.5e-9, "2.5e-09")],
)  # fmt: skip
def test_numbers_get_three_significant_digits(value: float, text: str) -> None:
    assert format_number(value) == text


def test_table_bolds_the_best_value_per_column() -> None:
    rows = [
        ["crossfade", 0.41, 2.9, 9],
        ["lerp", 0.934, 1.4, 9],
        ["slerp", 0.88, 1.4, 9],
        ["broken", float("nan"), 5.0, 9],
    ]
    html = (
        Report("r")
        .table(["method", "evenness", "max/mean", "n"], rows, highlight_best={1: "max", 2: "min"})
        .to_html()
    )
    bold = re.findall(r"<strong>([^<]*)</strong>", html)
    assert sorted(bold) == ["0.934", "1.4", "1.4"]  # ties are both best; NaN never is
    assert '<th class="num">evenness</th>' in html and "<th>method</th>" in html


def test_table_escapes_cells_and_checks_its_shape() -> None:
    html = Report("r").table(["a<b"], [["<i>x</i>"]], caption="c & d").to_html()
    assert "&lt;i&gt;x&lt;/i&gt;" in html and "<th>a&lt;b</th>" in html and "c &amp; d" in html
    with pytest.raises(InvalidParameterError, match=r"Row 1 of Report\.table has 1 cells"):
        Report("r").table(["a", "b"], [["x", 1], ["y"]])
    with pytest.raises(InvalidParameterError, match="'highlight_best'"):
        Report("r").table(["a", "b"], [["x", 1]], highlight_best={2: "max"})
    with pytest.raises(InvalidParameterError, match="'highlight_best'"):
        Report("r").table(["a", "b"], [["x", 1]], highlight_best={1: "best"})  # type: ignore[dict-item]


def test_heading_levels_are_checked() -> None:
    assert "<h3>sub</h3>" in Report("r").heading("sub", level=3).to_html()
    with pytest.raises(InvalidParameterError, match=r"'level' parameter of Report.heading"):
        Report("r").heading("x", level=1)


def test_write_replaces_the_file_atomically_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    Report("first").write(target)
    Report("second").write(target)
    assert "<h1>second</h1>" in target.read_text(encoding="utf-8")
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]
    assert target.stat().st_mode & 0o044 == 0o044  # readable by others, as a served report must be
