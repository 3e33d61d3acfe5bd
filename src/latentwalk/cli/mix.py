"""`latentwalk grid`: the 2-D grid spanned by three or four items (plat's gradient grid / J-diagram)."""

from __future__ import annotations

import click
import numpy as np

from latentwalk.cli import app
from latentwalk.cli.common import check_out, output_options, progress_option
from latentwalk.errors import InvalidParameterError
from latentwalk.paths.mix import MAX_SIDE

LETTERS = "ABCD"


@app.command()
@click.option("--model", "-m", "model_spec", required=True, help="Built-in name (e.g. digits-vae) or checkpoint folder.")
@click.option("--corners", "corners_flag", is_flag=True, help="The corner items follow: A B C [D] (top left, top right, bottom left, bottom right).")
@click.argument("corners", nargs=-1)
@click.option("--rows", type=click.IntRange(2, MAX_SIDE), default=5, show_default=True)
@click.option("--cols", type=click.IntRange(2, MAX_SIDE), default=5, show_default=True)
@click.option("--mode", type=click.Choice(["matched", "linear"]), default="matched", show_default=True,
              help="matched: divide by the norm of the weights (Agustsson et al. 2019), for N(0, I) priors.")
@output_options
@progress_option
def grid(model_spec: str, corners_flag: bool, corners: tuple[str, ...], rows: int, cols: int, mode: str, out: str,
         force: bool, quiet: bool) -> None:
    """Decode the grid spanned by 3 or 4 corner items; with 3, the fourth corner is the analogy B + C - A."""
    from latentwalk.api import load_model
    from latentwalk.config import check_budget
    from latentwalk.data import resolve_item
    from latentwalk.paths.mix import analogy, corner_grid
    from latentwalk.pipeline import decode_batched, encode_items
    from latentwalk.pipeline.core import clamp_frames
    from latentwalk.pipeline.output import invocation, staged_output
    from latentwalk.render import save_image_grid, save_strip

    if len(corners) not in (3, 4):
        raise InvalidParameterError(f"Give 3 or 4 corner items after --corners (A B C [D]); got {len(corners)}.")
    check_out(out, force)
    model = load_model(model_spec, progress=not quiet)
    meta = model.meta
    check_budget(rows * cols * int(np.prod(model.data_shape)), f"a {rows} x {cols} grid", "use fewer --rows or --cols")
    items = [resolve_item(c, tuple(model.data_shape), getattr(model, "modality", "image")) for c in corners]
    import torch

    codes = encode_items(model, torch.stack([it.x for it in items]), "mean", None)  # (n, *L)
    z = corner_grid(codes, rows, cols, mode)  # type: ignore[arg-type]
    frames = decode_batched(model, z.reshape(rows * cols, *z.shape[2:])).reshape(rows, cols, *model.data_shape)
    frames = clamp_frames(frames, "the grid")
    cells = [(0, 0), (0, cols - 1), (rows - 1, 0), (rows - 1, cols - 1)]
    marks = {cells[i]: LETTERS[i] for i in range(len(corners))}
    manifest = {**invocation(), "model": {"spec": model_spec, "weights_sha256": meta.get("weights_sha256")},
                "corners": list(corners), "rows": rows, "cols": cols, "mode": mode}
    with staged_output(out, force, manifest) as stage:
        tmp = stage.path
        save_image_grid(frames.numpy(), tmp / "grid.png", marks)
        np.save(tmp / "codes.npy", z.numpy().astype(np.float32))
        np.save(tmp / "frames.npy", frames.numpy().astype(np.float32))
        q = analogy(codes[0], codes[1], codes[2], mode)  # type: ignore[arg-type]
        strip = clamp_frames(decode_batched(model, torch.stack([codes[0], codes[1], codes[2], q])), "the analogy")
        save_strip(strip.numpy(), tmp / "analogy.png", labels=["A", "B", "C", "B + C − A"])
    click.echo(f"wrote {out} (grid.png: corners marked {' '.join(LETTERS[: len(corners)])}; analogy.png)")
