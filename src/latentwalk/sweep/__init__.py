"""Many walks: a spec of models x methods x schedules x pairs, run as shards on a local process pool
or a Ray cluster, written as Parquet rows and a summary table with 95 % intervals.

    spec = load_spec("examples/sweep-lines.toml")
    result = run_sweep(spec, "sweep-lines")            # or engine="ray", address="10.0.0.5:6379"
    print(result.summary)                              # the evaluate table

`latentwalk.evaluate` and `latentwalk evaluate` are a sweep of random pairs with this machinery.
"""

from latentwalk.sweep.run import SweepInterrupted, SweepResult, make_plan, run_sweep
from latentwalk.sweep.spec import GridPairs, ListPairs, RandomPairs, SweepSpec, load_spec, parse_spec
from latentwalk.sweep.summary import HEADLINE, SummaryTable, summarize

__all__ = ["HEADLINE", "GridPairs", "ListPairs", "RandomPairs", "SummaryTable", "SweepInterrupted", "SweepResult",
           "SweepSpec", "load_spec", "make_plan", "parse_spec", "run_sweep", "summarize"]
