"""The browser explorer: a FastAPI app over the Python API, and the page that uses it.

    latentwalk serve --model digits-vae --model lines-vae      # then open http://127.0.0.1:8765/

`create_app(models, upload_limit, tmpdir)` builds the app (FastAPI and uvicorn are the `serve`
extra: pip install 'latentwalk[serve]'); `serve.session` holds the models and caches,
`serve.requests` the requests as data, `serve/static/` the page (plain HTML, JS and CSS).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from latentwalk.errors import require

if TYPE_CHECKING:
    from collections.abc import Sequence

    from fastapi import FastAPI

__all__ = ["create_app"]


def create_app(models: Sequence[Any], upload_limit: int | None = None, tmpdir: str | Path | None = None, *,
               frame_cache: int | None = None) -> FastAPI:
    """The app over `models` (Model objects or model specs); see `latentwalk.serve.app.create_app`."""
    require("fastapi", "serve")
    from latentwalk.serve.app import create_app as build

    return build(models, upload_limit, tmpdir, frame_cache=frame_cache)
