"""`ray`: shards as Ray tasks, on a cluster (`--address`) or on Ray started on this machine.

Each model is put in the object store once (`ray.put`) and reaches a worker process by reference:
the task carries the reference inside a list, so Ray does not fetch it for every task, and the
worker rebuilds a model once (checkpoint bytes, `transport`) and keeps it (by weights hash). A task holds one shard (32 pairs by
default, about a third of a second for a lines model), so Ray's few milliseconds per task stay
under 1 % of the work. A worker that dies is retried by Ray (`max_retries`); an error in the work
itself (bad data) is not retried but reported. Ctrl-C cancels every task in flight.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from latentwalk.errors import InvalidParameterError, LatentwalkError, WorkerError, require
from latentwalk.models.model import Model
from latentwalk.sweep.engines import ENGINES, MAX_ATTEMPTS, OnDone, Work
from latentwalk.sweep.shards import ShardTask
from latentwalk.sweep.transport import pack, unpack

CONNECT_TIMEOUT = 5.0  # seconds; ray.init itself waits minutes for an address that does not answer
_MODELS: dict[str, Any] = {}  # in each Ray worker: models already rebuilt, by weights hash


def _ray() -> Any:
    return require("ray", "ray")


def check_reachable(address: str) -> None:
    """Fail in seconds, with one line, when nothing answers at HOST:PORT (or ray://HOST:PORT)."""
    if address == "auto":
        return
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidParameterError(f"--address must be HOST:PORT (e.g. 10.0.0.5:6379), ray://HOST:PORT or auto; "
                                    f"got '{address}'.")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise InvalidParameterError(f"Cannot reach a Ray cluster at '{address}' ({exc.strerror or exc}); start one there "
                                    "with `ray start --head`, or leave out --address to run Ray on this machine.") from None


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ray's own processes (GCS, raylet) start in our process group and inherit an ignored SIGINT:
    Ctrl-C, which a terminal sends to the whole group, then reaches only the driver, which cancels
    the work and stops Ray in order (instead of Ray's processes dying under it)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


def _model(sha: str, ref: Any) -> Model:
    """The model in this worker: rebuilt from the object store the first time, then kept."""
    import torch

    torch.set_num_threads(1)
    if sha not in _MODELS:
        from latentwalk.sweep.work import prepare

        _MODELS[sha] = unpack(_ray().get(ref))
        prepare([_MODELS[sha]])
    return _MODELS[sha]


def _ray_warm(boxes: dict[str, list[Any]]) -> None:
    for sha, box in boxes.items():
        _model(sha, box[0])


def _ray_task(model_box: list[Any], task: ShardTask, work: Work) -> Any:
    return work(task, _model(task.model_sha256, model_box[0]))


class RayEngine:
    """Ray tasks; Ray is started here (and stopped at the end) unless it is running already."""

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None, work: Work | None = None) -> None:
        from latentwalk.sweep.work import run_shard

        self.workers, self.address, self.work = workers, address, work or run_shard
        self.owner = False
        self.refs: dict[str, Any] = {}
        self.sent: dict[str, int] = {}  # bytes put in the object store, per model
        self.remote: Any = None

    def _init(self) -> None:
        ray = _ray()
        if self.address is not None:
            check_reachable(self.address)
        local = {"num_cpus": self.workers} if self.address is None else {}
        try:
            with _sigint_ignored():
                ray.init(address=self.address, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.ERROR, **local)
        except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
            where = f"at '{self.address}'" if self.address else "on this machine"
            raise InvalidParameterError(f"Cannot start or join Ray {where}: {str(exc).splitlines()[0]}") from None
        self.owner = True

    def start(self, models: dict[str, Model]) -> None:
        ray = _ray()
        if not ray.is_initialized():
            self._init()
        for sha, model in models.items():
            blob = pack(model)
            self.sent[sha] = len(blob)
            self.refs[sha] = ray.put(blob)
        self.remote = ray.remote(num_cpus=1, max_retries=MAX_ATTEMPTS - 1)(_ray_task)
        # One warm-up task per CPU, all at once, so each worker process imports torch and loads the
        # models before the timed work (Ray starts its workers at ray.init, without latentwalk).
        warm = ray.remote(num_cpus=1)(_ray_warm)
        boxes = {sha: [ref] for sha, ref in self.refs.items()}
        try:
            ray.get([warm.remote(boxes) for _ in range(self._cpus())])
        except ray.exceptions.RayError as exc:
            raise WorkerError(f"Ray's workers could not load the models: {str(exc).strip().splitlines()[-1]}") from None

    def _cpus(self) -> int:
        return max(self.workers or int(_ray().cluster_resources().get("CPU", 1)), 1)

    def _window(self) -> int:
        return 2 * self._cpus()

    def _get(self, ref: Any, task: ShardTask) -> Any:
        ray = _ray()
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as exc:  # the work itself failed: the same every time, not retried
            cause = getattr(exc, "cause", None)
            if isinstance(cause, LatentwalkError):
                raise cause from None
            raise
        except ray.exceptions.RayError as exc:  # the worker or its node died, more often than retried
            raise WorkerError(f"Shard {task.key[:12]} ({task.model}, pairs {task.pairs[0].index}-{task.pairs[-1].index}) "
                              f"failed {MAX_ATTEMPTS} times: {type(exc).__name__} (out of memory, or a node lost?).") from None

    def run(self, tasks: Sequence[ShardTask], on_done: OnDone) -> None:
        ray = _ray()
        queue, pending = deque(tasks), dict[Any, ShardTask]()
        window = self._window()
        try:
            while queue or pending:
                while queue and len(pending) < window:  # a bounded queue: Ctrl-C has little to cancel
                    task = queue.popleft()
                    pending[self.remote.remote([self.refs[task.model_sha256]], task, self.work)] = task
                ready, _ = ray.wait(list(pending), num_returns=1)
                for ref in ready:
                    on_done(self._get(ref, pending.pop(ref)))
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise

    def close(self) -> None:
        self.refs.clear()
        if self.owner:
            _ray().shutdown()
            self.owner = False

    def describe(self) -> dict[str, Any]:
        return {"engine": self.name, "workers": self.workers, "address": self.address, "object_store_bytes": self.sent}


ENGINES.add("ray", RayEngine)
