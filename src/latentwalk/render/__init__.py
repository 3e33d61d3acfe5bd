"""Writers of a walk's pictures, movies, plots and report.

The render part knows arrays and files, nothing of models or paths: frames come in as numpy
arrays (T, C, H, W) in [0, 1] and profiles as lists of floats.
"""

from latentwalk.render.html import Report, format_number
from latentwalk.render.images import save_grid, save_image_grid, save_strip, to_uint8
from latentwalk.render.plots import METHOD_COLOURS, method_colours, plot_profile_panels, plot_profiles
from latentwalk.render.video import save_gif, save_mp4

__all__ = [
    "METHOD_COLOURS",
    "Report",
    "format_number",
    "method_colours",
    "plot_profile_panels",
    "plot_profiles",
    "save_gif",
    "save_grid",
    "save_image_grid",
    "save_mp4",
    "save_strip",
    "to_uint8",
]
