"""``centralino report services|agents|ivr|staffing|callbacks``: historical reports from the
database.

    centralino report services [CONFIG] --from 2025-10-01 --to 2025-10-31 \\
        [--service urp] [--interval 15min|hour|day|week|month] [--csv FILE]
    centralino report agents [CONFIG] --from DATE --to DATE [--agent ID] [--interval ...]
    centralino report ivr [CONFIG] --from DATE --to DATE
    centralino report staffing [CONFIG] --from DATE --to DATE [--service urp] \\
        [--interval 15min|hour] [--csv FILE]
    centralino report kiosks [CONFIG] --from DATE --to DATE     (contacts by district totem)
    centralino report callbacks [CONFIG] --from DATE --to DATE [--service urp] [--csv FILE]

Dates are days in the center's time zone, both included. Without ``--csv`` a table goes to
standard output; with it, the CSV for an Italian spreadsheet (``reports.export``) goes to
FILE (``-``: standard output). What each figure means: docs/reports.md.

Exit status: 0 done; 2 bad input (one line on stderr: an unknown service or agent, a date
that is none, a range the wrong way round or too long for its interval); 1 the database
could not be used, or FILE could not be written.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from acd.config import load_config
from acd.reporting import WHOLE_PERIOD, Kind, Report, make_report, report_csv, report_request
from acd.samples import CONFIG_HELP, config_or_default
from acd.store.command import run_with_store
from acd.store.errors import StoreError
from acd.store.reports import ReportStore
from reports.agent_time import AgentFigures
from reports.callbacks import FAILED_OUTCOMES, RESULTS
from reports.history import ServiceFigures
from reports.kiosks import kiosk_figures
from reports.periods import BadRequest, Interval, period


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report", help="historical reports: services, agents, IVR, staffing, callbacks"
    )
    kinds = parser.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    helps = {Kind.SERVICES: "calls by service and interval: offered, answered, service level",
             Kind.AGENTS: "agents' time by interval: logged in, ready, paused, talking",
             Kind.IVR: "IVR sessions: self-service, where callers left, languages",
             Kind.CALLBACKS: "callbacks by service: requested, completed, failed by cause, "
                             "attempts, time to completion, kept place or waited on the line",
             }  # fmt: skip
    for kind, text in helps.items():
        p = kinds.add_parser(kind.value, help=text)
        p.add_argument("config", nargs="?", help=CONFIG_HELP)
        p.add_argument("--from", dest="first", required=True, metavar="DATE",
                       help="first day, YYYY-MM-DD (the center's time zone)")  # fmt: skip
        p.add_argument("--to", dest="last", required=True, metavar="DATE",
                       help="last day, YYYY-MM-DD (included)")  # fmt: skip
        if kind not in WHOLE_PERIOD:
            p.add_argument("--interval", default=Interval.DAY.value,
                           help="15min, hour, day (the default), week or month")  # fmt: skip
        if kind in (Kind.SERVICES, Kind.CALLBACKS):
            p.add_argument("--service", help="one service (default: every one)")
        if kind is Kind.AGENTS:
            p.add_argument("--agent", help="one agent (default: every one)")
        p.add_argument("--csv", metavar="FILE", help="write CSV for a spreadsheet (-: stdout)")
        p.add_argument("--data-dir", default=os.environ.get("CENTRALINO_DATA_DIR", "var"))
        p.set_defaults(func=run)
    _register_staffing(kinds)
    _register_kiosks(kinds)


def _register_kiosks(kinds: Any) -> None:
    p = kinds.add_parser("kiosks", help="contacts by district totem: calls, answered, "
                         "abandoned, average wait, talk time")  # fmt: skip
    p.add_argument("config", nargs="?", help=CONFIG_HELP)
    p.add_argument("--from", dest="first", required=True, metavar="DATE",
                   help="first day, YYYY-MM-DD (the center's time zone)")  # fmt: skip
    p.add_argument("--to", dest="last", required=True, metavar="DATE",
                   help="last day, YYYY-MM-DD (included)")  # fmt: skip
    p.add_argument("--data-dir", default=os.environ.get("CENTRALINO_DATA_DIR", "var"))
    p.set_defaults(func=run_kiosks)


KIOSK_COLUMNS = ("kiosk", "place", "contacts", "answered", "abandoned", "avg wait", "talk")


def run_kiosks(args: argparse.Namespace) -> int:
    cfg = load_config(config_or_default(args.config))
    try:
        asked = period(args.first, args.last, ZoneInfo(cfg.center.timezone), Interval.MONTH)
    except BadRequest as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    try:
        found = run_with_store(
            Path(args.data_dir),
            lambda s: ReportStore(s.pool).kiosk_contacts(asked.start, asked.end),
        )
    except StoreError as exc:
        print(f"report: database: {exc}", file=sys.stderr)
        return 1
    places = {k.id: k.place for k in cfg.kiosks.totems}
    rows = [[f.kiosk_id, f.place, str(f.contacts), str(f.answered), str(f.abandoned),
             _sec(f.average_wait), _clock(f.talk_seconds)]
            for f in kiosk_figures(found, places)]  # fmt: skip
    print(_aligned(KIOSK_COLUMNS, rows))
    return 0


def _register_staffing(kinds: Any) -> None:
    p = kinds.add_parser("staffing", help="staffing advice: Erlang C's agents on the forecast "
                         "load against the agents staffed and the service level")  # fmt: skip
    p.add_argument("config", nargs="?", help=CONFIG_HELP)
    p.add_argument("--from", dest="first", required=True, metavar="DATE",
                   help="first day, YYYY-MM-DD (the center's time zone)")  # fmt: skip
    p.add_argument("--to", dest="last", required=True, metavar="DATE",
                   help="last day, YYYY-MM-DD (included)")  # fmt: skip
    p.add_argument("--interval", default=Interval.HOUR.value, help="15min or hour (the default)")
    p.add_argument("--service", help="one service (default: every one)")
    p.add_argument("--csv", metavar="FILE", help="write CSV for a spreadsheet (-: stdout)")
    p.add_argument("--data-dir", default=os.environ.get("CENTRALINO_DATA_DIR", "var"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cfg = load_config(config_or_default(args.config))
    interval = getattr(args, "interval", Interval.DAY)
    service, agent = getattr(args, "service", None), getattr(args, "agent", None)
    try:
        request = report_request(cfg, args.report_kind, args.first, args.last, interval,
                                 service, agent)  # fmt: skip
    except BadRequest as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    try:
        report = run_with_store(
            Path(args.data_dir),
            lambda store: make_report(ReportStore(store.pool), cfg, request, now),
        )
    except StoreError as exc:
        print(f"report: database: {exc}", file=sys.stderr)
        return 1
    if args.csv is None:
        print(table(report))
        return 0
    return write_csv(args.csv, report_csv(report, cfg))


def write_csv(target: str, text: str) -> int:
    if target == "-":
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
        return 0
    try:
        Path(target).write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        print(f"report: cannot write {target}: {exc}", file=sys.stderr)
        return 1
    print(f"{target}: written", file=sys.stderr)
    return 0


# -- the table on the terminal ---------------------------------------------------------


def table(report: Report) -> str:
    kind = report.request.kind
    if kind is Kind.SERVICES:
        return _services_table(report)
    if kind is Kind.AGENTS:
        return _agents_table(report)
    if kind is Kind.STAFFING:
        return _staffing_table(report)
    if kind is Kind.CALLBACKS:
        return _callbacks_table(report)
    return _ivr_table(report)


SERVICE_COLUMNS = ("service", "interval", "offered", "answered", "within T", "abandoned",
                   "short", "overflowed", "voicemail", "SL", "ASA", "AHT", "longest")  # fmt: skip


def _services_table(report: Report) -> str:
    rows: list[Sequence[str]] = []
    for r in report.services:
        for i, fig in enumerate(r.intervals):
            if fig.offered:
                rows.append([r.service, report.grid.label(i), *_service_cells(fig)])
        rows.append([r.service, "total", *_service_cells(r.total)])
    return _aligned(SERVICE_COLUMNS, rows)


def _service_cells(f: ServiceFigures) -> list[str]:
    counts = (f.offered, f.answered, f.answered_within, f.abandoned, f.short_abandons,
              f.overflowed, f.voicemail)  # fmt: skip
    return [*(str(n) for n in counts), _pct(f.service_level), _sec(f.asa_seconds),
            _sec(f.aht_seconds), _sec(f.longest_wait_seconds)]  # fmt: skip


AGENT_COLUMNS = ("agent", "interval", "logged in", "ready", "paused", "talking", "wrap-up",
                 "calls", "AHT", "occupancy")  # fmt: skip


def _agents_table(report: Report) -> str:
    rows: list[Sequence[str]] = []
    for r in report.agents:
        for i, fig in enumerate(r.intervals):
            if fig.logged_in_seconds:
                rows.append([r.agent_id, report.grid.label(i), *_agent_cells(fig)])
        rows.append([r.agent_id, "total", *_agent_cells(r.total)])
    return _aligned(AGENT_COLUMNS, rows)


def _agent_cells(f: AgentFigures) -> list[str]:
    times = (f.logged_in_seconds, f.ready_seconds, f.paused_seconds, f.talking_seconds,
             f.wrap_up_seconds)  # fmt: skip
    return [*(_clock(t) for t in times), str(f.calls), _sec(f.aht_seconds), _pct(f.occupancy)]


STAFFING_COLUMNS = ("service", "interval", "forecast", "AHT", "weeks", "advised", "staffed",
                    "offered", "SL", "target")  # fmt: skip


def _staffing_table(report: Report) -> str:
    """The intervals with something to say: calls forecast or come, or agents staffed."""
    rows: list[Sequence[str]] = []
    for r in report.staffing:
        for i, row in enumerate(r.rows):
            f = row.forecast
            if not (f.offered or row.offered or row.staffed):
                continue
            rows.append([r.service, report.grid.label(i),
                         "-" if f.offered is None else f"{f.offered:.1f}",
                         _sec(f.aht_seconds), str(f.weeks),
                         "-" if row.advised is None else str(row.advised),
                         "-" if row.staffed is None else f"{row.staffed:.1f}",
                         str(row.offered), _pct(row.service_level),
                         _pct(row.target)])  # fmt: skip
    return _aligned(STAFFING_COLUMNS, rows)


CALLBACK_COLUMNS = ("service", "requested", "completed", "failed", "cancelled", "pending",
                    "on the line", "kept place")  # fmt: skip
FAILED_COLUMNS = ("service", "failed", "attempts failed", "message left", "not allowed")
ATTEMPT_COLUMNS = ("service", "calls out", "per completed", *RESULTS)
TIME_COLUMNS = ("service", "completed", "to completion: mean", "p50", "p90")


def _callbacks_table(report: Report) -> str:
    """Four tables: the callbacks, the failed by cause, the calls out by result, the time
    from the request to the citizen's answer; a row per service, then ``all``."""
    named = [(r.service or "all", r.figures) for r in report.callbacks]
    tables = (
        (CALLBACK_COLUMNS, [[s, *(str(n) for n in (f.requested, f.completed, f.failed,
                                                   f.cancelled, f.pending, f.on_the_line)),
                             _pct(f.kept_place_share)] for s, f in named]),
        (FAILED_COLUMNS, [[s, str(f.failed), *(str(f.outcomes[o]) for o in FAILED_OUTCOMES)]
                          for s, f in named]),
        (ATTEMPT_COLUMNS, [[s, str(f.attempts), _dec(f.attempts_per_completed),
                            *(str(f.results[r]) for r in RESULTS)] for s, f in named]),
        (TIME_COLUMNS, [[s, str(f.completed), _clock_or_none(f.mean_to_completion),
                         _clock_or_none(f.p50_to_completion),
                         _clock_or_none(f.p90_to_completion)] for s, f in named]),
    )  # fmt: skip
    return "\n\n".join(_aligned(headers, rows) for headers, rows in tables)


def _ivr_table(report: Report) -> str:
    fig = report.ivr
    assert fig is not None
    lines = [f"sessions       {fig.sessions}",
             f"self-service   {fig.self_service} ({_pct(fig.self_service_share)})",
             "outcomes       " + _counts(fig.outcomes),
             "languages      " + _counts(fig.languages), ""]  # fmt: skip
    exits = [[e.tree, e.node, e.outcome, str(e.sessions)] for e in fig.exits]
    return "\n".join(lines) + _aligned(("tree", "left at", "outcome", "sessions"), exits)


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {n}" for k, n in counts.items()) or "-"


def _aligned(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell: the first two (names) left, figures right."""
    widths = [max(len(c) for c in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        padded = (c.ljust(w) if n < 2 else c.rjust(w)
                  for n, (c, w) in enumerate(zip(cells, widths, strict=True)))  # fmt: skip
        return "  ".join(padded).rstrip()

    return "\n".join(line(cells) for cells in (headers, *rows))


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.1f} %"


def _sec(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} s"


def _dec(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _clock_or_none(seconds: float | None) -> str:
    return "-" if seconds is None else _clock(seconds)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
