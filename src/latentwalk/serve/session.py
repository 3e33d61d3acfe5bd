"""The server's state: models loaded once, items, codes, frames, walks and directions, cached.

Everything here is plain Python over the package's API (`encode_items`, the path registry,
`route_at`, `decode_batched`, `latentwalk.walk`, `Study`); the routes only parse and answer.
Frames at any t: A and B (and any via) are encoded once, their codes kept; the code at t is the
method's route between them (`paths.keyframes.route_at`, as a walk's frames are), decoded in a
batch with every other frame asked for meanwhile, and kept as PNG or WAV bytes in an LRU keyed
by model, items, method, t, schedule and direction offsets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import shutil
import threading
import zipfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import torch

from latentwalk.data import DATASETS, Item, get_dataset, resolve_item
from latentwalk.data.base import shown
from latentwalk.errors import DataError, InvalidParameterError, LatentwalkError
from latentwalk.models.model import Model
from latentwalk.paths import PATHS, SCHEDULES
from latentwalk.paths.base import PathMethod
from latentwalk.paths.keyframes import route_at
from latentwalk.paths.schedules import DecodedSchedule, get_schedule
from latentwalk.pipeline import decode_batched, encode_items
from latentwalk.registry import Registry
from latentwalk.serve import media
from latentwalk.serve.batch import DecodeBatcher
from latentwalk.serve.cache import LRU, size_of
from latentwalk.serve.requests import FrameQuery, MixQuery, WalkRequest
from latentwalk.serve.uploads import ID, UploadStore

FRAME_CACHE = 4096  # frames kept (PNG of a 32x32 image: ~0.5 KB; a sound's WAV: 32 KB)
FRAME_CACHE_BYTES = 128 << 20
CODE_CACHE = 1024
WALK_CACHE = 8
WALK_CACHE_BYTES = 256 << 20  # a walk holds at most 32 MB of frames (config.MAX_WALK_VALUES), a sound's twice that
THUMBS_PER_PAGE = 48
MAX_THUMBS = 200


class UnknownWalk(DataError):
    status = 404


@dataclass
class DirectionSet:
    kind: str
    directions: dict[str, Any] = field(default_factory=dict)  # id -> factors.Direction
    labels: dict[str, str] = field(default_factory=dict)
    note: str = ""


@dataclass
class FramePlan:
    """What a frame needs besides decoding: a code to decode, or a data-space mix already made."""

    code: torch.Tensor | None = None  # (*L)
    frame: torch.Tensor | None = None  # (*X), when in data space
    sound_route: tuple[torch.Tensor, int, float] | None = None  # (keyframe inputs, segment, weight): a crossfade heard


def walk_bytes(w: object) -> int:
    """What a kept walk holds: every method's frames and codes, and a sound's waveforms (twice the frames, roughly)."""
    total = 0
    for mw in getattr(getattr(w, "result", None), "walks", {}).values():
        total += 3 * size_of(mw.frames) + (size_of(mw.codes) if mw.codes is not None else 0)
    return total


def page_bytes(page: Any) -> int:
    """What a kept page of items holds: its thumbnails (data URLs)."""
    return sum(len(item["thumb"]) for item in page["items"])


def served_name(model: Model, taken: set[str]) -> str:
    """A built-in's name, or a checkpoint's folder or file name: never a server path."""
    base = str(model.meta.get("builtin") or Path(model.spec).name or "model")
    name, i = base, 2
    while name in taken:
        name, i = f"{base}-{i}", i + 1
    return name


def position(t: float, keys: int, schedule: str) -> float:
    """t in [0, 1] along the whole route -> keyframe units (key k at k), the schedule's warp
    applied inside each segment, as `keyframe_walk` places a walk's frames."""
    if isinstance(SCHEDULES.get(schedule), DecodedSchedule):
        raise InvalidParameterError(
            f"The '{schedule}' schedule places a walk's frames by their decoded change; /api/frame takes t along "
            "the path itself (schedule 'uniform' or 'ease-in-out'), and a walk made with it reports its frames' t.")
    warp = get_schedule(schedule, "frame")
    segments = keys - 1
    p = t * segments
    seg = min(math.floor(p), segments - 1)
    return seg + float(warp(torch.tensor([p - seg], dtype=torch.float64))[0])


