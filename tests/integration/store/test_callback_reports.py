"""The callbacks report on a real PostgreSQL: the hand-made callbacks of
``tests/reports_fixture.py`` (Tuesday 2025-10-28: its docstring tells each one) read back
through ``acd.store.reports`` and ``acd.reporting``, by the command line and as CSV. Every
expected figure is worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from acd.cli import main
from acd.config import load_config
from acd.reporting import make_report, report_request
from acd.store.reports import ReportStore
from acd.store.store import Store
from reports.callbacks import CallbackReport
from tests.integration.store.helpers import run_async
from tests.reports_fixture import CENTER, load

CFG = load_config(CENTER)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def history(dsn: str) -> str:
    run_async(load(dsn))
    return dsn


def callbacks(dsn: str, first: str, last: str, service: str = "") -> list[CallbackReport]:
    async def read() -> list[CallbackReport]:
        store = await Store.connect(dsn)
        try:
            request = report_request(CFG, "callbacks", first, last, "day", service)
            return (await make_report(ReportStore(store.pool), CFG, request, NOW)).callbacks
        finally:
            await store.close()

    return run_async(read())


def test_each_callback_counts_once_by_its_request_with_its_calls_out(history: str) -> None:
    urp, giovani, every = callbacks(history, "2025-10-28", "2025-10-28")
    assert (urp.service, giovani.service, every.service) == ("urp", "informagiovani", "")
    f = urp.figures
    # b1-b8 (b9 is asked on the 29th): b1, b2, b7, b8 completed (b8 reached after midnight);
    # b3 message left, b4 refused; b5 cancelled; b6 pending
    assert (f.requested, f.completed, f.failed, f.cancelled, f.pending) == (8, 4, 2, 1, 1)
    assert f.outcomes == {"answered": 4, "callback-failed": 0, "callback-message": 1,
                          "callback-refused": 1, "callback-cancelled": 1}  # fmt: skip
    # b1 1, b2 3, b3 3, b4 1, b5 1, b6 1, b7 1, b8 1 calls out
    assert f.results == {"answered": 4, "no-answer": 2, "busy": 3, "failed": 0,
                         "not-allowed": 1, "agent-left": 1, "message": 1}  # fmt: skip
    assert (f.attempts, f.completed_attempts, f.attempts_per_completed) == (12, 6, 1.5)
    # reached after 1035 s (b1), 2540 s (b2), 300 s (b7), 1200 s (b8)
    assert f.mean_to_completion == pytest.approx((1035 + 2540 + 300 + 1200) / 4)
    assert (f.p50_to_completion, f.p90_to_completion) == (1035, 2540)
    # l1, l2, l3 and l6 (still talking) answered live in the URP; l4 abandoned, l5 answered
    # in Informagiovani, b1 and b2 are callbacks
    assert (f.kept_place, f.on_the_line) == (8, 4)
    assert f.kept_place_share == pytest.approx(8 / 12)
    g = giovani.figures  # g1 failed after three calls unanswered, g2 reached in 600 s; l5
    assert (g.requested, g.completed, g.failed, g.outcomes["callback-failed"]) == (2, 1, 1, 1)
    assert (g.attempts, g.results["no-answer"], g.attempts_per_completed) == (4, 3, 1.0)
    assert (g.mean_to_completion, g.p90_to_completion, g.on_the_line) == (600, 600, 1)
    e = every.figures
    assert (e.requested, e.completed, e.failed, e.pending, e.on_the_line) == (10, 5, 3, 1, 5)
    # 300, 600, 1035, 1200, 2540 s
    assert (e.p50_to_completion, e.p90_to_completion, e.mean_to_completion) == (1035, 2540, 1135)


def test_the_period_is_the_requests_and_a_service_alone_has_no_total(history: str) -> None:
    (urp,) = callbacks(history, "2025-10-29", "2025-10-29", "urp")
    f = urp.figures  # b9 only; b8's answer on the 29th counts with its request, on the 28th
    assert (f.requested, f.pending, f.attempts, f.on_the_line) == (1, 1, 0, 0)
    (quiet,) = callbacks(history, "2025-10-24", "2025-10-24", "urp")
    assert (quiet.figures.requested, quiet.figures.kept_place_share) == (0, 0.0)
    # c1, c2, c8, c9 of the services' day, and c12 still talking (answered on the line)
    assert quiet.figures.on_the_line == 5


def cli(dsn: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("CENTRALINO_DATABASE_URL", dsn)
    return main(["report", "callbacks", str(CENTER), *args])


def test_the_command_prints_the_callbacks_tables(
    history: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(history, monkeypatch, "--from", "2025-10-28", "--to", "2025-10-28") == 0
    tables = [t.splitlines() for t in capsys.readouterr().out.split("\n\n")]
    counts, failed, attempts, times = tables
    assert counts[0].split() == ["service", "requested", "completed", "failed", "cancelled",
                                 "pending", "on", "the", "line", "kept", "place"]  # fmt: skip
    assert counts[1].split() == ["urp", "8", "4", "2", "1", "1", "4", "66.7", "%"]
    assert counts[2].split() == ["informagiovani", "2", "1", "1", "0", "0", "1", "66.7", "%"]
    assert counts[3].split() == ["all", "10", "5", "3", "1", "1", "5", "66.7", "%"]
    assert failed[1].split() == ["urp", "2", "0", "1", "1"]
    assert attempts[0].split()[:4] == ["service", "calls", "out", "per"]
    assert attempts[1].split() == ["urp", "12", "1.50", "4", "2", "3", "0", "1", "1", "1"]
    assert times[1].split() == ["urp", "4", "0:21:09", "0:17:15", "0:42:20"]
    assert times[3].split() == ["all", "5", "0:18:55", "0:17:15", "0:42:20"]


def test_the_command_writes_the_callbacks_csv(
    history: str, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    args = ("--from", "2025-10-28", "--to", "2025-10-28", "--service", "urp", "--csv", "-")
    assert cli(history, monkeypatch, *args) == 0
    rows = capsysbinary.readouterr().out.decode("utf-8-sig").splitlines()
    assert len(rows) == 2  # one service: no total
    # requested, on the line, kept %, completed, failed (by cause), cancelled, pending,
    # calls out (by result), per completed, mean, median, p90
    assert rows[1] == ("urp;URP;8;4;66,7;4;2;0;1;1;1;1;12;4;2;3;0;1;1;1;1,50;1268,8;"
                       "1035,0;2540,0")  # fmt: skip
