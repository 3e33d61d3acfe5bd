"""Bring your own model as a `torch.export` program: one `.pt2` file that `latentwalk walk --model` reads.

    from latentwalk.models.export import save_exported
    save_exported("my-model.pt2", decode=decoder, encode=encoder, latent_shape=(8,), data_shape=(1, 16, 16))

    $ latentwalk walk --model my-model.pt2 --from digits:0 --to digits:1 --out walk-mine

**The file.** One PT2 archive, the zip `torch.export.save` writes (PyTorch's "PT2 Archive Spec",
which names its programs `models/<name>.json`): the decoder under torch's default name `model`, so
that a plain `torch.export.load("my-model.pt2")` gives it back, the encoder (if any) under `encode`,
and `extra/latentwalk.json` saying what the tensors are:

    {"format": "latentwalk-exported", "format_version": 1, "programs": {"decode": "model", "encode": "encode"},
     "latent_shape": [8], "data_shape": [1, 16, 16], "prior": "gaussian", "modality": "image"}

Why two programs in one archive: torch.export exports one `forward` per program, so a module's
`encode` and `decode` cannot be one program; a `forward` that dispatches on a flag would take both
inputs and run both halves; the encoder's `.pt2` inside the decoder's `extra_files` would be stored
as text (base64, a third larger); two files in a folder would make one model two files to keep
together. The archive format holds several programs by name, so the user keeps one path. Writing
it goes through `package_pt2`, the function `torch.export.save` itself calls (it takes a dict of
programs); reading goes through the public `torch.export.load`. Both programs are exported in eval
mode, on the CPU, with a dynamic batch dimension (`torch.export.Dim`), so any batch size works.

**Is loading safe?** Not as torch does it: `torch.export.load`'s own docstring says it "uses pickle
under the hood ... Never load data from an untrusted source". In torch 2.13 reading a `.pt2` and
calling `.module()` can run code in several ways: pickled sample inputs (`torch.load` falling back
to `weights_only=False`), weights and constants flagged `use_pickle` (`weights_only=False`), opaque
constants (`pickle.loads`), AOTInductor shared libraries (loaded as native code), `guards_code`
strings (`exec`), size expressions (`sympy.sympify`, which is `eval`), any `torch.*` attribute as an
operator (`torch.os.system`), and names pasted unescaped into the code `torch.fx` generates. So
latentwalk never hands the file to torch as it is. It reads the zip itself and builds, in memory,
one archive per program holding only what it checked: weights and constants as raw tensor bytes
(nothing pickled, no custom objects), no sample inputs and no compiled libraries, no guards code,
no node metadata (stack traces), plain ATen operators (or Python's `operator` on sizes) and never
their file I/O ones, size expressions in the form torch writes them, and every name an identifier
or a dotted module path. Only that archive reaches `torch.export.load`, so what torch parses is
what was checked. Calling the model then runs a graph of ATen operators: a stranger's file decides
what it computes, not what your machine does; a failure inside it is one line naming the file.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import secrets
import zipfile
import zlib
from collections.abc import Callable, Iterator
from numbers import Integral
from pathlib import Path
from typing import Any

import torch
from torch import nn

from latentwalk import files
from latentwalk.config import Interval, Options, check_params
from latentwalk.errors import CheckpointError, InvalidParameterError, OutputError
from latentwalk.models.checkpoint import MAX_CONFIG_BYTES, MAX_WEIGHTS_BYTES
from latentwalk.models.wrap import WrappedModel, wrap

FORMAT, FORMAT_VERSION = "latentwalk-exported", 1
META_FILE = "latentwalk.json"
SUFFIX = ".pt2"
PROGRAMS = {"decode": "model", "encode": "encode"}  # role -> program name; "model" is what torch.export.load returns
EXPECTED = "a .pt2 file written by latentwalk.models.export.save_exported"
MAX_GRAPH_BYTES = 64 << 20  # a graph's JSON: a few MB for a latent-diffusion VAE
HOW = "save it with latentwalk.models.export.save_exported(path, decode=..., latent_shape=..., data_shape=...)"

_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError,
               NotImplementedError, RuntimeError, KeyError)
_CONSTRAINTS: dict[str, list[Any]] = {
    "prior": [Options(frozenset({"gaussian", "uniform", "none"}))],
    "modality": [Options(frozenset({"image", "audio"}))],
    "example_batch": [Interval(Integral, 2, 64)],  # 2 at least: torch.export treats a batch of 1 as a constant
}


# -- writing ----------------------------------------------------------------------------------


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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__


def _export(fn: Any, example: torch.Tensor, role: str) -> torch.export.ExportedProgram:
    module = fn if isinstance(fn, nn.Module) else _Call(fn)
    batch = torch.export.Dim("batch", min=1)
    with _eval_mode(module):
        try:
            return torch.export.export(module, (example,), dynamic_shapes=({0: batch},))
        except Exception as exc:  # torch.export raises many kinds (UserError, Unsupported, constraint violations)
            raise InvalidParameterError(
                f"torch.export could not export your `{role}` with a dynamic batch: {_first_line(exc)} "
                "(see https://pytorch.org/docs/stable/export.html for what it can trace)."
            ) from exc


def _peek(path: Path) -> dict[str, Any] | None:
    """The latentwalk.json of a regular file that is a PT2 zip, read without its weights; else None."""
    try:
        if not path.is_file():  # a FIFO, a device or a folder is never opened here
            return None
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            root = names[0].partition("/")[0] + "/" if names else ""
            info = zf.getinfo(f"{root}extra/{META_FILE}")
            if f"{root}archive_format" not in names or info.file_size > MAX_CONFIG_BYTES:
                return None
            meta = json.loads(zf.read(info))
    except (*_ZIP_ERRORS, RecursionError):
        return None
    return meta if isinstance(meta, dict) else None


def _check_destination(path: Path) -> None:
    """A `.pt2` name; an existing file is replaced only when save_exported wrote it."""
    if path.suffix.lower() != SUFFIX:
        raise InvalidParameterError(f"The 'path' parameter of save_exported must end in {SUFFIX} (that is how "
                                    f"`--model` recognises it). Got {str(path)!r} instead.")
    ours = not path.is_symlink() and (_peek(path) or {}).get("format") == FORMAT
    if (path.exists() or path.is_symlink()) and not ours:
        raise OutputError(f"Will not write to '{path}': it exists and is not a .pt2 written by save_exported "
                          "(latentwalk never overwrites a file it did not write). Choose another path or move it away.")


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"Cannot write to '{path}': {exc.strerror or exc}. Choose a writable path.") from None
    finally:
        tmp.unlink(missing_ok=True)


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
    # What torch.export.save calls; unlike it, takes several programs (see the module docstring).
    from torch.export.pt2_archive._package import package_pt2

    buf = io.BytesIO()
    package_pt2(buf, exported_programs=programs, extra_files={META_FILE: json.dumps(meta)})
    _write_atomically(out, buf.getvalue())
    return out


# -- reading: only what was checked reaches torch ---------------------------------------------

_PART = r"[A-Za-z0-9_]+"
NAME = re.compile(rf"(?:{_PART}(?:\.{_PART})*)?")  # an identifier, a dotted module path ("enc.0.weight") or ""
_ATEN = re.compile(r"torch\.ops\.aten\.(\w+)\.(\w+)")
_REFUSED_ATEN = frozenset({"from_file", "save", "_print"})  # the ATen operators that touch files or the console
_OPERATOR = frozenset({"getitem", "add", "sub", "mul", "floordiv", "truediv", "mod", "neg", "pow",
                       "eq", "ne", "lt", "le", "gt", "ge"})  # Python's `operator`, on sizes and tuples
_SYM = frozenset({"torch.sym_float", "torch.sym_int", "torch.sym_max", "torch.sym_min", "torch.sym_not"})
# What sympy's srepr writes for sizes, and torch's own size functions (torch/_export/serde/serialize.py)
_EXPR_NAMES = frozenset({
    "Symbol", "Integer", "Rational", "Float", "Add", "Mul", "Max", "Min", "Abs", "Mod", "Eq", "Ne", "Lt",
    "Le", "Gt", "Ge", "StrictLessThan", "LessThan", "StrictGreaterThan", "GreaterThan", "Equality", "Unequality",
    "And", "Or", "Not", "true", "false", "True", "False", "oo", "int_oo", "zoo", "nan", "positive", "negative",
    "integer", "nonnegative", "nonpositive", "real", "finite", "precision", "FloorDiv", "ModularIndexing",
    "Where", "PythonMod", "CleanDiv", "CeilToInt", "FloorToInt", "CeilDiv", "RShift", "FloatTrueDiv",
    "IntTrueDiv", "TruncToFloat", "TruncToInt", "RoundToInt", "RoundDecimal", "ToFloat", "Identity",
    "IsNonOverlappingAndDenseIndicator",
})  # no Pow, PowByNatural, FloatPow or LShift: sympy would compute a hostile 10**10**12 exactly
_EXPR_TOKEN = re.compile(r"\s+|'\w[\w.+-]{0,40}'|[A-Za-z_]\w*|\d{1,20}(?:\.\d{0,20})?(?:[eE][+-]?\d{1,3})?|[(),=+\-*/]")
_SPEC_TYPES = (None, "builtins.tuple", "builtins.list", "builtins.dict")
_FREE_TEXT = frozenset({"as_string", "as_strings", "torch_version"})  # passed on as values (repr'd), never as code
_MUST_BE_EMPTY = frozenset({"guards_code", "treespec_namedtuple_fields", "custom_obj_values"})


def _allowed_target(target: Any) -> bool:
    if not isinstance(target, str):
        return False
    if target.startswith("_operator."):
        return target.removeprefix("_operator.") in _OPERATOR
    if target in _SYM:
        return True
    m = _ATEN.fullmatch(target)
    if m is None or m.group(1) in _REFUSED_ATEN:
        return False
    try:
        overload = getattr(getattr(torch.ops.aten, m.group(1), None), m.group(2), None)
    except (AttributeError, RuntimeError):
        return False
    return isinstance(overload, torch._ops.OpOverload)


def _plain_expr(text: Any) -> bool:
    """`Mul(Integer(2), Symbol('s77', positive=True, integer=True))`: known names, numbers, quoted symbol
    names, no attribute access, nothing else; sympify evaluates it."""
    if not isinstance(text, str) or len(text) > 4096:
        return False
    pos = 0
    while pos < len(text):
        m = _EXPR_TOKEN.match(text, pos)
        if m is None or (m.group()[0].isalpha() or m.group()[0] == "_") and m.group() not in _EXPR_NAMES:
            return False
        pos = m.end()
    return True


def _plain_spec_node(node: Any) -> bool:
    if not isinstance(node, dict) or node.get("type") not in _SPEC_TYPES:
        return False
    context = node.get("context")
    keys = json.loads(context) if isinstance(context, str) else context
    if keys is not None and not (isinstance(keys, list) and all(isinstance(k, str) and NAME.fullmatch(k) for k in keys)):
        return False
    children = node.get("children_spec", [])
    return isinstance(children, list) and all(_plain_spec_node(c) for c in children)


def _plain_spec(text: Any) -> bool:
    """A pytree spec of tuples, lists and dicts with identifier keys (the inputs' and outputs' structure)."""
    try:
        version, root = json.loads(text)
        return isinstance(version, int) and _plain_spec_node(root)
    except (TypeError, ValueError):
        return False


def _field_problems(key: str, value: Any) -> Iterator[str]:
    if key in _FREE_TEXT:
        return
    if key in ("target", "as_operator"):
        if not _allowed_target(value):
            yield f"the operator {value!r}"
    elif key == "expr_str":
        if not _plain_expr(value):
            yield f"the size expression {value!r}"
    elif key in ("in_spec", "out_spec"):
        if not _plain_spec(value):
            yield f"the {key} {value!r}"
    elif key in _MUST_BE_EMPTY:
        if value:
            yield f"{key} (which torch runs or builds classes from)"
    elif key == "class_fqn":
        yield f"a custom object ({value!r})"
    elif key in ("min_val", "max_val"):
        if not (value is None or isinstance(value, int) and not isinstance(value, bool)):
            yield f"the bound {value!r}"
    else:
        yield from _problems(value)


def _problems(node: Any) -> Iterator[str]:
    """What latentwalk will not hand to torch in a program's JSON (see the module docstring)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not NAME.fullmatch(key):
                yield f"the name {key!r}"
            else:
                yield from _field_problems(key, value)
    elif isinstance(node, list):
        for value in node:
            yield from _problems(value)
    elif isinstance(node, str) and not NAME.fullmatch(node):
        yield f"the name {node!r}"


