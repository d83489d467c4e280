"""``centralino simulate``: run the core in a discrete-event simulation and print the report.

    centralino simulate --arrivals-per-hour 200 --aht 180 --agents 14 --target-seconds 20 \\
        --hours 8 --seed 1 [--patience 120] [--json]
    centralino simulate --config examples/modena.yaml --arrivals-per-hour 60 --hours 8

With ``--config`` the center's services, agents and their skills come from the file; the
arrivals are spread evenly over its services (``--agents`` and ``--target-seconds`` are
then ignored: the file says them). ``--arrivals-per-hour 60,120,90`` gives one rate per
``--interval-minutes``; ``--shifts 0-8,4-12`` deals the agents to shifts (hours);
``--miss-rate`` lets agents miss rings (the core's ring-no-answer rules then act).
Bad input: one line on stderr, exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from acd.config import ConfigError, load_config
from acd.simulate.scenario import Load, Scenario, Shift, single_queue_config


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("simulate", help="simulate a day of calls through the real core")
    p.add_argument(
        "--arrivals-per-hour",
        required=True,
        metavar="R",
        help="calls per hour; several comma-separated values: one per interval",
    )
    p.add_argument(
        "--interval-minutes",
        type=float,
        default=60.0,
        help="length of each rate interval (default 60)",
    )
    p.add_argument(
        "--aht", type=float, required=True, metavar="SECONDS", help="mean handle (talk) time"
    )
    p.add_argument("--handle", choices=["exponential", "lognormal"], default="exponential")
    p.add_argument(
        "--handle-cv",
        type=float,
        default=1.0,
        help="lognormal: standard deviation / mean (default 1)",
    )
    p.add_argument("--agents", type=int, default=None, metavar="N")
    p.add_argument("--target-seconds", type=float, default=20.0, metavar="T")
    p.add_argument("--hours", type=float, default=8.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--patience",
        type=float,
        default=None,
        metavar="SECONDS",
        help="mean caller patience (exponential); default: nobody abandons",
    )
    p.add_argument("--wrap-up", type=float, default=0.0, metavar="SECONDS")
    p.add_argument(
        "--ring-delay",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="seconds an agent takes to answer (default 0)",
    )
    p.add_argument(
        "--warmup-minutes",
        type=float,
        default=0.0,
        help="calls entering before this are not counted",
    )
    p.add_argument(
        "--shifts",
        default="",
        metavar="H-H,...",
        help="shifts in hours from the start, e.g. 0-8,4-12: the agents are dealt to them in "
        "turn (default: everybody all the time)",
    )
    p.add_argument(
        "--miss-rate",
        type=float,
        default=0.0,
        metavar="FRACTION",
        help="chance that an agent lets a ring go unanswered (default 0)",
    )
    p.add_argument("--short-abandon", type=float, default=5.0, metavar="SECONDS")
    p.add_argument("--config", default=None, help="a center's YAML (multi-service run)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        scenario = scenario_of(args)
    except ValueError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    # The core is imported here, not at start-up: other sub-commands never depend on it.
    from acd.simulate.report import report
    from acd.simulate.run import Simulation

    started = time.perf_counter()
    sim = Simulation(scenario).run()
    result = report(sim)
    result["ewt_source"] = sim.ewt_source
    result["seed"] = scenario.seed
    result["wall_seconds"] = round(time.perf_counter() - started, 3)
    print(json.dumps(result) if args.json else human(result))
    return 0


def scenario_of(args: argparse.Namespace) -> Scenario:
    rates = _rates(str(args.arrivals_per_hour))
    _positive("--aht", args.aht)
    _positive("--hours", args.hours)
    _positive("--interval-minutes", args.interval_minutes)
    if args.patience is not None:
        _positive("--patience", args.patience)
    if not 0 <= args.miss_rate < 1:
        raise ValueError(f"--miss-rate must be in [0, 1), got {args.miss_rate}")
    if args.handle_cv <= 0:
        raise ValueError(f"--handle-cv must be > 0, got {args.handle_cv}")
    for name in ("target_seconds", "wrap_up", "ring_delay", "warmup_minutes", "short_abandon"):
        if getattr(args, name) < 0:
            raise ValueError(f"--{name.replace('_', '-')} must be >= 0")
    if args.config:
        cfg = load_config(args.config)
    else:
        if args.agents is None or args.agents < 1:
            raise ValueError("--agents must be >= 1 (or give --config)")
        cfg = single_queue_config(args.agents, args.target_seconds, wrap_up_seconds=args.wrap_up)
    share = 1.0 / len(cfg.services)
    loads = tuple(
        Load(
            name,
            tuple(r * share for r in rates),
            args.aht,
            interval_seconds=args.interval_minutes * 60,
            handle=args.handle,
            handle_cv=args.handle_cv,
            patience_seconds=args.patience,
        )
        for name in cfg.services
    )
    shifts = _shifts(args.shifts)
    return Scenario(
        cfg,
        loads,
        args.hours,
        seed=args.seed,
        shifts={a.id: (shifts[i % len(shifts)],) for i, a in enumerate(cfg.agents)}
        if shifts
        else {},
        ring_delay_seconds=args.ring_delay,
        warmup_seconds=args.warmup_minutes * 60,
        short_abandon_seconds=args.short_abandon,
        miss_rate=args.miss_rate,
    )


def _rates(text: str) -> tuple[float, ...]:
    try:
        rates = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise ValueError(
            f"--arrivals-per-hour: not a number or list of numbers: {text!r}"
        ) from None
    if not rates or any(r < 0 for r in rates):
        raise ValueError("--arrivals-per-hour must be >= 0")
    return rates


def _shifts(text: str) -> list[Shift]:
    shifts = []
    for part in filter(None, text.split(",")):
        start, sep, end = part.partition("-")
        try:
            shift = Shift(float(start) * 3600, float(end) * 3600)
        except ValueError:
            raise ValueError(f"--shifts: expected START-END in hours, got {part!r}") from None
        if not sep or not 0 <= shift.start < shift.end:
            raise ValueError(f"--shifts: expected START-END in hours, got {part!r}")
        shifts.append(shift)
    return shifts


def _positive(flag: str, value: float) -> None:
    if not value > 0:
        raise ValueError(f"{flag} must be > 0, got {value}")


def human(r: dict[str, Any]) -> str:
    def pct(x: float | None) -> str:
        return "-" if x is None else f"{x * 100:.1f} %"

    def sec(x: float | None) -> str:
        return "-" if x is None else f"{x:.1f} s"

    return "\n".join(
        [
            f"offered            {r['offered']}",
            f"answered           {r['answered']}",
            f"abandoned          {r['abandoned']} (short, under {r['short_abandon_seconds']:g} s: "
            f"{r['short_abandons']})",
            f"service level      {pct(r['service_level'])} (answered only); "
            f"{pct(r['service_level_incl_abandons'])} counting abandons after the short threshold",
            f"ASA                {sec(r['asa_seconds'])}",
            f"abandon rate       {pct(r['abandon_rate'])}",
            f"occupancy          {pct(r['occupancy'])}",
            f"AHT                {sec(r['aht_seconds'])}",
            f"wait estimate MAE  {sec(r['ewt_mae_seconds'])} all answered, "
            f"{sec(r['ewt_mae_queued_seconds'])} the {r['ewt_queued_samples']} that queued "
            f"({r['ewt_source'] or 'no estimate'})",
            f"wall time          {r['wall_seconds']} s for {r['core_events']} core events",
        ]
    )
