"""The Ray Ctrl-C case, run as its own program in its own session (tests/sweep/test_sweep_engines.py).

Ctrl-C is a SIGINT to the driver; Ray's processes and their clean-up live beside it. Run inside the
test process, that once took the whole test run down after the test had passed; in a child of its
own session, whatever Ray does with signals stays there. Prints one JSON line with what it saw.

    python ray_ctrl_c_case.py SPEC_FILE OUT_DIR
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any


def main(spec_file: str, out: str) -> None:
    import ray

    from latentwalk.sweep import SweepInterrupted, load_spec, run_sweep
    from latentwalk.sweep.work import run_shard

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    shards = Path(out) / "shards"

    def slow(task: Any, model: Any) -> Any:
        time.sleep(1.0)
        return run_shard(task, model)

    def ctrl_c_after_the_first_shard() -> None:
        deadline = time.monotonic() + 60
        while not list(shards.glob("[0-9a-f]*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C does to the driver

    presser = threading.Thread(target=ctrl_c_after_the_first_shard)
    presser.start()
    seen: dict[str, Any] = {}
    try:
        run_sweep(load_spec(spec_file), out, engine="ray", progress=False, work=slow)
        seen["interrupted"] = False
    except SweepInterrupted as exc:
        seen.update(interrupted=True, done=exc.done, total=exc.total)
    presser.join()
    seen["kept"] = len(list(shards.glob("[0-9a-f]*.parquet")))
    again = run_sweep(load_spec(spec_file), out, engine="ray", progress=False)  # Ray is usable still
    seen.update(reused=again.counts["reused"], rows=again.rows.num_rows)
    ray.shutdown()
    print(json.dumps(seen))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