def _first_problem(node: Any) -> str | None:
    try:
        return next(_problems(node), None)
    except RecursionError:
        return "JSON nested deeper than latentwalk checks"


def _strip_metadata(graph: Any) -> None:
    """Metadata (stack traces, module paths) only annotates the code torch.fx writes: it is dropped
    (metadata anywhere else is checked like the rest, and refused)."""
    gm = graph.get("graph_module") if isinstance(graph, dict) else None
    inner = gm.get("graph") if isinstance(gm, dict) else None
    nodes = inner.get("nodes") if isinstance(inner, dict) else None
    for holder in [gm, *(nodes if isinstance(nodes, list) else [])]:
        if isinstance(holder, dict) and "metadata" in holder:
            holder["metadata"] = {}


class _Archive:
    """The user's zip, read with Python's zipfile: names under the archive's one folder, sizes bounded."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except _ZIP_ERRORS:
            raise CheckpointError(f"'{path}' is not a .pt2 archive (not a zip file); give {EXPECTED}.") from None
        self.root = infos[0].filename.partition("/")[0] + "/" if infos else ""
        if sum(i.file_size for i in infos) > MAX_WEIGHTS_BYTES:
            raise CheckpointError(f"'{path}' unpacks to more than latentwalk's limit of {MAX_WEIGHTS_BYTES >> 30} GiB; "
                                  f"give {EXPECTED} that is smaller.")
        if self.get("archive_format", 16, required=False) != b"pt2":
            raise CheckpointError(f"'{path}' is a zip file but not a torch.export .pt2 archive; give {EXPECTED}.")

    def size(self, name: str) -> int | None:
        try:
            return self.zip.getinfo(self.root + name).file_size
        except KeyError:
            return None

    def get(self, name: str, limit: int, required: bool = True) -> bytes | None:
        try:
            info = self.zip.getinfo(self.root + name)
        except KeyError:
            if required:
                raise CheckpointError(f"'{self.path}' is incomplete: it has no '{name}'; {HOW}.") from None
            return None
        if info.file_size > limit:
            raise CheckpointError(f"'{self.path}': '{name}' is {info.file_size:,} bytes, over latentwalk's limit; {HOW}.")
        try:
            return self.zip.read(info)
        except _ZIP_ERRORS as exc:
            raise CheckpointError(f"'{self.path}' is corrupt: '{name}' cannot be read ({exc}); {HOW}.") from None

    def json(self, name: str, limit: int) -> Any:
        try:
            return json.loads(self.get(name, limit) or b"")
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise CheckpointError(f"'{self.path}': '{name}' is not valid JSON ({exc}); {HOW}.") from None


def _numel(tensor_meta: Any) -> int | None:
    sizes = tensor_meta.get("sizes") if isinstance(tensor_meta, dict) else None
    if not isinstance(sizes, list) or not all(isinstance(s, dict) and isinstance(s.get("as_int"), int) for s in sizes):
        return None
    n = 1
    for s in sizes:
        n *= s["as_int"]
    return n


def _payloads(archive: _Archive, config: Any, folder: str, prefix: str, refuse: Callable[[str], CheckpointError]
              ) -> list[str]:
    """The raw tensor files a weights or constants config names; anything pickled is refused."""
    entries = config.get("config") if isinstance(config, dict) else None
    if not isinstance(entries, dict):
        raise refuse(f"a {folder.strip('/')} config that is not a mapping")
    bad = _first_problem(config)
    if bad is not None:
        raise refuse(bad)
    names = []
    for fqn, meta in entries.items():
        if not (isinstance(meta, dict) and meta.get("use_pickle") is False):
            raise refuse(f"the pickled tensor {fqn!r}")
        path_name = meta.get("path_name")
        if not (isinstance(path_name, str) and re.fullmatch(prefix + r"\d+", path_name)):
            raise refuse(f"the payload {path_name!r} (only raw tensors are read)")
        if archive.size(folder + path_name) == 0 and _numel(meta.get("tensor_meta")) != 0:  # torch would allocate it
            raise refuse(f"an empty file for the non-empty tensor {fqn!r}")
        names.append(path_name)
    return sorted(set(names))


def _program_archive(archive: _Archive, name: str) -> io.BytesIO:
    """A PT2 archive in memory with one program (renamed `model`) and only what was checked."""
    from torch.export.pt2_archive import PT2ArchiveWriter

    def refuse(what: str) -> CheckpointError:
        return CheckpointError(f"'{archive.path}' holds {what[:160]} in its '{name}' program, which latentwalk does "
                               f"not load (it could run code on your machine); {HOW}.")

    graph = archive.json(f"models/{name}.json", MAX_GRAPH_BYTES)
    _strip_metadata(graph)
    bad = _first_problem(graph)
    if bad is not None:
        raise refuse(bad)
    buf = io.BytesIO()
    with PT2ArchiveWriter(buf) as out:
        out.write_string("models/model.json", json.dumps(graph))
        out.write_bytes("data/sample_inputs/model.pt", b"")  # torch unpickles sample inputs; a walk needs none
        for folder, kind, prefix in (("data/weights/", "weights", "weight_"), ("data/constants/", "constants", "tensor_")):
            config_name = f"{folder}{name}_{kind}_config.json"
            config = archive.json(config_name, MAX_GRAPH_BYTES)
            out.write_string(f"{folder}model_{kind}_config.json", json.dumps(config))
            for payload in _payloads(archive, config, folder, prefix, refuse):
                out.write_bytes(folder + payload, archive.get(folder + payload, MAX_WEIGHTS_BYTES) or b"")
    buf.seek(0)
    return buf


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


def _load_program(archive: _Archive, name: str) -> tuple[torch.export.ExportedProgram, nn.Module]:
    """The program, and its module (torch.fx writes its code from the checked graph)."""
    buf = _program_archive(archive, name)
    with _torch_logs_kept() as kept:
        try:
            ep = torch.export.load(buf)
            return ep, ep.module()
        except Exception as exc:  # the deserializer raises many kinds; each is a file torch cannot read
            cause = kept.errors[0] if kept.errors else exc
            raise CheckpointError(f"'{archive.path}': torch.export.load cannot read its '{name}' program "
                                  f"({_first_line(cause)}); {HOW} with this torch ({torch.__version__}).") from exc


def _read_meta(archive: _Archive) -> dict[str, Any]:
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
            raise CheckpointError(f"The exported model '{self.path}' failed in {self.role}: {_first_line(exc)}") from exc

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
    return p.suffix.lower() == SUFFIX or _peek(p) is not None


def load_exported(spec: str | Path) -> tuple[WrappedModel, dict[str, Any]]:
    """A `.pt2` written by `save_exported` -> (model, metadata), the model made by `latentwalk.wrap`
    (a decoder alone is inverted). Only what was checked reaches torch (see the module docstring)."""
    path = Path(spec)
    data = _read_file(path)
    archive = _Archive(data, path)
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
