"""TorchScript models for the CLI: `latentwalk walk --model my-model/ ...`.

Layout (either one):

- a folder with `model.ts` (written by `torch.jit.save`) and `latentwalk.json`, or
- one file `*.ts` / `*.torchscript` saved with `_extra_files={"latentwalk.json": ...}`.

`latentwalk.json` says what the tensors are:

    {"latent_shape": [16], "data_shape": [1, 16, 16], "prior": "gaussian", "modality": "image"}

The scripted module exports `decode(z)` and, if it has an encoder, `encode(x)` (decorate them
with `@torch.jit.export`, or script a module whose methods are called from `forward`). Without
`encode`, real inputs are inverted by optimisation through `decode`.

What loading can and cannot do: `torch.jit.load` does not unpickle arbitrary Python objects (the
archive holds tensors and TorchScript code, read by a restricted loader), so opening the file
cannot import modules or run Python. Calling the model runs its TorchScript program, which can
only use TorchScript operators (all of torch's tensor ops, and any custom operator your process
has loaded); treat a model from a stranger as you would any program: it decides what it computes.
An error raised inside `encode` or `decode` comes back as one CheckpointError line naming the file.

Deprecated: torch 2.13 deprecates TorchScript (`torch.jit.load` warns on every call) in favour of
`torch.export`. latentwalk still reads TorchScript for one release: each load says so in one
`note:` line, with the conversion (`latentwalk.models.export.save_exported`, docs/models.md), and
torch's own DeprecationWarning is kept out of the way.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from latentwalk.errors import CheckpointError, InvalidParameterError, note
from latentwalk.models.checkpoint import MAX_CONFIG_BYTES, MAX_WEIGHTS_BYTES, check_regular_file, file_sha256
from latentwalk.models.wrap import WrappedModel, wrap

SCRIPT_FILE, META_FILE = "model.ts", "latentwalk.json"
SCRIPT_SUFFIXES = (".ts", ".torchscript")
REQUIRED = ("latent_shape", "data_shape")
DEPRECATION = (
    "TorchScript is deprecated in torch and latentwalk reads it for one more release; convert your model to a .pt2 "
    "with latentwalk.models.export.save_exported(path, decode=..., encode=..., latent_shape=..., data_shape=...) "
    "(see docs/models.md)."
)


def is_torchscript(path: str | Path) -> bool:
    p = Path(path)
    return (p.is_dir() and (p / SCRIPT_FILE).is_file()) or (p.is_file() and p.suffix.lower() in SCRIPT_SUFFIXES)


def _parse_meta(text: str, where: str) -> dict[str, Any]:
    try:
        meta = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{where} is not valid JSON ({exc}).") from None
    if not isinstance(meta, dict) or any(k not in meta for k in REQUIRED):
        raise CheckpointError(
            f"{where} must give {', '.join(REQUIRED)}, e.g. "
            '{"latent_shape": [16], "data_shape": [1, 16, 16], "prior": "gaussian"}.'
        )
    return meta


def _read(path: Path) -> tuple[torch.jit.ScriptModule, dict[str, Any], Path, str]:
    """(module, latentwalk.json contents, the script file, where the metadata came from)."""
    script = path / SCRIPT_FILE if path.is_dir() else path
    check_regular_file(script, MAX_WEIGHTS_BYTES)
    extra = {META_FILE: ""}
    try:
        with warnings.catch_warnings():  # torch's "torch.jit.load is deprecated", on every load: one note says it
            warnings.filterwarnings("ignore", message=r".*torch\.jit.* is deprecated", category=DeprecationWarning)
            module = torch.jit.load(str(script), map_location="cpu", _extra_files=extra)
    except (RuntimeError, ValueError, torch.jit.Error) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CheckpointError(f"'{script}' is not a TorchScript archive (make it with torch.jit.save): {first}") from None
    side = path / META_FILE if path.is_dir() else path.with_name(META_FILE)
    if path.is_dir() and side.exists():
        check_regular_file(side, MAX_CONFIG_BYTES)
        return module, _parse_meta(side.read_text(), f"'{side}'"), script, f"'{side}'"
    if extra[META_FILE]:
        where = f"The latentwalk.json inside '{script}'"
        return module, _parse_meta(extra[META_FILE], where), script, where
    raise CheckpointError(
        f"'{path}' does not say its shapes: put {META_FILE} beside {SCRIPT_FILE}, or save the file with "
        f'torch.jit.save(m, path, _extra_files={{"{META_FILE}": json.dumps({{"latent_shape": ..., "data_shape": ...}})}}).'
    )


def _first_line(exc: BaseException) -> str:
    """The model's own error out of TorchScript's report, which starts with its traceback."""
    text = str(exc).strip()
    found = re.search(r"^[\w.]*(?:Error|Exception)\b.*$", text, re.MULTILINE)
    line = found.group(0) if found else (text.splitlines() or [type(exc).__name__])[0]
    return line.removeprefix("builtins.")


def _guarded(fn: Callable[[torch.Tensor], Any], script: Path, name: str) -> Callable[[torch.Tensor], Any]:
    def call(t: torch.Tensor) -> Any:
        try:
            return fn(t)
        except (torch.jit.Error, RuntimeError, TypeError, ValueError) as exc:
            raise CheckpointError(f"The TorchScript model '{script}' failed in {name}: {_first_line(exc)}") from exc

    return call


def load_torchscript(path: str | Path) -> tuple[WrappedModel, dict[str, Any]]:
    """A TorchScript folder or file -> (model, metadata) through `latentwalk.wrap`."""
    p = Path(path)
    module, meta, script, where = _read(p)
    if not hasattr(module, "decode"):
        raise CheckpointError(f"'{script}' has no `decode` method; export it with @torch.jit.export.")
    module.eval()
    encode = _guarded(module.encode, script, "encode") if hasattr(module, "encode") else None
    try:
        model = wrap(encode=encode, decode=_guarded(module.decode, script, "decode"), latent_shape=meta["latent_shape"],
                     data_shape=meta["data_shape"], prior=meta.get("prior", "none"), modality=meta.get("modality", "image"))
    except (InvalidParameterError, TypeError) as exc:  # TypeError: an unhashable "prior" or "modality"
        raise CheckpointError(f"{where} does not describe a usable model: {exc}") from None
    model.add_module("scripted", module)  # so that .eval() / .to() reach it
    note(DEPRECATION)
    info = {"family": "torchscript", "source": "torchscript", "path": str(script),
            "weights_sha256": file_sha256(script), "config": meta}
    return model, info