def frame_method(name: str) -> PathMethod:
    m = PATHS.get(name)
    if m.needs_decoder:
        raise InvalidParameterError(
            f"'{name}' optimises the whole walk through the decoder, so it has no frame at a single t; "
            "POST /api/walk computes it (its frames are under the walk's frame URLs).")
    return m


class Session:
    """One server's models and caches. Thread-safe: routes call it from worker threads."""

    def __init__(self, models: Sequence[Model], tmpdir: Path, upload_limit: int, frame_cache: int = FRAME_CACHE) -> None:
        if not models:
            raise InvalidParameterError("The server needs at least one model (latentwalk serve --model digits-vae).")
        self.models: Registry[Model] = Registry("served model")
        self.names: list[str] = []  # in the order given: the page starts with the first
        for m in models:
            self.names.append(served_name(m, set(self.names)))
            self.models.add(self.names[-1], m)
        self.tmpdir = Path(tmpdir)
        self.uploads = UploadStore(self.tmpdir / "uploads", upload_limit)
        self.frames: LRU[bytes] = LRU(frame_cache, FRAME_CACHE_BYTES)
        self.codes: LRU[tuple[torch.Tensor, torch.Tensor]] = LRU(CODE_CACHE, 256 << 20)
        self.walks: LRU[Any] = LRU(WALK_CACHE, WALK_CACHE_BYTES, walk_bytes)
        self.thumbs: LRU[dict[str, Any]] = LRU(64, 32 << 20, page_bytes)
        self._splits: dict[str, Any] = {}
        self._studies: dict[str, Any] = {}
        self._directions: dict[tuple[str, str], DirectionSet] = {}
        self._lock, self._study_lock = threading.Lock(), threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="latentwalk-frames")
        self.batcher = DecodeBatcher(self._decode, self.executor)
        self._inflight: dict[tuple[Any, ...], asyncio.Future[bytes]] = {}

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

    # --- models and items -------------------------------------------------------------------

    def model(self, name: str) -> Model:
        return self.models.get(name)

    def default_format(self) -> dict[str, str]:
        return {n: ("wav" if self.models.get(n).modality == "audio" else "png") for n in self.names}

    def item(self, model_name: str, spec: str) -> Item:
        """A client's item: a dataset item (`digits:17`, `lines:angle=0.8`) or an upload id."""
        model = self.model(model_name)
        if spec.startswith("upload:"):
            return self._upload_item(model_name, spec)
        name = spec.partition(":")[0]
        if name not in DATASETS:
            raise DataError(f"'{shown(spec)}' is not an item this server knows: use DATASET:INDEX or DATASET:FACTOR=VALUE "
                            f"(datasets: {', '.join(DATASETS.names())}) or an id from POST /api/upload; "
                            "file paths are never read.")
        return resolve_item(spec, model.data_shape, model.modality, files=False)

    def _upload_item(self, model_name: str, spec: str) -> Item:
        model = self.model(model_name)
        if not ID.fullmatch(spec):
            raise DataError(f"'{shown(spec)}' is not an upload id; POST /api/upload answers with one (upload:<16 hex digits>).")
        up = self.uploads.get(spec)
        if up.modality != model.modality:
            has = "an image" if up.modality == "image" else "a sound"
            wants = "images" if model.modality == "image" else "sounds"
            raise DataError(f"'{spec}' ({shown(up.name)}) is {has}; the model '{model_name}' takes {wants}.")
        try:
            item = resolve_item(str(up.path), model.data_shape, model.modality)
        except LatentwalkError as exc:  # name the upload as the client did, never the server's path
            raise DataError(str(exc).replace(str(up.path), up.name)) from None
        return dataclasses.replace(item, source=spec)

    def encoded(self, model_name: str, spec: str) -> tuple[torch.Tensor, torch.Tensor]:
        """(x (*X), z (*L)) of an item: encoded once (posterior mean), then kept."""
        key = (model_name, spec)
        hit = self.codes.get(key)
        if hit is not None:
            return hit
        m = self.model(model_name)
        x = self.item(model_name, spec).x
        z = encode_items(m, x[None], "mean", torch.Generator(m.device).manual_seed(0))[0]
        return self.codes.put(key, (x, z))

    # --- frames -----------------------------------------------------------------------------

    def _decode(self, model_name: str, z: torch.Tensor) -> torch.Tensor:
        return decode_batched(self.model(model_name), z).clamp(0, 1)

    def _edit(self, model_name: str, z: torch.Tensor, edits: tuple[tuple[str, float], ...]) -> torch.Tensor:
        """z + sum of alpha sigma v over the asked directions (a `traverse` step each)."""
        for ident, alpha in edits:
            d = self.direction(model_name, ident)
            z = z + (alpha * d.sigma) * d.vector.to(z.dtype)
        return z

    def plan_frame(self, q: FrameQuery) -> FramePlan:
        m = self.model(q.model)
        method = frame_method(q.method)
        s = position(q.t, len(q.keys), q.schedule)
        pairs = [self.encoded(q.model, k) for k in q.keys]
        where = torch.tensor([s], dtype=torch.float64)
        if method.space == "data":
            x = torch.stack([p[0] for p in pairs])  # (K, *X)
            frame = route_at(x, where, method.fn)[0].clamp(0, 1)
            seg = min(int(s), len(q.keys) - 2)
            heard = (x[[seg, seg + 1]], seg, s - seg) if m.modality == "audio" and q.format == "wav" else None
            return FramePlan(frame=frame, sound_route=heard)
        z = route_at(torch.stack([p[1] for p in pairs]), where, method.fn, False, method.route)[0]
        return FramePlan(code=self._edit(q.model, z, q.edits))

    def plan_mix(self, q: MixQuery) -> FramePlan:
        from latentwalk.paths.mix import mix

        codes = torch.stack([self.encoded(q.model, i)[1] for i in q.items])  # (n, *L)
        z = mix(codes, torch.tensor(q.weights, dtype=torch.float64), q.mode)  # type: ignore[arg-type]
        return FramePlan(code=self._edit(q.model, z, q.edits))

    def finish(self, model_name: str, fmt: str, frame: torch.Tensor, plan: FramePlan) -> bytes:
        modality = self.model(model_name).modality
        if fmt == "png":
            return media.frame_png(frame, modality)
        if modality != "audio":
            raise InvalidParameterError(f"'{model_name}' is an image model; its frames are format=png.")
        if plan.sound_route is not None:  # a crossfade of sounds is heard as a mix of their waveforms
            keys, _, w = plan.sound_route
            a, b = media.sounds(keys)
            return media.wav((1 - w) * a + w * b)
        return media.wav(media.sounds(frame[None])[0])

    def _quick(self, model_name: str, items: tuple[str, ...], edits: tuple[tuple[str, float], ...]) -> bool:
        """Whether a frame's plan is tensor maths only (its codes and directions are kept), so that it
        runs at once instead of in a worker thread: no encoding, no direction to find."""
        return (all((model_name, s) in self.codes for s in items)
                and all((model_name, d.partition(":")[0]) in self._directions for d, _ in edits))

    async def render(self, key: tuple[Any, ...], model_name: str, fmt: str, plan: Any, quick: bool) -> bytes:
        """The bytes of one frame: from the LRU, from an identical request in flight, or made now
        (the plan at once when `quick`, else in a worker; the decode batched; a PNG at once, a WAV in a worker)."""
        hit = self.frames.get(key)
        if hit is not None:
            return hit
        running = self._inflight.get(key)
        if running is not None:
            return await asyncio.shield(running)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()
        future.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved: no "never retrieved" warning
        self._inflight[key] = future
        try:
            p: FramePlan = plan() if quick else await loop.run_in_executor(self.executor, plan)
            frame = await self.batcher.decode(model_name, p.code) if p.code is not None else cast(torch.Tensor, p.frame)
            if fmt == "png":
                body = self.finish(model_name, fmt, frame, p)
            else:
                body = await loop.run_in_executor(self.executor, self.finish, model_name, fmt, frame, p)
            future.set_result(self.frames.put(key, body))
            return body
        except BaseException as exc:
            future.set_exception(exc)
            raise
        finally:
            del self._inflight[key]

    async def frame(self, q: FrameQuery) -> bytes:
        return await self.render(("frame", *dataclasses.astuple(q)), q.model, q.format, lambda: self.plan_frame(q),
                                 self._quick(q.model, q.keys, q.edits))

    async def mix(self, q: MixQuery) -> bytes:
        return await self.render(("mix", *dataclasses.astuple(q)), q.model, q.format, lambda: self.plan_mix(q),
                                 self._quick(q.model, q.items, q.edits))

    # --- walks and exports ------------------------------------------------------------------

    def _walk_input(self, model_name: str, spec: str) -> str:
        """What `latentwalk.walk` is given for a client's item: the spec itself, or the upload's file."""
        self.item(model_name, spec)  # refuses what the server does not know, with the server's words
        if spec.startswith("upload:"):
            return str(self.uploads.get(spec).path)
        if Path(spec).exists():  # `walk` would read a file of that name in the server's folder
            raise DataError(f"A file named '{shown(spec)}' in the server's folder shadows this item; rename it.")
        return spec

    def walk(self, r: WalkRequest) -> Any:
        """The Walk of a request (the Python API's), made once and kept."""
        from latentwalk.api import walk as walk_between
        from latentwalk.pipeline.core import check_walk_request

        hit = self.walks.get(r.id)
        if hit is not None:
            return hit
        m = self.model(r.model)
        check_walk_request(list(r.methods), r.steps, r.schedule, "rms", m.data_shape)
        a, b = self._walk_input(r.model, r.src), self._walk_input(r.model, r.dst)
        via = [self._walk_input(r.model, v) for v in r.via]
        w = walk_between(m, a, b, method=list(r.methods), steps=r.steps, via=via, schedule=r.schedule)
        return self.walks.put(r.id, w)

    def walk_frame(self, wid: str, method: str, i: int, fmt: str) -> bytes:
        """Step i of a computed walk's method, as PNG (the frame) or WAV (what the CLI's step WAV holds)."""
        w = self.walks.get(wid)
        if w is None:
            raise UnknownWalk(f"No walk '{wid}' is kept (the server keeps the last {WALK_CACHE}); POST /api/walk again.")
        mw = w[method]
        if not 0 <= i < len(mw.frames):
            raise InvalidParameterError(f"The walk has {len(mw.frames)} steps (0 to {len(mw.frames) - 1}); got {i}.")
        key = ("walk", wid, method, i, fmt)
        hit = self.frames.get(key)
        if hit is not None:
            return hit
        if fmt == "png":
            return self.frames.put(key, media.frame_png(mw.frames[i], w.model.modality))
        if w.model.modality != "audio":
            raise InvalidParameterError("This is an image model; its frames are format=png.")
        from latentwalk.modalities import AUDIO

        return self.frames.put(key, media.wav(AUDIO.waveforms(mw)[i]))

    def walk_sound(self, wid: str, method: str) -> bytes:
        """The whole walk of a sound model heard at once: the CLI's morph.wav."""
        from latentwalk.modalities import AUDIO
        from latentwalk.modalities.audio import join_with_crossfades
        from latentwalk.modalities.audio.modality import FADE_S

        self.walk_frame(wid, method, 0, "wav")  # the same checks (kept walk, method, sound model)
        key = ("walk", wid, method, "sound")
        hit = self.frames.get(key)
        if hit is not None:
            return hit
        mw = self.walks.get(wid)[method]  # type: ignore[index]
        return self.frames.put(key, media.wav(join_with_crossfades(AUDIO.waveforms(mw), FADE_S)))

    def export(self, r: WalkRequest) -> tuple[Path, Path]:
        """The walk's folder as `latentwalk walk` writes it, zipped: (zip file, folder to delete after).

        Uploaded items travel inside it (inputs/), recorded by that relative name, so that
        `latentwalk rerun` of the unzipped folder finds them there and re-creates it."""
        import tempfile

        w = self.walk(r)
        exports = self.tmpdir / "exports"
        exports.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=exports))  # made here, so removing it after the send removes only ours
        name = f"latentwalk-walk-{r.id}"
        out = work / name
        renamed: dict[str, str] = {}
        for spec in (r.src, r.dst, *r.via):
            if spec.startswith("upload:"):
                stored = self.uploads.get(spec).path
                renamed[str(stored)] = f"inputs/{stored.name}"
        req = dict(w.request)
        req.update(src=renamed.get(req["src"], req["src"]), dst=renamed.get(req["dst"], req["dst"]),
                   via=[renamed.get(v, v) for v in req["via"]])
        items = [dataclasses.replace(it, source=renamed.get(it.source, it.source)) for it in w.result.items]
        portable = dataclasses.replace(w, request=req, result=dataclasses.replace(w.result, items=items),
                                       items=[renamed.get(s, s) for s in w.items])
        portable.save(out)
        for source, rel in renamed.items():
            (out / rel).parent.mkdir(exist_ok=True)
            shutil.copyfile(source, out / rel)
        archive = work / f"{name}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(out.rglob("*")):
                if f.is_file():
                    z.write(f, f"{name}/{f.relative_to(out).as_posix()}")
        return archive, work

    # --- items and directions ---------------------------------------------------------------

    def dataset_of(self, model_name: str, dataset: str | None) -> str:
        m = self.model(model_name)
        name = dataset or (m.meta.get("trained_on") or {}).get("dataset")
        if not name:
            raise InvalidParameterError(f"'{model_name}' does not say which dataset it was trained on; give ?dataset= "
                                        f"(one of {', '.join(DATASETS.names())}).")
        ds = get_dataset(str(name))
        if tuple(ds.item_shape) != tuple(m.data_shape):
            raise DataError(f"Dataset '{name}' has items of shape {tuple(ds.item_shape)} but the model takes "
                            f"{tuple(m.data_shape)}; use a dataset the model was trained on.")
        return str(name)

    def split(self, dataset: str) -> Any:
        with self._lock:
            if dataset not in self._splits:
                self._splits[dataset] = get_dataset(dataset).load()
            return self._splits[dataset]

    def items(self, model_name: str, dataset: str | None, offset: int, limit: int) -> dict[str, Any]:
        """A page of a dataset's items with thumbnails, and its factors for the page's sliders."""
        m = self.model(model_name)
        name = self.dataset_of(model_name, dataset)
        key = (model_name, name, offset, limit)
        hit = self.thumbs.get(key)
        if hit is not None:
            return hit
        split = self.split(name)
        n = len(split.x)
        if offset >= n:
            raise InvalidParameterError(f"Dataset '{name}' has {n} items (0 to {n - 1}); offset {offset} is past its end.")
        rows = []
        for i in range(offset, min(n, offset + limit)):
            factors = {k: float(v[i]) for k, v in split.factors.items()}
            thumb = split.x[i][:, ::4] if m.modality == "audio" else split.x[i]  # a sound's spectrogram, 1/4 of its bins
            rows.append({"id": f"{name}:{i}", "factors": factors, "thumb": media.data_url(thumb, m.modality),
                         "label": ", ".join(f"{k} {v:.3g}" for k, v in factors.items())})
        return self.thumbs.put(key, {"dataset": name, "count": n, "offset": offset, "items": rows,
                                     "factors": factor_controls(split.factors)})

    def item_bytes(self, model_name: str, spec: str, fmt: str) -> bytes:
        """An item itself (what the model is given), as PNG, or for sounds as WAV."""
        key = ("item", model_name, spec, fmt)
        hit = self.frames.get(key)
        if hit is not None:
            return hit
        m = self.model(model_name)
        x = self.item(model_name, spec).x
        if fmt == "png":
            return self.frames.put(key, media.frame_png(x, m.modality))
        if m.modality != "audio":
            raise InvalidParameterError(f"'{model_name}' is an image model; its items are format=png.")
        return self.frames.put(key, media.wav(media.sounds(x[None])[0]))

    def _study(self, model_name: str, dataset: str) -> Any:
        from latentwalk.factors import Study

        with self._study_lock:  # encoding a dataset takes seconds: not under the lock of the quick look-ups
            if model_name not in self._studies:
                self._studies[model_name] = Study.of(self.model(model_name), dataset)
            return self._studies[model_name]

    def directions(self, model_name: str, kind: str) -> DirectionSet:
        """Every factor direction of the model's dataset, of one kind (DIRECTIONS), found once.

        Categorical factors give one direction per class (toward it), circular ones (angles) two
        (toward 0 and toward 90 degrees), continuous ones one (up)."""
        from latentwalk.factors import DIRECTIONS, RECOVERERS

        DIRECTIONS.get(kind)
        m = self.model(model_name)
        key = (model_name, kind)
        with self._lock:
            if key in self._directions:
                return self._directions[key]
        dataset = (m.meta.get("trained_on") or {}).get("dataset")
        out = DirectionSet(kind)
        if dataset not in RECOVERERS:
            out.note = (f"No directions for '{model_name}': directions are found on datasets whose factors can be read "
                        f"off a frame ({', '.join(RECOVERERS.names())}); this model was trained on {dataset or 'unknown data'}.")
        else:
            study = self._study(model_name, str(dataset))
            for factor, info in study.recoverer.factors.items():
                for positive, label in _targets(factor, info.kind, study.values(factor)):
                    try:
                        d = study.direction(kind, factor, positive)
                    except LatentwalkError as exc:
                        out.note += f"{factor} {label}: {exc} "
                        continue
                    ident = f"{kind}:{factor}" + ("" if positive is None else f"={positive:g}")
                    out.directions[ident], out.labels[ident] = d, f"{factor} {label}"
        with self._lock:
            return self._directions.setdefault(key, out)

    def direction(self, model_name: str, ident: str) -> Any:
        kind = ident.partition(":")[0]
        found = self.directions(model_name, kind).directions.get(ident)
        if found is None:
            raise InvalidParameterError(f"'{shown(ident)}' is not a direction of '{model_name}'; "
                                        f"GET /api/directions?model={model_name}&kind={kind} lists them.")
        return found


def _targets(factor: str, kind: str, values: torch.Tensor) -> list[tuple[float | None, str]]:
    """(positive, label) of each direction found for a factor."""
    if kind == "categorical":
        return [(float(v), f"→ {float(v):g}") for v in torch.unique(values).tolist()]
    if kind == "circular":
        return [(0.0, "→ 0°"), (math.pi / 2, "→ 90°")]
    return [(None, "↑")]


def factor_controls(factors: dict[str, torch.Tensor]) -> list[dict[str, Any]]:
    """A slider (range) or a choice per factor, from the values the dataset holds."""
    out: list[dict[str, Any]] = []
    for name, v in factors.items():
        values = np.unique(v.numpy())
        if len(values) <= 12:
            out.append({"name": name, "kind": "choice", "values": [float(x) for x in values]})
        else:
            lo, hi = float(values.min()), float(values.max())
            out.append({"name": name, "kind": "range", "min": lo, "max": hi, "step": float(f"{(hi - lo) / 200:.2g}")})
    return out
