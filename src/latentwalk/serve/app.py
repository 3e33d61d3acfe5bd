"""The FastAPI app: the HTTP API (README, "Explore in the browser") and the page that uses only it.

Every route parses its request into data (`serve.requests`), asks the session, and answers.
Every refusal is `{"error": "<one line>"}` with a 4xx status, in the words the CLI prints after
`error:`; anything unexpected is a 500 with one line too (its traceback goes to the server's log,
never to the client). Nothing is read from or written to a path a client names: items are
dataset specs or upload ids, and the server writes only under its own temporary folder.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from importlib import resources
from numbers import Integral
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException as StarletteHTTPException

from latentwalk.config import Interval, Options, check_params
from latentwalk.errors import InvalidParameterError, LatentwalkError
from latentwalk.files import json_text
from latentwalk.serve.requests import FORMATS, FrameQuery, MixQuery, Query, WalkRequest, number, one
from latentwalk.serve.session import THUMBS_PER_PAGE, Session
from latentwalk.serve.uploads import too_large

log = logging.getLogger("latentwalk.serve")

JSON_LIMIT = 64 << 10  # a walk request is a few hundred bytes
STATIC = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
          "style.css": "text/css; charset=utf-8"}
WALK_ID = re.compile(r"[0-9a-f]{16}")
MEDIA = {"png": "image/png", "wav": "audio/wav"}
# The page loads nothing from elsewhere: no CDN, no inline script.
CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; script-src 'self'; "
       "style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
FRAME_HEADERS = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}


def one_line(text: str) -> str:
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def error(status: int, message: str) -> Response:
    return Response(json_text({"error": one_line(message)}, indent=None)[0], status_code=status, media_type="application/json",
                    headers={"X-Content-Type-Options": "nosniff"})


def ok(obj: Any) -> Response:
    return Response(json_text(obj, indent=None)[0], media_type="application/json", headers={"Cache-Control": "no-store"})


def query_of(request: Request) -> Query:
    out: dict[str, list[str]] = {}
    for k, v in request.query_params.multi_items():
        out.setdefault(k, []).append(v)
    return out


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused (413) as soon as it passes `limit` bytes: never read whole first."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(int(declared), limit)
    chunks, n = [], 0
    async for chunk in request.stream():
        n += len(chunk)
        if n > limit:
            raise too_large(None, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(LatentwalkError)
    async def refused(_: Request, exc: LatentwalkError) -> Response:
        return error(int(getattr(exc, "status", 400)), str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return error(404, f"Nothing at {request.url.path[:80]}; the page is at / and the API under /api (see the README).")
        if exc.status_code == 405:
            return error(405, f"{request.method} is not allowed on {request.url.path[:80]}.")
        return error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error(400, f"Bad request: {where} {first.get('msg', 'is invalid')}.")

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> Response:
        log.exception("latentwalk serve: unexpected error")
        return error(500, f"The server failed on this request ({type(exc).__name__}); its log has the details.")


def _pages(app: FastAPI) -> None:
    static = resources.files("latentwalk.serve") / "static"
    files = {name: (static / name).read_bytes() for name in STATIC}

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return Response(files["index.html"], media_type=STATIC["index.html"],
                        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        if name not in files:  # a fixed set: no path from the client reaches the file system
            return error(404, f"No static file '{name[:60]}'; the page uses {', '.join(STATIC)}.")
        return Response(files[name], media_type=STATIC[name], headers={"X-Content-Type-Options": "nosniff"})


# What the page starts from, per dataset (the README's examples); other datasets start at items 0, 1, 2.
EXAMPLES = {"digits": ("digits:3", "digits:8", "digits:7"), "lines": ("lines:angle=0.3", "lines:angle=2.5", "lines:angle=4.4"),
            "tones": ("tones:kind=cry", "tones:kind=noise", "tones:f0=220")}


def _catalogue(session: Session) -> dict[str, Any]:
    from latentwalk.factors import DIRECTIONS
    from latentwalk.paths import PATHS, SCHEDULES
    from latentwalk.paths.schedules import DecodedSchedule

    models = []
    for name in session.names:
        m = session.model(name)
        dataset = (m.meta.get("trained_on") or {}).get("dataset")
        models.append({"name": name, "family": m.meta.get("family"), "modality": m.modality, "prior": m.prior,
                       "data_shape": list(m.data_shape), "latent_shape": list(m.latent_shape), "dataset": dataset,
                       "format": "wav" if m.modality == "audio" else "png",
                       "examples": list(EXAMPLES.get(str(dataset), tuple(f"{dataset}:{i}" for i in range(3))))})
    methods = [{"name": n, "description": PATHS.get(n).description, "space": PATHS.get(n).space,
                "frame": not PATHS.get(n).needs_decoder} for n in PATHS.names()]
    schedules = [{"name": n, "frame": not isinstance(SCHEDULES.get(n), DecodedSchedule)} for n in SCHEDULES.names()]
    return {"models": models, "methods": methods, "schedules": schedules, "direction_kinds": DIRECTIONS.names(),
            "upload_limit": session.uploads.limit}


def _api(app: FastAPI, session: Session) -> None:
    formats = session.default_format()

    @app.get("/api/models")
    async def models() -> Response:
        return ok(_catalogue(session))

    @app.get("/api/items")
    def items(request: Request) -> Response:
        q = query_of(request)
        where = "items"
        model = one(q, "model", where)
        dataset = one(q, "dataset", where, "") or None
        offset = number(one(q, "offset", where, "0"), "offset", where, Interval(Integral, 0, None), integer=True)
        limit = number(one(q, "limit", where, str(THUMBS_PER_PAGE)), "limit", where, Interval(Integral, 1, 200), integer=True)
        return ok(session.items(model, dataset, offset, limit))

    @app.get("/api/item")
    def item(request: Request) -> Response:
        q = query_of(request)
        model = one(q, "model", "item")
        fmt = one(q, "format", "item", "png")
        check_params({"format": [Options(frozenset(FORMATS))]}, {"format": fmt}, "item")
        from latentwalk.serve.requests import spec

        body = session.item_bytes(model, spec(one(q, "item", "item"), "item"), fmt)
        return Response(body, media_type=MEDIA[fmt], headers=FRAME_HEADERS)

    @app.get("/api/frame")
    async def frame(request: Request) -> Response:
        q = FrameQuery.parse(query_of(request), formats)
        return Response(await session.frame(q), media_type=MEDIA[q.format], headers=FRAME_HEADERS)

    @app.get("/api/mix")
    async def mix(request: Request) -> Response:
        q = MixQuery.parse(query_of(request), formats)
        return Response(await session.mix(q), media_type=MEDIA[q.format], headers=FRAME_HEADERS)

    @app.get("/api/directions")
    def directions(request: Request) -> Response:
        q = query_of(request)
        ds = session.directions(one(q, "model", "directions"), one(q, "kind", "directions", "atvec"))
        rows = [{"id": i, "label": ds.labels[i], "factor": d.factor, "sigma": d.sigma} for i, d in ds.directions.items()]
        return ok({"kind": ds.kind, "directions": rows, "note": ds.note.strip()})

    @app.post("/api/walk")
    async def walk(request: Request) -> Response:
        r = WalkRequest.parse(await read_body(request, JSON_LIMIT))
        from starlette.concurrency import run_in_threadpool

        w = await run_in_threadpool(session.walk, r)
        return ok(walk_json(r, w))

    @app.get("/api/walks/{wid}/{method}/sound")
    def walk_sound(wid: str, method: str) -> Response:
        return Response(session.walk_sound(_walk_id(wid), method), media_type="audio/wav", headers=FRAME_HEADERS)

    @app.get("/api/walks/{wid}/{method}/{step}")
    def walk_frame(request: Request, wid: str, method: str, step: str) -> Response:
        i = number(step, "step", "the walk's frames", Interval(Integral, 0, None), integer=True)
        fmt = one(query_of(request), "format", "walk frame", "png")
        check_params({"format": [Options(frozenset(FORMATS))]}, {"format": fmt}, "walk frame")
        return Response(session.walk_frame(_walk_id(wid), method, i, fmt), media_type=MEDIA[fmt], headers=FRAME_HEADERS)

    @app.post("/api/upload")
    async def upload(request: Request) -> Response:
        q = query_of(request)
        limit = session.uploads.limit
        ctype = request.headers.get("content-type", "")
        if ctype.startswith("multipart/form-data"):
            from latentwalk.serve.uploads import multipart_file

            name, data = multipart_file(await read_body(request, limit + JSON_LIMIT), ctype)
        else:
            name, data = one(q, "name", "upload", "upload"), await read_body(request, limit)
        from starlette.concurrency import run_in_threadpool

        return ok(await run_in_threadpool(_upload, session, data, name, one(q, "model", "upload", "") or None))

    @app.post("/api/export")
    async def export(request: Request) -> Response:
        r = WalkRequest.parse(await read_body(request, JSON_LIMIT))
        from starlette.concurrency import run_in_threadpool

        archive, work = await run_in_threadpool(session.export, r)
        import shutil

        return FileResponse(archive, media_type="application/zip", filename=archive.name,
                            background=BackgroundTask(shutil.rmtree, work, ignore_errors=True))


def _walk_id(wid: str) -> str:
    if not WALK_ID.fullmatch(wid):
        raise InvalidParameterError(f"'{wid[:40]}' is not a walk id (16 hex digits, from POST /api/walk).")
    return wid


def _upload(session: Session, data: bytes, name: str, model: str | None) -> dict[str, Any]:
    """Store an upload and check that a model of its kind reads it (the given one, else the first such)."""
    up = session.uploads.add(data, name)
    names = [model] if model else [n for n in session.names if session.model(n).modality == up.modality]
    if not names:
        kind = "image" if up.modality == "image" else "sound"
        raise InvalidParameterError(f"'{name}' is a {kind}, but this server serves no {kind} model.")
    session.encoded(names[0], up.id)  # reads it as the model will (size, channels, length), and encodes it once
    return {"id": up.id, "name": up.name, "modality": up.modality, "bytes": up.size, "model": names[0],
            "thumb": f"/api/item?model={names[0]}&item={up.id}"}


def walk_json(r: WalkRequest, w: Any) -> dict[str, Any]:
    """A walk as the page reads it: per method its steps' t, frame URLs, metrics and profiles."""
    out: dict[str, Any] = {"id": r.id, "model": r.model, "items": [r.src, *r.via, r.dst], "steps": r.steps,
                           "schedule": r.schedule, "methods": {}, "notes": list(w.notes)}
    audio = w.model.modality == "audio"
    for name, mw in w.result.walks.items():
        base = f"/api/walks/{r.id}/{name}"
        profiles = {}
        for metric, curve, label in (("smoothness", "step", "step"), ("realism", "nn_distance", "realism"),
                                     ("typicality", "norm", "norm")):
            res = mw.metrics.get(metric)
            if res is not None and curve in res.profile:
                profiles[label] = list(res.profile[curve])
        out["methods"][name] = {
            "ts": mw.ts.tolist(),
            "frames": [f"{base}/{i}" for i in range(len(mw.frames))],
            "sound": f"{base}/sound" if audio else None,
            "metrics": {k: dict(v.summary) for k, v in mw.metrics.items()},
            "profiles": profiles,
        }
    return out


