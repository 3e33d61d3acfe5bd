"""Exact and resumable: the same rows, bit for bit, from one shard at a time, a process pool and Ray;
a sweep killed mid-way continues without losing or repeating a row; a dead worker's shard runs again."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from sweep_tiny import die_once, same_rows, small_spec, write_spec  # type: ignore[import-not-found]

from latentwalk.cli import app
from latentwalk.sweep import load_spec, run_sweep
from latentwalk.sweep.work import run_shard


@pytest.fixture(scope="module")
def spec_file(lines_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_spec(tmp_path_factory.mktemp("spec"), small_spec(lines_models))


@pytest.fixture(scope="module")
def reference(spec_file: Path) -> Any:
    """The rows made one shard at a time, in this process."""
    return run_sweep(load_spec(spec_file), engine="serial", progress=False).rows


def test_rows_are_unique_and_carry_seed_and_model_hash(reference: Any) -> None:
    keys = list(zip(*(reference.column(c).to_pylist() for c in ("model", "schedule", "pair", "method")), strict=True))
    assert len(keys) == len(set(keys)) == 2 * 3 * 6
    assert set(reference.column("seed").to_pylist()) == {3}
    assert all(len(h) == 64 for h in reference.column("model_sha256").to_pylist())


def test_the_pool_and_ray_make_the_same_bits(spec_file: Path, reference: Any, ray_cluster: Any, tmp_path: Path) -> None:
    spec = load_spec(spec_file)
    pool = run_sweep(spec, tmp_path / "pool", engine="local", workers=2, progress=False)
    ray = run_sweep(spec, tmp_path / "ray", engine="ray", progress=False)
    assert same_rows(pool.rows, reference) and same_rows(ray.rows, reference)
    assert same_rows(pq.read_table(tmp_path / "ray" / "rows.parquet"), reference)
    assert ray.engine["object_store_bytes"] and pool.counts["computed"] == ray.counts["computed"] == 6


def test_shard_size_changes_no_row(spec_file: Path, reference: Any, lines_models: Path, tmp_path: Path) -> None:
    one_each = load_spec(write_spec(tmp_path, small_spec(lines_models, shard_size=1)))
    rows = run_sweep(one_each, engine="serial", progress=False).rows
    keep = [c for c in reference.column_names if c != "shard"]
    assert same_rows(rows.select(keep), reference.select(keep))


def test_a_sweep_killed_mid_way_continues_without_losing_or_repeating_a_row(lines_models: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, small_spec(lines_models, pairs="random = 40", shard_size=1, steps=8))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "latentwalk", "sweep", str(spec), "--out", str(out), "--engine", "serial", "-q"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shards = out / "shards"
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        if shards.is_dir() and len(list(shards.glob("[0-9a-f]*.parquet"))) >= 3:
            proc.kill()  # SIGKILL: no clean-up of any kind
            break
        time.sleep(0.005)
    proc.wait()
    kept = len(list(shards.glob("[0-9a-f]*.parquet")))
    assert 3 <= kept < 80 and not (out / "rows.parquet").exists()
    code = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(out), "--engine", "local", "--workers", "2", "-q"])
    assert code.exit_code == 0, code.stderr
    assert f"{kept} of 80 shards were there already" in code.stdout
    rows = pq.read_table(out / "rows.parquet")
    fresh = run_sweep(load_spec(spec), engine="serial", progress=False).rows
    assert same_rows(rows, fresh)  # nothing lost, nothing twice, every bit the same


def test_ctrl_c_keeps_finished_shards_and_says_how_to_continue(spec_file: Path, reference: Any, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import latentwalk.sweep

    calls: list[int] = []

    def interrupted_third(task: Any, model: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return run_shard(task, model)

    monkeypatch.setattr(latentwalk.sweep, "run_sweep", functools.partial(run_sweep, work=interrupted_third))
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["sweep", str(spec_file), "--out", str(out), "--engine", "serial", "-q"])
    assert r.exit_code == 130 and "2 of 6 shards are kept" in r.stderr and "run the same command again" in r.stderr
    monkeypatch.undo()
    result = run_sweep(load_spec(spec_file), out, engine="serial", progress=False)
    assert result.counts["reused"] == 2 and same_rows(result.rows, reference)


def test_a_killed_pool_worker_is_replaced_and_its_shard_retried(spec_file: Path, reference: Any, tmp_path: Path) -> None:
    marker = tmp_path / "died"
    result = run_sweep(load_spec(spec_file), engine="local", workers=2, progress=False,
                       work=functools.partial(die_once, str(marker)))
    assert marker.exists() and result.engine["pool_restarts"] == 1
    assert same_rows(result.rows, reference)


def test_a_killed_ray_worker_is_retried(spec_file: Path, reference: Any, ray_cluster: Any, tmp_path: Path) -> None:
    marker = str(tmp_path / "died")

    driver = os.getpid()

    def die_once_on_ray(task: Any, model: Any) -> Any:  # a closure: Ray ships it by value (no test module)
        if not os.path.exists(marker):
            Path(marker).write_text(str(os.getpid()))
            if os.getpid() == driver:  # never take the test run down
                raise RuntimeError("the shard ran in the test process itself, not in a Ray worker")
            os._exit(1)
        return run_shard(task, model)

    result = run_sweep(load_spec(spec_file), tmp_path / "out", engine="ray", progress=False, work=die_once_on_ray)
    assert Path(marker).exists() and same_rows(result.rows, reference)


def test_ctrl_c_stops_the_ray_work(spec_file: Path, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the driver) mid-way keeps the finished shards and Ray stays usable. Run as a
    program in a session of its own (tests/sweep/ray_ctrl_c_case.py), so no signal can reach the tests."""
    pytest.importorskip("ray")
    script = Path(__file__).with_name("ray_ctrl_c_case.py")
    p = subprocess.run([sys.executable, str(script), str(spec_file), str(tmp_path / "out")], check=False, capture_output=True,
                       text=True, timeout=300, start_new_session=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert p.returncode == 0, p.stderr[-2000:]
    seen = json.loads(p.stdout.strip().splitlines()[-1])
    assert seen["interrupted"] and 0 < seen["done"] < seen["total"] == 6
    assert seen["kept"] == seen["done"] and seen["reused"] == seen["kept"] and seen["rows"] == 36
