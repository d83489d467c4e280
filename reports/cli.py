"""``centralino erlang``: Erlang C staffing from the command line.

    centralino erlang --arrivals-per-hour 200 --aht 180 --target-seconds 20 \\
        --service-level 0.8 [--agents 14] [--shrinkage 0.3] [--json]

Prints ``agents_needed`` (the fewest agents reaching the target service level) and, for
``--agents`` or else for ``agents_needed``, ``p_wait``, ``service_level``, ``asa_seconds``
and ``occupancy``. Bad input: one clear line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from reports import erlang


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "erlang", help="Erlang C staffing: agents needed, P(wait), service level, ASA"
    )
    parser.add_argument("--arrivals-per-hour", type=float, required=True, metavar="R")
    parser.add_argument(
        "--aht",
        type=float,
        required=True,
        metavar="SECONDS",
        help="average handle time (talk + hold + wrap-up)",
    )
    parser.add_argument(
        "--target-seconds",
        type=float,
        default=20.0,
        metavar="T",
        help="service level threshold (default 20)",
    )
    parser.add_argument(
        "--service-level",
        type=float,
        default=0.8,
        metavar="FRACTION",
        help="target share answered within T (default 0.8)",
    )
    parser.add_argument("--agents", type=int, metavar="N", help="figures for N agents")
    parser.add_argument(
        "--shrinkage",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="share of paid time off the phones, for scheduled_people",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        result = compute(
            args.arrivals_per_hour,
            args.aht,
            args.target_seconds,
            args.service_level,
            args.agents,
            args.shrinkage,
        )
    except ValueError as exc:
        print(f"erlang: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else human(result))
    return 0


def compute(
    arrivals_per_hour: float,
    aht: float,
    target_seconds: float,
    target_sl: float,
    agents: int | None = None,
    shrinkage: float = 0.0,
) -> dict[str, Any]:
    load = erlang.traffic(arrivals_per_hour, aht)
    needed = erlang.agents_needed(load, aht, target_seconds, target_sl)
    n = needed if agents is None else agents
    fig = erlang.staffing(n, load, aht, target_seconds)
    return {
        "traffic_erlangs": round(load, 6),
        "agents_needed": needed,
        "scheduled_people": erlang.scheduled_with_shrinkage(needed, shrinkage),
        "agents": n,
        "stable": fig.stable,
        "p_wait": fig.p_wait,
        "service_level": fig.service_level,
        "asa_seconds": fig.asa_seconds if math.isfinite(fig.asa_seconds) else None,
        "occupancy": fig.occupancy,
    }


def human(r: dict[str, Any]) -> str:
    asa = (
        "infinite (the queue grows without end)"
        if r["asa_seconds"] is None
        else (f"{r['asa_seconds']:.1f} s")
    )
    return "\n".join(
        [
            f"traffic           {r['traffic_erlangs']:.2f} Erlangs",
            f"agents needed     {r['agents_needed']} (scheduled people: {r['scheduled_people']})",
            f"with {r['agents']} agents:",
            f"  P(wait)         {r['p_wait']:.4f}",
            f"  service level   {r['service_level'] * 100:.1f} %",
            f"  ASA             {asa}",
            f"  occupancy       {r['occupancy'] * 100:.1f} %",
        ]
    )
