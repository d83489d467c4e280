"""Run both benchmarks on two commits, alternately and back to back, and print the ratios.

    python bench/compare.py BASE [--rounds 3] [--day-calls 500000]
    python bench/compare.py BASE --instructions [--day-calls 20000]

BASE (any git revision) is checked out in a temporary worktree; each round runs
``bench/routing.py`` then ``bench/day.py`` on BASE and on the working tree, one after the
other, so both see the same machine load as nearly as possible. Printed: each run's p99 per
event and day wall time, then the medians' ratios (this tree / BASE; below 1 is faster).
A shared machine moves single figures by 20 % or more; only ratios within one run compare.
With ``--instructions`` each benchmark runs under valgrind's callgrind, which counts the
instructions executed: the same count whatever else the machine does, so one run gives a
steady ratio. Each is run twice per tree, small and large (routing: 500 and 1,500 timed
rounds; the day: a quarter and all of ``--day-calls``), and the difference is compared, so
that what both sizes share (interpreter start, imports, building the center) cancels out.
Callgrind runs about 50 times slower: use a smaller day.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
ROUTING = ["bench/routing.py", "--agents", "1000", "--waiting", "10000", "--skills", "50"]


def bench(tree: Path, args: list[str]) -> dict[str, float]:
    """One benchmark run in ``tree`` (its code first on the path), its JSON figures."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, *args, "--json"], cwd=tree, env=env, check=True,
                         capture_output=True, text=True, timeout=900).stdout  # fmt: skip
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def instructions(tree: Path, args: list[str]) -> int:
    """The instructions one benchmark run executes in ``tree`` (callgrind's total)."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    done = subprocess.run([*argv, *args], cwd=tree, env=env, check=True, capture_output=True,
                          text=True, timeout=7200)  # fmt: skip
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count from callgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base", help="the git revision to compare with")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--day-calls", type=int, default=500_000)
    p.add_argument("--instructions", action="store_true", help="count instructions instead")
    args = p.parse_args()
    day = ["bench/day.py", "--agents", "1000", "--calls", str(args.day_calls)]
    runs: dict[str, dict[str, list[float]]] = {"base": {}, "this": {}}
    with tempfile.TemporaryDirectory(prefix="bench-base-") as tmp:
        base = Path(tmp) / "tree"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base],
                       cwd=HERE, check=True, capture_output=True)  # fmt: skip
        try:
            if args.instructions:
                return _count(base, day, args.base)
            for i in range(args.rounds):
                for name, tree in (("base", base), ("this", HERE)):
                    p99 = bench(tree, ROUTING)["p99_us"]
                    wall = bench(tree, day)["wall_seconds"]
                    runs[name].setdefault("p99_us", []).append(p99)
                    runs[name].setdefault("wall_seconds", []).append(wall)
                    print(f"round {i + 1} {name}: routing p99 {p99:.1f} us, day {wall:.1f} s",
                          flush=True)  # fmt: skip
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=HERE,
                           check=False, capture_output=True)  # fmt: skip
    for figure in ("p99_us", "wall_seconds"):
        this, then = (statistics.median(runs[n][figure]) for n in ("this", "base"))
        print(f"{figure}: median {this:.2f} here, {then:.2f} at {args.base}: "
              f"ratio {this / then:.3f}")  # fmt: skip
    return 0


def _count(base: Path, day: list[str], name: str) -> int:
    calls = int(day[-1])
    sizes = {
        "routing (1,000 rounds)": ([*ROUTING, "--rounds", "500"], [*ROUTING, "--rounds", "1500"]),
        f"day ({calls - calls // 4:,} calls)": ([*day[:-1], str(calls // 4)], day),
    }
    for label, (small, large) in sizes.items():
        then = instructions(base, large) - instructions(base, small)
        this = instructions(HERE, large) - instructions(HERE, small)
        print(f"{label}: {this:,} instructions here, {then:,} at {name}: "
              f"ratio {this / then:.3f}", flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
