"""Writing: `save_exported` exports the decoder (and the encoder) and packs both into one `.pt2`
(the file and why it holds two programs: see the package docstring)."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from numbers import Integral
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latentwalk.config import Interval, Options, check_params
from latentwalk.errors import InvalidParameterError, OutputError
from latentwalk.files import write_atomically
from latentwalk.models.export.common import (
    FORMAT,
    FORMAT_VERSION,
    META_FILE,
    PROGRAMS,
    SUFFIX,
    first_line,
    peek,
)
from latentwalk.models.wrap import wrap

_CONSTRAINTS: dict[str, list[Any]] = {
    "prior": [Options(frozenset({"gaussian", "uniform", "none"}))],
    "modality": [Options(frozenset({"image", "audio"}))],
    "example_batch": [Interval(Integral, 2, 64)],  # 2 at least: torch.export treats a batch of 1 as a constant
}


class _Call(nn.Module):
    """A plain function as a module, for torch.export (its tensors are exported as constants)."""

    def __init__(self, fn: Callable[[torch.Tensor], Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, t: torch.Tensor) -> Any:
        return self.fn(t)


def _shape(value: Any, name: str) -> tuple[int, ...]:
    dims = tuple(value) if isinstance(value, (tuple, list)) else ()
    if dims and all(isinstance(v, Integral) and not isinstance(v, bool) and int(v) >= 1 for v in dims):
        return tuple(int(v) for v in dims)
    raise InvalidParameterError(f"The '{name}' parameter of save_exported must be a tuple of positive ints such as "
                                f"(16,) or (1, 28, 28). Got {value!r} instead.")


def _check_cpu(fn: Any, name: str) -> None:
    if not isinstance(fn, nn.Module):
        return
    devices = {t.device.type for t in [*fn.parameters(), *fn.buffers()]} - {"cpu"}
    if devices:
        raise InvalidParameterError(f"The '{name}' parameter of save_exported must be on the CPU, so that the file "
                                    f"loads anywhere (`--device` moves it); it is on {', '.join(sorted(devices))}. "
                                    f"Call {name}.cpu() first.")


def _check_encoder_output(out: Any) -> None:
    """torch.export returns tensors and tuples of them, not distribution objects."""
    pair = isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(t, torch.Tensor) for t in out)
    if not (isinstance(out, torch.Tensor) or pair):
        raise InvalidParameterError(f"save_exported needs `encode` to return a tensor (B, *latent_shape) or a "
                                    f"(mean, logvar) pair of them; yours returns {type(out).__name__}.")


@contextlib.contextmanager
def _eval_mode(module: nn.Module) -> Iterator[None]:
    """Export what a walk runs (dropout off, batch-norm statistics fixed); the user's modes come back."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        yield
    finally:
        for m, mode in modes:
            m.training = mode


def _export(fn: Any, example: torch.Tensor, role: str) -> torch.export.ExportedProgram:
    module = fn if isinstance(fn, nn.Module) else _Call(fn)
    batch = torch.export.Dim("batch", min=1)
    with _eval_mode(module):
        try:
            return torch.export.export(module, (example,), dynamic_shapes=({0: batch},))
        except Exception as exc:  # torch.export raises many kinds (UserError, Unsupported, constraint violations)
            raise InvalidParameterError(
                f"torch.export could not export your `{role}` with a dynamic batch: {first_line(exc)} "
                "(see https://pytorch.org/docs/stable/export.html for what it can trace)."
            ) from exc


def _check_destination(path: Path) -> None:
    """A `.pt2` name; an existing file is replaced only when save_exported wrote it."""
    if path.suffix.lower() != SUFFIX:
        raise InvalidParameterError(f"The 'path' parameter of save_exported must end in {SUFFIX} (that is how "
                                    f"`--model` recognises it). Got {str(path)!r} instead.")
    ours = not path.is_symlink() and (peek(path) or {}).get("format") == FORMAT
    if (path.exists() or path.is_symlink()) and not ours:
        raise OutputError(f"Will not write to '{path}': it exists and is not a .pt2 written by save_exported "
                          "(latentwalk never overwrites a file it did not write). Choose another path or move it away.")


def save_exported(path: str | Path, *, decode: Any, encode: Any = None, latent_shape: Any, data_shape: Any,
                  prior: str = "gaussian", modality: str = "image", example_batch: int = 2) -> Path:
    """Export `decode: z (B, *latent_shape) -> x (B, *data_shape)` and, if given, `encode: x -> z` (or
    `(mean, logvar)`) with a dynamic batch into one `.pt2` file that `latentwalk walk --model` reads.

    `decode` and `encode` are nn.Modules (or plain functions of tensors) on the CPU; they are
    exported in eval mode and left in the mode they were in. `prior`, `modality` and the shapes
    mean what they mean for `latentwalk.wrap`. Without `encode`, latentwalk inverts real inputs
    through the decoder. `example_batch` is the batch of the random inputs torch.export traces
    with (any batch works afterwards). Returns the path; an existing file is replaced only if
    save_exported wrote it.
    """
    out = Path(path)
    _check_destination(out)
    check_params(_CONSTRAINTS, {"prior": prior, "modality": modality, "example_batch": example_batch}, "save_exported")
    latent, data = _shape(latent_shape, "latent_shape"), _shape(data_shape, "data_shape")
    for fn, name in ((decode, "decode"), (encode, "encode")):
        _check_cpu(fn, name)
    model = wrap(encode=encode, decode=decode, latent_shape=latent, data_shape=data, prior=prior, modality=modality)
    g = torch.Generator().manual_seed(0)
    z, x = torch.randn((example_batch, *latent), generator=g), torch.rand((example_batch, *data), generator=g)
    with torch.no_grad():
        model.decode(z)  # the shape checks the loader makes, with wrap's messages
        if encode is not None:
            _check_encoder_output(encode(x))
            model.encode(x)
    programs = {PROGRAMS["decode"]: _export(decode, z, "decode")}
    if encode is not None:
        programs[PROGRAMS["encode"]] = _export(encode, x, "encode")
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION,
            "programs": {role: name for role, name in PROGRAMS.items() if name in programs},
            "latent_shape": list(latent), "data_shape": list(data), "prior": prior, "modality": modality,
            "torch": torch.__version__}
    # What torch.export.save calls; unlike it, takes several programs (see the package docstring).
    from torch.export.pt2_archive._package import package_pt2

    buf = io.BytesIO()
    package_pt2(buf, exported_programs=programs, extra_files={META_FILE: json.dumps(meta)})
    write_atomically(out, lambda tmp: tmp.write_bytes(buf.getvalue()))
    return out
