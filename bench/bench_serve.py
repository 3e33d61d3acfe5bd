"""Load test of `latentwalk serve`: N requests to /api/frame at concurrency C, on loopback only.

    python bench/bench_serve.py                                  # 10,000 requests, concurrency 32
    python bench/bench_serve.py --requests 2000 --concurrency 8 --models digits-vae

Starts `latentwalk serve --port 0` in a subprocess with the built-in image models (cached under
$LATENTWALK_CACHE; the first run trains them) and drives it with a small asyncio HTTP/1.1 client
(keep-alive connections, so the client's own cost stays small next to the server's). Phases:

1. baseline: GET /static/style.css, the server's floor (HTTP, routing, a bytes response);
2. cold: every frame of the warm set once (decoded in batches, then kept);
3. warm: N requests drawn from that set, all served from the frame cache: the p95 that matters;
4. churn: N requests over 4x the cache's size of distinct frames, so the cache stays full and
   evicts all the time: the server's memory must stay flat (RSS after each quarter is printed).

Reports p50 / p95 / p99 latency, errors, requests per second, the server's RSS during the churn
and its peak (VmHWM), and the warm p95 as a ratio of the baseline's measured in the same run.
Bounded in count (--requests) and time (--max-seconds per phase: what is left is not sent).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

IMAGE_MODELS = ("digits-ae", "digits-vae", "lines-ae", "lines-vae")
PAIRS = {"digits": [("digits:3", "digits:8"), ("digits:0", "digits:1"), ("digits:4", "digits:9")],
         "lines": [("lines:angle=0.3", "lines:angle=2.5"), ("lines:angle=1", "lines:angle=4"), ("lines:angle=5", "lines:angle=6")]}
METHODS = ("crossfade", "lerp", "slerp", "matched")
PNG = b"\x89PNG"


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    unsent: int = 0
    seconds: float = 0.0
    first_error: str = ""

    def line(self) -> str:
        lat = sorted(self.latencies)
        if not lat:
            return f"{self.name:>9}: no responses ({self.errors} errors: {self.first_error})"

        def q(p: float) -> float:
            return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000

        extra = f", {self.unsent} not sent (time bound)" if self.unsent else ""
        err = f" (first: {self.first_error})" if self.errors else ""
        return (f"{self.name:>9}: {len(lat):6d} requests  p50 {q(0.50):6.2f} ms  p95 {q(0.95):6.2f} ms  "
                f"p99 {q(0.99):6.2f} ms  {len(lat) / self.seconds:7.0f} req/s  {self.errors} errors{err}{extra}")

    def p95(self) -> float:
        lat = sorted(self.latencies)
        return lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else float("nan")


class Server:
    """`latentwalk serve` in a subprocess on a free loopback port; its memory read from /proc."""

    def __init__(self, models: list[str], frame_cache: int) -> None:
        cmd = [sys.executable, "-m", "latentwalk", "serve", "--port", "0", "--frame-cache", str(frame_cache), "-q"]
        for m in models:
            cmd += ["--model", m]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # "serving ... at http://127.0.0.1:PORT/ ..." once the models are loaded
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not found:
            self.proc.kill()
            raise SystemExit(f"the server did not start: {line.strip() or 'no output'}")
        self.port = int(found[1])
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def status(self, key: str) -> float:
        """A VmRSS / VmHWM line of /proc/PID/status, in MB."""
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        m = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
        return int(m[1]) / 1024 if m else float("nan")

    def _sample(self) -> None:
        while not self._stop.is_set() and self.proc.poll() is None:
            self.samples.append((time.perf_counter(), self.status("VmRSS")))
            time.sleep(0.05)

    def close(self) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


async def _fetch(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str) -> tuple[int, str, bytes]:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("content-type", ""), body


async def _worker(port: int, paths: Iterator[str], phase: Phase, deadline: float, expect: bytes) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for path in paths:
            if time.perf_counter() > deadline:
                phase.unsent += 1
                continue
            t0 = time.perf_counter()
            try:
                status, _, body = await _fetch(reader, writer, path)
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                phase.errors += 1
                phase.first_error = phase.first_error or f"{type(exc).__name__}: {exc}"
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            if status != 200 or not body.startswith(expect):
                phase.errors += 1
                phase.first_error = phase.first_error or f"HTTP {status}: {body[:120]!r}"
                continue
            phase.latencies.append(time.perf_counter() - t0)
    finally:
        writer.close()


async def _run(port: int, paths: list[str], concurrency: int, phase: Phase, max_seconds: float, expect: bytes) -> Phase:
    it = iter(paths)  # shared by the workers: each takes the next request when it is free
    t0 = time.perf_counter()
    await asyncio.gather(*(_worker(port, it, phase, t0 + max_seconds, expect) for _ in range(concurrency)))
    phase.seconds = time.perf_counter() - t0
    return phase


def run(port: int, name: str, paths: list[str], concurrency: int, max_seconds: float, expect: bytes = PNG) -> Phase:
    return asyncio.run(_run(port, paths, concurrency, Phase(name), max_seconds, expect))


def frame_paths(models: list[str], n_t: int, offset: int = 0) -> list[str]:
    """Distinct /api/frame requests: every model, pair and method at n_t values of t (1/1000 apart)."""
    out = []
    for m in models:
        pairs = PAIRS["digits" if m.startswith("digits") else "lines"]
        for a, b in pairs:
            for method in METHODS:
                for k in range(n_t):
                    t = ((offset + k) % 1001) / 1000
                    out.append(f"/api/frame?model={m}&from={a}&to={b}&method={method}&t={t:.3f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", "-n", type=int, default=10_000)
    ap.add_argument("--concurrency", "-c", type=int, default=32)
    ap.add_argument("--models", default=",".join(IMAGE_MODELS))
    ap.add_argument("--frame-cache", type=int, default=4096)
    ap.add_argument("--max-seconds", type=float, default=300, help="per phase; requests left then are not sent")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    per_set = len(models) * 3 * len(METHODS)  # distinct (model, pair, method)
    warm = frame_paths(models, max(1, min(1001, args.frame_cache // 2 // per_set)))  # half the cache
    churn_set = frame_paths(models, min(1001, 4 * args.frame_cache // per_set + 1), offset=500)
    rng = random.Random(0)

    print(f"bench_serve: {args.requests:,} requests at concurrency {args.concurrency} on loopback; models "
          f"{', '.join(models)}; frame cache {args.frame_cache:,}; cpus {os.cpu_count()}")
    server = Server(models, args.frame_cache)
    try:
        print(f"   server: pid {server.proc.pid}, port {server.port}, RSS {server.status('VmRSS'):.0f} MB after loading")
        base = run(server.port, "baseline", ["/static/style.css"] * max(100, args.requests // 4), args.concurrency,
                   args.max_seconds, b"/*")
        print(base.line() + "   (GET /static/style.css: the server's floor)")
        print(run(server.port, "cold", warm, args.concurrency, args.max_seconds).line()
              + f"   ({len(warm):,} distinct frames, decoded in batches)")
        hot = run(server.port, "warm", [rng.choice(warm) for _ in range(args.requests)], args.concurrency, args.max_seconds)
        print(hot.line() + "   (all from the frame cache)")
        start = len(server.samples)
        churn = run(server.port, "churn", [rng.choice(churn_set) for _ in range(args.requests)], args.concurrency,
                    args.max_seconds)
        print(churn.line() + f"   ({len(churn_set):,} distinct frames: the cache stays full and evicts)")
        rss = [r for _, r in server.samples[start:]]
        quarters = [statistics.mean(rss[i * len(rss) // 4 : (i + 1) * len(rss) // 4] or [float("nan")]) for i in range(4)]
        print(f"   memory: server RSS (mean) in each quarter of the churn {' / '.join(f'{q:.1f}' for q in quarters)} MB; "
              f"from the 2nd to the 4th quarter {quarters[3] - quarters[1]:+.1f} MB; peak (VmHWM) "
              f"{server.status('VmHWM'):.0f} MB")
        print(f"    ratio: warm frame p95 / baseline p95 = {hot.p95() / base.p95():.2f}")
    finally:
        server.close()


if __name__ == "__main__":
    main()
