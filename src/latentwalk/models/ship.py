"""Re-train built-in models by their recipes into the package's weights folder (for maintainers).

    python -m latentwalk.models.ship lines-acai digits-vae      # one process per name, one thread each
    python -m latentwalk.models.ship --list                      # what ships, its size and whether it is current

A name's folder is replaced only if latentwalk wrote it (latentwalk.files); the folder records the
recipe's fingerprint, the data's hash, seed, steps, final losses and training time. Commit the
folder. `tests/models/test_models_shipped.py` checks every shipped file against its hash and that
every recipe still trains.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import multiprocessing as mp
import sys

from latentwalk.models.builtin import BUILTINS, SHIPPED_DIR, shipped_path, ships_current, train_recipe

SIZE_BUDGET = 25 * 1024 * 1024  # bytes, all shipped weights together


def _ship(name: str) -> str:
    import torch

    torch.set_num_threads(1)
    train_recipe(name, shipped_path(name), progress=False, force=False,
                 manifest={"invocation": {"command": "ship", "params": {"name": name}}})
    return name


def shipped_bytes() -> int:
    return sum(p.stat().st_size for p in SHIPPED_DIR.rglob("*") if p.is_file()) if SHIPPED_DIR.exists() else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m latentwalk.models.ship", description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    if args.list or not args.names:
        for name in BUILTINS.names():
            folder = shipped_path(name)
            size = sum(p.stat().st_size for p in folder.glob("*")) if folder.exists() else 0
            state = "current" if ships_current(name) else ("stale" if folder.exists() else "not shipped")
            print(f"{name:<16} {state:<12} {size / 1e6:6.2f} MB")
        print(f"{'total':<16} {'':<12} {shipped_bytes() / 1e6:6.2f} MB (budget {SIZE_BUDGET / 1e6:.1f} MB)")
        return 0
    for n in args.names:
        BUILTINS.get(n)
    with cf.ProcessPoolExecutor(max_workers=args.workers, mp_context=mp.get_context("spawn")) as pool:
        for done in pool.map(_ship, args.names):
            print(f"shipped {done}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
