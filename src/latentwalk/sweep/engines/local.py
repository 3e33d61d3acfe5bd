"""`serial` (this process, one shard after another) and `local` (a pool of processes, one per core).

The pool uses the `spawn` context, so workers start clear of the parent's threads; each worker
receives the models once, when it starts (as checkpoint bytes, `transport`), sets torch to one thread
and ignores SIGINT — on Ctrl-C the driver stops it. A worker that dies (killed, out of memory)
breaks the pool: a new pool takes over and the shards that were in flight run again.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
import signal
import threading
from collections import Counter, deque
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from latentwalk.errors import InvalidParameterError, WorkerError
from latentwalk.models.model import Model
from latentwalk.sweep.engines import ENGINES, MAX_ATTEMPTS, OnDone, Work
from latentwalk.sweep.shards import ShardTask
from latentwalk.sweep.transport import pack, unpack
from latentwalk.sweep.work import one_thread, prepare

_WORKER: dict[str, Any] = {}  # in each pool worker: its models, the work function, the start barrier
WARM_TIMEOUT = 600.0  # seconds for every worker to start (import torch, rebuild the models)


class SerialEngine:
    """One shard at a time in this process: the reference the other engines match bit for bit."""

    name = "serial"

    def __init__(self, workers: int | None = None, address: str | None = None, work: Work | None = None) -> None:
        if workers not in (None, 1):
            raise InvalidParameterError(f"The serial engine runs one shard at a time; --workers {workers} needs --engine local.")
        from latentwalk.sweep.work import run_shard

        self.work = work or run_shard
        self.models: dict[str, Model] = {}

    def start(self, models: dict[str, Model]) -> None:
        self.models = models
        prepare(models.values())

    def run(self, tasks: Sequence[ShardTask], on_done: OnDone) -> None:
        with one_thread():
            for task in tasks:
                on_done(self.work(task, self.models[task.model_sha256]))

    def close(self) -> None:
        self.models = {}

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "workers": 1}


def _init_worker(packed: dict[str, bytes], work: Work, ready: Any) -> None:
    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the driver stops us
    torch.set_num_threads(1)
    models = {sha: unpack(blob) for sha, blob in packed.items()}
    prepare(models.values())
    _WORKER.update(models=models, work=work, ready=ready)


def _warm() -> None:
    """Return once every worker of the pool is running one of these: each is started and warm."""
    _WORKER["ready"].wait(WARM_TIMEOUT)


def _run_in_worker(task: ShardTask) -> Any:
    return _WORKER["work"](task, _WORKER["models"][task.model_sha256])


def _stop(pool: cf.ProcessPoolExecutor) -> None:
    """Stop at once: queued work cancelled, running workers terminated."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        p.terminate()
    for p in processes:
        p.join(5)


class PoolEngine:
    """A process per worker (default: one per core) on this machine."""

    name = "local"

    def __init__(self, workers: int | None = None, address: str | None = None, work: Work | None = None) -> None:
        from latentwalk.sweep.work import run_shard

        self.workers = workers or os.cpu_count() or 1
        self.work = work or run_shard
        self.packed: dict[str, bytes] = {}
        self.restarts = 0
        self.pool: cf.ProcessPoolExecutor | None = None

    def start(self, models: dict[str, Model]) -> None:
        self.packed = {sha: pack(m) for sha, m in models.items()}
        self.pool = self._pool()

    def _pool(self) -> cf.ProcessPoolExecutor:
        """A pool whose workers have all started and loaded the models (so start-up is timed apart)."""
        ctx = mp.get_context("spawn")
        pool = cf.ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_init_worker,
                                      initargs=(self.packed, self.work, ctx.Barrier(self.workers)))
        try:
            for f in [pool.submit(_warm) for _ in range(self.workers)]:
                f.result()
        except BaseException as exc:
            _stop(pool)
            if isinstance(exc, BrokenProcessPool | threading.BrokenBarrierError):
                raise WorkerError(f"The {self.workers} worker processes could not start ({exc}); try fewer --workers.") from None
            raise
        return pool

    def _retry(self, lost: list[ShardTask], attempts: Counter[str]) -> None:
        for task in lost:
            attempts[task.key] += 1
            if attempts[task.key] >= MAX_ATTEMPTS:
                raise WorkerError(f"Shard {task.key[:12]} ({task.model}, pairs {task.pairs[0].index}-{task.pairs[-1].index}) "
                                  f"was tried {MAX_ATTEMPTS} times and its worker died each time (out of memory?); "
                                  "try fewer --workers or a smaller shard_size.")
        self.restarts += 1

    def _submit(self, pool: cf.ProcessPoolExecutor, queue: deque[ShardTask], inflight: dict[cf.Future[Any], ShardTask]) -> bool:
        """Keep a short queue in flight (a dead worker loses little); False when the pool is broken."""
        while queue and len(inflight) < 2 * self.workers:
            task = queue.popleft()
            try:
                inflight[pool.submit(_run_in_worker, task)] = task
            except BrokenProcessPool:
                queue.appendleft(task)
                return False
        return True

    @staticmethod
    def _collect(done: set[cf.Future[Any]], inflight: dict[cf.Future[Any], ShardTask], on_done: OnDone) -> bool:
        """Hand finished shards on; False when a worker died (its shards stay in `inflight`)."""
        ok = True
        for f in done:
            try:
                out = f.result()
            except BrokenProcessPool:
                ok = False
                continue
            del inflight[f]
            on_done(out)
        return ok

    def run(self, tasks: Sequence[ShardTask], on_done: OnDone) -> None:
        queue, attempts = deque(tasks), Counter[str]()
        inflight: dict[cf.Future[Any], ShardTask] = {}
        pool, self.pool = self.pool or self._pool(), None
        try:
            while queue or inflight:
                ok = self._submit(pool, queue, inflight)
                if ok:
                    done, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED)
                    ok = self._collect(done, inflight, on_done)
                if not ok:  # every shard in flight was on a pool that is gone: a new pool runs them again
                    lost = list(inflight.values())
                    inflight.clear()
                    _stop(pool)
                    self._retry(lost, attempts)
                    queue.extendleft(reversed(lost))
                    pool = self._pool()
        except BaseException:
            _stop(pool)
            raise
        pool.shutdown(wait=True)

    def close(self) -> None:
        if self.pool is not None:  # started, never run
            _stop(self.pool)
            self.pool = None

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "workers": self.workers, "pool_restarts": self.restarts,
                "bytes_per_worker": {sha: len(b) for sha, b in self.packed.items()}}


ENGINES.add("serial", SerialEngine)
ENGINES.add("local", PoolEngine)
