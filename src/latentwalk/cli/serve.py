"""`latentwalk serve`: the browser explorer on this machine (a thin caller of `latentwalk.serve.create_app`)."""

from __future__ import annotations

import signal
import socket
from typing import Any

import click

from latentwalk.cli import app
from latentwalk.cli.common import device_option, progress_option
from latentwalk.errors import OutputError, note

DEFAULT_MODELS = ("digits-vae", "lines-vae", "tones-vae")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _listen(host: str, port: int) -> socket.socket:
    """The server's socket, bound before anything else runs: a port in use is one line, not a traceback."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutputError(f"Cannot listen on '{host}': {exc}; use an address of this machine (127.0.0.1).") from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)  # proto IPPROTO_TCP: asyncio then sets TCP_NODELAY (no 40 ms Nagle stalls)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise OutputError(f"Cannot listen on {host}:{port} ({exc.strerror}); choose another --port.") from None
    sock.listen(2048)
    return sock


def _stop(*_: Any) -> None:
    raise KeyboardInterrupt


@app.command()
@click.option("--model", "-m", "models", multiple=True,
              help=f"Model to serve (repeatable): a built-in name, checkpoint folder or .pt2 file. "
                   f"Default: {', '.join(DEFAULT_MODELS)}.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default keeps the server to this machine.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free one).")
@click.option("--upload-limit", type=click.FloatRange(0.001, 1024), default=10, show_default=True,
              help="Largest upload, in MB (10^6 bytes).")
@click.option("--frame-cache", type=click.IntRange(16, 1_000_000), default=4096, show_default=True,
              help="Decoded frames kept in memory (least recently used go first).")
@device_option
@progress_option
def serve(models: tuple[str, ...], host: str, port: int, upload_limit: float, frame_cache: int, device: str | None,
          quiet: bool) -> None:
    """Explore walks in the browser: pick items, move t, compare methods, export the walk."""
    import tempfile

    from latentwalk.errors import require

    require("fastapi", "serve")
    require("uvicorn", "serve")
    import uvicorn

    from latentwalk.api import load_model
    from latentwalk.models.builtin import BUILTINS, prepare_builtins
    from latentwalk.serve import create_app

    specs = list(dict.fromkeys(models or DEFAULT_MODELS))
    sock = _listen(host, port)  # before the models: a busy port fails at once
    try:
        prepare_builtins([s for s in specs if s in BUILTINS], progress=not quiet)  # first run: trains, two at a time
        loaded = [load_model(s, device=device, progress=not quiet) for s in specs]
        with tempfile.TemporaryDirectory(prefix="latentwalk-serve-") as tmp:
            web = create_app(loaded, round(upload_limit * 1e6), tmp, frame_cache=frame_cache)
            bound = sock.getsockname()
            shown = f"[{bound[0]}]" if ":" in bound[0] else bound[0]
            if host not in LOOPBACK:
                note(f"listening on {host}: anyone who can reach this machine can use the server.")
            names = ", ".join(web.state.session.names)
            click.echo(f"serving {names} at http://{shown}:{bound[1]}/ (Ctrl-C stops it)")
            config = uvicorn.Config(web, log_level="warning", access_log=False)
            previous = signal.signal(signal.SIGTERM, _stop)  # `kill` stops it as Ctrl-C does: the folder is removed
            try:
                uvicorn.Server(config).run(sockets=[sock])
            except KeyboardInterrupt:  # uvicorn shuts down first, then passes the signal on: the way to stop, not an error
                pass
            finally:
                signal.signal(signal.SIGTERM, previous)
            click.echo("stopped")
    finally:
        sock.close()
