"""A simulated day of a big center through the unchanged core: wall time and peak memory.

    python bench/day.py --agents 1000 --calls 500000 --json

The center: ``--skills`` services (50), each agent holding 3 of them at random; a 12-hour
day, agents in three staggered 8-hour shifts (starting at 0, 2 and 4 hours), so the
staffed agents go 1/3, 2/3, all, 2/3, 1/3 of the team. Arrivals per hour follow the
staffing so that agents are about ``--occupancy`` busy with calls (0.85; the 2 s rings come
on top), spread evenly over the services; the handle time follows from the calls asked for
(agent-seconds × occupancy / calls: 49 s, of which 46 s talk and 3 s wrap-up, for 1,000
agents and 500,000 calls).
Exponential talk times, 2 s to answer a ring, patience exponential with a 180 s mean.

Prints the wall time, the peak resident memory of the process (``getrusage`` maxrss,
including the interpreter), the core events handled, and the day's report.
``--profile N`` prints the N most expensive functions (cProfile, cumulative) instead.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from acd.simulate.report import report
from acd.simulate.run import Simulation
from acd.simulate.scenario import Load, Scenario, Shift, config_of

HOURS = 12
SHIFT_STARTS = (0, 2, 4)
SHIFT_HOURS = 8
WRAP_UP = 3.0


def day(agents: int, calls: int, skills: int, occupancy: float, seed: int) -> Scenario:
    rng = random.Random(seed)
    names = [f"s{i}" for i in range(skills)]
    people = {f"a{i}": tuple(rng.sample(names, min(3, skills))) for i in range(agents)}
    shifts = {
        a: (Shift(SHIFT_STARTS[i % 3] * 3600.0, (SHIFT_STARTS[i % 3] + SHIFT_HOURS) * 3600.0),)
        for i, a in enumerate(people)
    }
    staffed = [
        sum(1 for (s,) in shifts.values() if s.start <= h * 3600 < s.end) for h in range(HOURS)
    ]
    handle = sum(staffed) * 3600 * occupancy / calls
    talk = handle - WRAP_UP
    rates = [calls * n / sum(staffed) / len(names) for n in staffed]  # per hour, per service
    cfg = config_of({n: (20.0, 15.0, WRAP_UP) for n in names}, people)
    loads = tuple(Load(n, tuple(rates), talk, patience_seconds=180.0) for n in names)
    return Scenario(cfg, loads, HOURS, seed=seed, shifts=shifts, ring_delay_seconds=2.0)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--agents", type=int, default=1000)
    p.add_argument("--calls", type=int, default=500_000)
    p.add_argument("--skills", type=int, default=50)
    p.add_argument("--occupancy", type=float, default=0.85)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", type=int, default=0, metavar="N")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    scenario = day(args.agents, args.calls, args.skills, args.occupancy, args.seed)
    started = time.perf_counter()
    sim = Simulation(scenario)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(sim.run)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
        return 0
    sim.run()
    wall = time.perf_counter() - started
    figures = report(sim)
    figures.pop("services", None)
    result: dict[str, Any] = {
        "agents": args.agents,
        "calls_asked": args.calls,
        "wall_seconds": round(wall, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "core_events": sim.handled,
        "core_events_per_second": round(sim.handled / wall),
        "talk_seconds": round(scenario.loads[0].aht_seconds, 1),
        "report": figures,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{figures['offered']} calls, {args.agents} agents: {wall:.1f} s wall, "
            f"peak RSS {result['peak_rss_mb']} MB, {sim.handled} core events "
            f"({result['core_events_per_second']}/s); service level "
            f"{(figures['service_level'] or 0) * 100:.1f} %, ASA {figures['asa_seconds']:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
