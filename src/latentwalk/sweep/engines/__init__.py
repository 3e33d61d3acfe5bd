"""Where a sweep's shards run: `serial` (this process, one shard at a time), `local` (a process
per core, the default) or `ray` (a Ray cluster, or Ray started on this machine).

An engine gets each model once (`start`), runs tasks (`run`), hands every finished shard to the
driver as it finishes — the driver alone writes files — and stops its workers (`close`). Every
engine runs the same `run_shard` on one torch thread per worker, so their rows are the same bits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral
from typing import Any, Protocol

from latentwalk.config import Interval, check_params
from latentwalk.errors import InvalidParameterError
from latentwalk.models.model import Model
from latentwalk.registry import Registry
from latentwalk.sweep.shards import ShardTask
from latentwalk.sweep.work import ShardOutput, run_shard

Work = Callable[[ShardTask, Model], ShardOutput]
OnDone = Callable[[ShardOutput], None]
MAX_ATTEMPTS = 4  # a shard whose worker dies is run again, up to this many times in all
MAX_WORKERS = 4096


class Engine(Protocol):
    name: str

    def start(self, models: dict[str, Model]) -> None:
        """Ship each model (by its weights hash) to the workers once."""
        ...

    def run(self, tasks: Sequence[ShardTask], on_done: OnDone) -> None:
        """Run every task; call on_done (in this process) with each shard as it finishes."""
        ...

    def close(self) -> None: ...

    def describe(self) -> dict[str, Any]:
        """What the manifest records of the engine (name, workers, bytes sent per model)."""
        ...


ENGINES: Registry[Callable[..., Engine]] = Registry("sweep engine")


def make_engine(name: str, workers: int | None = None, address: str | None = None, work: Work = run_shard) -> Engine:
    """An engine by name, its options checked; nothing starts until `start`."""
    from latentwalk.registry import import_submodules

    import_submodules(__name__)
    factory = ENGINES.get(name)
    check_params({"workers": [Interval(Integral, 1, MAX_WORKERS), None]}, {"workers": workers}, "sweep")
    if address is not None and name != "ray":
        raise InvalidParameterError(f"--address names a Ray cluster; it goes with --engine ray, not '{name}'.")
    return factory(workers=workers, address=address, work=work)
