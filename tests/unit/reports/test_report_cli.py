"""``centralino report``'s bad input: one clear line on stderr and exit status 2, before any
database is opened (none is reachable here)."""

from __future__ import annotations

import pytest

from acd.cli import main
from acd.config import load_config
from acd.reporting import Kind, report_request
from reports.periods import BadRequest, Interval
from tests.reports_fixture import CENTER

NOWHERE = "postgresql://nobody@127.0.0.1:1/none"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["services", "--service", "anagrafe"], "unknown service 'anagrafe' (the services: urp,"),
        (["agents", "--agent", "agent9"], "unknown agent 'agent9' (the agents: agent1,"),
        (["services", "--interval", "fortnight"], "interval: 'fortnight' is not one of 15min,"),
        (["services", "--to", "2025-09-30"], "from 2025-10-01 is after to 2025-09-30"),
        (["services", "--to", "2025-13-01"], "to: '2025-13-01' is not a date (YYYY-MM-DD)"),
        (["services", "--interval", "15min", "--to", "2025-11-30"], "61 days by 15min: at most 31"),
        (["agents", "--to", "2026-10-02"], "367 days by day: at most 366 days"),
        (["callbacks", "--service", "anagrafe"], "unknown service 'anagrafe' (the services:"),
        (["callbacks", "--to", "2026-10-02"], "367 days by day: at most 366 days"),
        (["callbacks", "--from", "2025-10-32"], "from: '2025-10-32' is not a date"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(
    args: list[str], says: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("CENTRALINO_DATABASE_URL", NOWHERE)
    kind, *rest = args
    options = {"--from": "2025-10-01", "--to": "2025-10-31"}
    options.update(zip(rest[::2], rest[1::2], strict=True))
    argv = ["report", kind, str(CENTER), *(x for pair in options.items() for x in pair)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith("report: ")
    assert says in line
    assert captured.out == ""


def test_the_ivr_and_callbacks_reports_have_no_intervals_so_their_limits_do_not_apply() -> None:
    cfg = load_config(CENTER)
    asked = report_request(cfg, "ivr", "2025-01-01", "2025-06-30", "15min")
    assert (asked.kind, asked.interval, asked.period.days) == (Kind.IVR, Interval.DAY, 181)
    asked = report_request(cfg, "callbacks", "2025-01-01", "2025-06-30", "15min", "urp")
    assert (asked.kind, asked.interval, asked.service) == (Kind.CALLBACKS, Interval.DAY, "urp")
    with pytest.raises(
        BadRequest, match="kind: 'calls' is not one of services, agents, ivr, staffing"
    ):
        report_request(cfg, "calls", "2025-01-01", "2025-01-01")


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--service", "anagrafe"], "unknown service 'anagrafe' (the services: urp,"),
        (["--interval", "day"], "interval: 'day': staffing advice is by 15min or hour"),
        (["--interval", "15m"], "interval: '15m' is not one of 15min,"),
        (["--to", "2025-09-30"], "from 2025-10-01 is after to 2025-09-30"),
        (["--to", "2025-10-32"], "to: '2025-10-32' is not a date (YYYY-MM-DD)"),
        (["--interval", "15min", "--to", "2025-11-30"], "61 days by 15min: at most 31"),
    ],
)
def test_staffings_bad_input_is_one_line_and_exit_status_2(
    options: list[str], says: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("CENTRALINO_DATABASE_URL", NOWHERE)
    asked = {"--from": "2025-10-01", "--to": "2025-10-31"}
    asked.update(zip(options[::2], options[1::2], strict=True))
    argv = ["report", "staffing", str(CENTER), *(x for pair in asked.items() for x in pair)]
    assert main(argv) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith("report: ")
    assert says in line
    assert captured.out == ""
