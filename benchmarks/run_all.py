"""Run every benchmark and print one markdown table (``make bench``).

    .venv/bin/python benchmarks/run_all.py                      # print the table
    .venv/bin/python benchmarks/run_all.py --write benchmarks/RESULTS.md

Each benchmark asserts that its values match the reference before it reports a time. Times are
medians of ``--repeats`` runs, wall clock, on all cores of this machine.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_metrics  # noqa: E402
import bench_mih  # noqa: E402
import bench_search  # noqa: E402


def _fmt(value: float, digits: int) -> str:
    return "" if isinstance(value, float) and math.isnan(value) else f"{value:.{digits}f}"


def table(rows: list[dict]) -> str:
    lines = [
        "| benchmark | method | time (s) | per query (ms) | speedup | check |",
        "|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        speed = "" if math.isnan(row["speedup"]) else f"{row['speedup']:.1f}x"
        lines.append(
            f"| {row['benchmark']} | {row['method']} | {_fmt(row['time_s'], 3)} | "
            f"{_fmt(row['per_query_ms'], 4)} | {speed} | {row['check']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="hashlib_edu benchmarks")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--standard-queries", type=int, default=200)
    parser.add_argument("--write", type=Path, help="also write the table (markdown) here")
    args = parser.parse_args()

    import numba

    start = time.perf_counter()
    rows = bench_metrics.run(args.standard_queries, args.repeats)
    rows += bench_search.run(args.repeats)
    rows += bench_mih.run(args.repeats)
    elapsed = time.perf_counter() - start
    load = os.getloadavg()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    header = (
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores "
        f"(numba threads: {numba.get_num_threads()}), Python {platform.python_version()}, "
        f"numba {numba.__version__}. Median of {args.repeats} runs, wall clock. "
        f"Peak RSS of the benchmark process: {peak:.0f} MiB (the hashlib_edu mAP rows were "
        f"measured in a fresh child process: see their check column). Total {elapsed:.0f} s. "
        f"Load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min): "
        f"other processes shared the cores, so absolute times are inflated; ratios compare "
        f"methods measured in the same run."
    )
    text = f"{header}\n\n{table(rows)}\n"
    print(text)
    if args.write:
        command = "`.venv/bin/python benchmarks/run_all.py --write benchmarks/RESULTS.md`"
        args.write.write_text(f"# Benchmark results\n\nCommand: {command}\n\n{text}")


if __name__ == "__main__":
    main()
