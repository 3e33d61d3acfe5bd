from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latentwalk.errors import InvalidParameterError
from latentwalk.render import METHOD_COLOURS, method_colours, plot_profile_panels, plot_profiles
from latentwalk.render.plots import BAND_COLOUR, SPARE_COLOURS

TS = list(np.linspace(0.0, 1.0, 9))
CURVES = {
    "crossfade": (TS, [0.5] * 9),
    "lerp": (TS, [8 - 3 * np.sin(np.pi * t) for t in TS]),
    "slerp": (TS, [8.0] * 9),
}


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])


def _count_near(img: np.ndarray, colour: np.ndarray, tol: int = 4) -> int:
    return int((np.abs(img.astype(int) - colour).max(axis=-1) <= tol).sum())


def test_plot_writes_a_png_of_the_asked_size(tmp_path: Path) -> None:
    plot_profiles(CURVES, tmp_path / "p.png", title="Norm", ylabel="‖z‖")
    plot_profiles(CURVES, tmp_path / "q.png", title="Norm", ylabel="‖z‖", size=(500, 300))
    assert Image.open(tmp_path / "p.png").size == (640, 400)
    assert Image.open(tmp_path / "q.png").size == (500, 300)


def test_plot_draws_each_method_in_its_colour(tmp_path: Path) -> None:
    plot_profiles(CURVES, tmp_path / "p.png", title="Norm", ylabel="‖z‖")
    img = np.asarray(Image.open(tmp_path / "p.png").convert("RGB"))
    for name in ("lerp", "slerp", "crossfade"):
        assert _count_near(img, _rgb(METHOD_COLOURS[name])) > 50, f"{name} is not drawn"


def test_band_is_shaded(tmp_path: Path) -> None:
    plot_profiles(CURVES, tmp_path / "plain.png", title="Norm", ylabel="‖z‖")
    plot_profiles(CURVES, tmp_path / "band.png", title="Norm", ylabel="‖z‖", band=(6.5, 9.0))
    background = np.array([246, 246, 243])
    shade = np.rint(0.25 * _rgb(BAND_COLOUR) + 0.75 * background)  # alpha 0.25 over the background
    plain = np.asarray(Image.open(tmp_path / "plain.png").convert("RGB"))
    band = np.asarray(Image.open(tmp_path / "band.png").convert("RGB"))
    assert _count_near(plain, shade) < 50
    assert _count_near(band, shade) > 20_000  # a wide stripe of the plot


def test_band_must_be_low_then_high(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="low <= high"):
        plot_profiles(CURVES, tmp_path / "p.png", title="", ylabel="", band=(9.0, 6.5))


def test_curves_must_pair_x_with_y(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match=r"'lerp'.*9 x values but 2 y values"):
        plot_profiles({"lerp": (TS, [1.0, 2.0])}, tmp_path / "p.png", title="", ylabel="")


def test_colours_are_fixed_for_known_methods_and_distinct_for_others() -> None:
    colours = method_colours(["mine", "slerp", "theirs", "crossfade"])
    assert colours["slerp"] == METHOD_COLOURS["slerp"] and colours["crossfade"] == "#7f7f7f"
    assert colours["mine"] == SPARE_COLOURS[0] and colours["theirs"] == SPARE_COLOURS[1]
    assert method_colours(["theirs", "mine"]) == {"theirs": SPARE_COLOURS[0], "mine": SPARE_COLOURS[1]}
    assert len(set(method_colours([f"m{i}" for i in 6 * [0, 1]]).values())) == 2


def test_panels_sit_side_by_side(tmp_path: Path) -> None:
    panels = [("Step", "‖Δx‖", CURVES), ("Norm", "‖z‖", CURVES), ("Other", "y", {"mine": (TS, TS)})]
    plot_profile_panels(panels, tmp_path / "p.png", bands=[None, (6.5, 9.0), None], panel_size=(300, 250))
    img = np.asarray(Image.open(tmp_path / "p.png").convert("RGB"))
    assert img.shape[:2] == (250, 900)
    assert _count_near(img, _rgb(SPARE_COLOURS[0])) > 30  # the unknown method's line


def test_panels_need_one_band_per_panel(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="one entry per panel"):
        plot_profile_panels([("a", "y", CURVES)], tmp_path / "p.png", bands=[None, None])
    with pytest.raises(InvalidParameterError, match="non-empty list"):
        plot_profile_panels([], tmp_path / "p.png")


def test_plots_leave_no_pyplot_figures_behind(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_profiles(CURVES, tmp_path / "p.png", title="", ylabel="")
    plot_profile_panels([("a", "y", CURVES)], tmp_path / "q.png")
    assert plt.get_fignums() == before
