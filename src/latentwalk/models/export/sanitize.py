"""Reading a `.pt2` safely: only what was checked reaches torch.

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

`Archive` reads the user's zip; `program_archive` checks one program's graph, configs and payloads
and returns the in-memory archive that is the only thing `load` hands to `torch.export.load`.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import torch

from latentwalk.errors import CheckpointError
from latentwalk.models.checkpoint import MAX_WEIGHTS_BYTES
from latentwalk.models.export.common import EXPECTED, HOW, ZIP_ERRORS

MAX_GRAPH_BYTES = 64 << 20  # a graph's JSON: a few MB for a latent-diffusion VAE

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
    """What latentwalk will not hand to torch in a program's JSON (see this module's docstring)."""
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


class Archive:
    """The user's zip, read with Python's zipfile: names under the archive's one folder, sizes bounded."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except ZIP_ERRORS:
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
        except ZIP_ERRORS as exc:
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


def _payloads(archive: Archive, config: Any, folder: str, prefix: str, refuse: Callable[[str], CheckpointError]
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


def program_archive(archive: Archive, name: str) -> io.BytesIO:
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