def create_app(models: Sequence[Any], upload_limit: int | None = None, tmpdir: str | Path | None = None, *,
               frame_cache: int | None = None) -> FastAPI:
    """The app over `models` (Model objects or specs, loaded once here). Uploads up to `upload_limit`
    bytes; everything the server writes goes under `tmpdir` (a fresh temporary folder by default,
    removed when the app shuts down)."""
    import contextlib
    import shutil
    import tempfile
    from collections.abc import AsyncIterator

    from latentwalk.api import load_model
    from latentwalk.serve.session import FRAME_CACHE
    from latentwalk.serve.uploads import UPLOAD_LIMIT

    limit = UPLOAD_LIMIT if upload_limit is None else upload_limit
    check_params({"upload_limit": [Interval(Integral, 1, None)]}, {"upload_limit": limit}, "create_app")
    owned = tmpdir is None
    folder = Path(tempfile.mkdtemp(prefix="latentwalk-serve-")) if tmpdir is None else Path(tmpdir)
    loaded = [load_model(m) for m in models]
    session = Session(loaded, folder, limit, FRAME_CACHE if frame_cache is None else frame_cache)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        session.close()
        if owned:
            shutil.rmtree(folder, ignore_errors=True)

    app = FastAPI(title="latentwalk", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.session = session
    _handlers(app)
    _pages(app)
    _api(app, session)
    return app
