"""Loading: `load_exported` turns a checked `.pt2` into a model made by `latentwalk.wrap`, after
checking its metadata and its programs' shapes; `is_exported` recognises one cheaply."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latentwalk import files
from latentwalk.errors import CheckpointError, InvalidParameterError
from latentwalk.models.checkpoint import MAX_CONFIG_BYTES, MAX_WEIGHTS_BYTES
from latentwalk.models.export.common import (
    EXPECTED,
    FORMAT,
    FORMAT_VERSION,
    HOW,
    META_FILE,
    PROGRAMS,
    SUFFIX,
    first_line,
    peek,
)
from latentwalk.models.export.sanitize import Archive, program_archive
from latentwalk.models.wrap import WrappedModel, wrap


class _Kept(logging.Handler):
    """Keeps the exceptions torch logs instead of printing them."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


@contextlib.contextmanager
def _torch_logs_kept() -> Iterator[_Kept]:
    """torch.export.load logs the real error, with a traceback, on stderr, then raises a vaguer one
    ("check the warnings above"); keep the real one for the error line and print nothing."""
    kept = _Kept()
    loggers = [logging.getLogger(n) for n in ("torch.export", "torch._export")]  # torch gives each its own handler
    saved = [(lg.handlers[:], lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.handlers, lg.propagate = [kept], False
    try:
        yield kept
    finally:
        for lg, (handlers, propagate) in zip(loggers, saved, strict=True):
            lg.handlers, lg.propagate = handlers, propagate


def _load_program(archive: Archive, name: str) -> tuple[torch.export.ExportedProgram, nn.Module]:
    """The program, and its module (torch.fx writes its code from the checked graph)."""
    buf = program_archive(archive, name)
    with _torch_logs_kept() as kept:
        try:
            ep = torch.export.load(buf)
            return ep, ep.module()
        except Exception as exc:  # the deserializer raises many kinds; each is a file torch cannot read
            cause = kept.errors[0] if kept.errors else exc
            raise CheckpointError(f"'{archive.path}': torch.export.load cannot read its '{name}' program "
                                  f"({first_line(cause)}); {HOW} with this torch ({torch.__version__}).") from exc


def _read_meta(archive: Archive) -> dict[str, Any]:
    where = f"The {META_FILE} inside '{archive.path}'"
    if archive.size(f"extra/{META_FILE}") is None:
        raise CheckpointError(f"'{archive.path}' is a .pt2 archive without latentwalk's metadata "
                              f"(extra/{META_FILE}); {HOW}.")
    meta = archive.json(f"extra/{META_FILE}", MAX_CONFIG_BYTES)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{where} is not latentwalk's ({FORMAT!r} expected); {HOW}.")
    version = meta.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise CheckpointError(f"{where} has format_version {version!r}; this latentwalk reads 1 to {FORMAT_VERSION} "
                              "(a newer latentwalk may read it).")
    programs = meta.get("programs")
    if not (isinstance(programs, dict) and "decode" in programs and all(PROGRAMS.get(k) == v for k, v in programs.items())):
        raise CheckpointError(f"{where} must name its programs as {json.dumps(PROGRAMS)} (encode optional); "
                              f"it has {programs!r}.")
    return meta


def _io_shapes(ep: torch.export.ExportedProgram) -> tuple[list[Any], list[Any]]:
    """The shapes (with a SymInt where a size is dynamic) of the program's tensor inputs and outputs."""
    nodes = {n.name: n for n in ep.graph.nodes}

    def shape(name: str) -> Any:
        val = nodes[name].meta.get("val") if name in nodes else None
        return tuple(val.shape) if isinstance(val, torch.Tensor) else None

    return [shape(n) for n in ep.graph_signature.user_inputs], [shape(n) for n in ep.graph_signature.user_outputs]


def _check_io(ep: torch.export.ExportedProgram, role: str, model: WrappedModel, path: Path) -> None:
    """A decode program takes (B, *latent) and returns (B, *data); encode the other way, or (mean, logvar)."""
    takes, gives = (model.latent_shape, model.data_shape) if role == "decode" else (model.data_shape, model.latent_shape)
    names = ("latent_shape", "data_shape") if role == "decode" else ("data_shape", "latent_shape")
    ins, outs = _io_shapes(ep)
    counts = (1,) if role == "decode" else (1, 2)
    if len(ins) != 1 or len(outs) not in counts or None in ins + outs:
        raise CheckpointError(f"The {role} program in '{path}' must take one tensor and return "
                              f"{'one tensor' if role == 'decode' else 'a tensor or a (mean, logvar) pair'}; "
                              f"it takes {len(ins)} input(s) and returns {len(outs)} output(s).")
    for verb, shape, want, name in [("takes", ins[0], takes, names[0]), *(("returns", o, gives, names[1]) for o in outs)]:
        if not shape or isinstance(shape[0], int):
            raise CheckpointError(f"The {role} program in '{path}' was exported for a fixed batch "
                                  f"({shape[0] if shape else 'no batch'}); export it with a dynamic batch "
                                  "(save_exported does).")
        if tuple(shape[1:]) != want:
            raise CheckpointError(f"The {role} program in '{path}' {verb} (B, {', '.join(map(str, shape[1:]))}) "
                                  f"but its {META_FILE} says {name} {want}; {HOW}.")


class _Program(nn.Module):
    """One loaded program as a module: `.to()` reaches its weights; a failure inside it is one line
    naming the file; `.train()` / `.eval()` stop here (torch's programs refuse them: their mode was
    fixed when they were exported)."""

    def __init__(self, program: nn.Module, path: Path, role: str) -> None:
        super().__init__()
        self.program, self.path, self.role = program, path, role

    def forward(self, t: torch.Tensor) -> Any:
        try:
            return self.program(t)
        except (RuntimeError, AssertionError, TypeError, ValueError, IndexError) as exc:
            raise CheckpointError(f"The exported model '{self.path}' failed in {self.role}: {first_line(exc)}") from exc

    def train(self, mode: bool = True) -> _Program:
        self.training = mode
        return self


def _read_file(path: Path) -> bytes:
    files.check_regular_file(path, MAX_WEIGHTS_BYTES, CheckpointError, EXPECTED)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_WEIGHTS_BYTES + 1)
    except OSError as exc:
        raise CheckpointError(f"'{path}' cannot be read ({exc.strerror or exc}); give {EXPECTED}.") from None
    if len(data) > MAX_WEIGHTS_BYTES:
        raise CheckpointError(f"'{path}' grew past latentwalk's limit while it was read; give {EXPECTED}.")
    return data


def is_exported(spec: str | Path) -> bool:
    """Cheap: a `.pt2` name (load_exported reads it or says why not), or a regular file that is a PT2
    zip carrying latentwalk's metadata. No weights are read."""
    p = Path(spec)
    return p.suffix.lower() == SUFFIX or peek(p) is not None


def load_exported(spec: str | Path) -> tuple[WrappedModel, dict[str, Any]]:
    """A `.pt2` written by `save_exported` -> (model, metadata), the model made by `latentwalk.wrap`
    (a decoder alone is inverted). Only what was checked reaches torch (see latentwalk.models.export.sanitize)."""
    path = Path(spec)
    data = _read_file(path)
    archive = Archive(data, path)
    meta = _read_meta(archive)
    programs = {role: _load_program(archive, name) for role, name in meta["programs"].items()}
    parts = {role: _Program(module, path, role) for role, (_, module) in programs.items()}
    try:
        model = wrap(encode=parts.get("encode"), decode=parts["decode"], latent_shape=meta.get("latent_shape"),
                     data_shape=meta.get("data_shape"), prior=meta.get("prior", "none"),
                     modality=meta.get("modality", "image"))
    except (InvalidParameterError, TypeError) as exc:  # TypeError: an unhashable "prior" or "modality"
        raise CheckpointError(f"The {META_FILE} inside '{path}' does not describe a usable model: {exc}") from None
    for role, (ep, _) in programs.items():
        _check_io(ep, role, model, path)
    info = {"family": "exported", "source": "torch.export", "path": str(path),
            "weights_sha256": files.sha256_bytes(data), "config": meta}
    return model, info
