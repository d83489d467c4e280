"""Staffing advice on a real PostgreSQL: a small hand-built history of four Fridays, read back
through ``acd.store.reports`` and ``acd.staffing``, by the command line and as CSV.

The center is ``tests/e2e/reports.yaml`` (Europe/Rome; URP: T 20 s, target 80 %, service
level answered within T / (answered + abandoned after S); Informagiovani: its own target
of 90 %). URP, 09:00-10:00 on the Fridays before 31 October 2025: 40, 44, 36 and 40 calls
(3, 10, 17, 24 October), every one answered after 5 s and talking 150 s: the forecast for
Friday 31 October at 09:00 is 40 calls, AHT 150 s, so A = 40 × 150 / 3600 = 1.67 Erlangs;
Erlang C gives a service level of 74.9 % with 3 agents and 92.5 % with 4: 4 are advised.
That Friday at 09:00: three calls, two answered after 10 s, one after 30 s (SL 2/3); agent1
logged in 09:00-10:00, agent2 09:30-10:00: 1.5 agents staffed on average.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from acd.cli import main
from acd.config import load_config
from acd.staffing import Staffing, make_staffing, next_hours, staffing_request
from acd.store.reports import ReportStore
from acd.store.store import Store
from tests.integration.store.helpers import run_async
from tests.reports_fixture import CENTER, queued, rome

CFG = load_config(CENTER)
WEEKS = {3: 40, 10: 44, 17: 36, 24: 40}  # day of October: calls at 09:00
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def contacts() -> list[object]:
    past = [queued(f"w{day}-{i}", rome(day, 9, 0) + timedelta(seconds=80 * i), 5, "answered",
                   150, agent="agent3")
            for day, n in WEEKS.items() for i in range(n)]  # fmt: skip
    giovani = [queued(f"g{day}-{i}", rome(day, 14, 0) + timedelta(seconds=60 * i), 5, "answered",
                      60, ("informagiovani",), "agent5")
               for day in WEEKS for i in range(2)]  # fmt: skip
    friday = [queued("f1", rome(31, 9, 5), 10, "answered", 100, agent="agent1"),
              queued("f2", rome(31, 9, 35), 10, "answered", 100, agent="agent2"),
              queued("f3", rome(31, 9, 45), 30, "answered", 100, agent="agent1")]  # fmt: skip
    return [*past, *giovani, *friday]


STATES = (
    ("agent1", "ready", "", rome(31, 9, 0)),
    ("agent2", "ready", "", rome(31, 9, 30)),
    ("agent1", "logged_out", "", rome(31, 10, 0)),
    ("agent2", "logged_out", "", rome(31, 10, 0)),
)


@pytest.fixture
def history(dsn: str) -> str:
    async def load() -> None:
        store = await Store.connect(dsn)
        try:
            for contact in contacts():
                await store.save_contact(contact)  # type: ignore[arg-type]
            for agent, state, reason, at in STATES:
                await store.record_agent_state(agent, state, reason, at)
        finally:
            await store.close()

    run_async(load())
    return dsn


def advice(dsn: str, first: str, last: str, interval: str = "hour", service: str = "",
           hours: int | None = None, now: datetime = NOW) -> Staffing:  # fmt: skip
    async def read() -> Staffing:
        store = await Store.connect(dsn)
        try:
            reports = ReportStore(store.pool)
            if hours is not None:
                return await next_hours(reports, CFG, service or None, hours, now)
            request = staffing_request(CFG, first, last, interval, service)
            return await make_staffing(reports, CFG, request, now)
        finally:
            await store.close()

    return run_async(read())


def test_the_advice_stands_on_four_fridays_beside_what_happened(history: str) -> None:
    urp, giovani = advice(history, "2025-10-31", "2025-10-31").services
    nine = urp.rows[9]
    assert (nine.forecast.offered, nine.forecast.aht_seconds, nine.forecast.weeks) == (
        40.0, 150.0, 4)  # fmt: skip
    assert (nine.advised, nine.staffed, nine.offered, nine.target) == (4, 1.5, 3, 0.8)
    assert nine.service_level == pytest.approx(2 / 3)
    eight = urp.rows[8]  # no calls at 08:00 on the Fridays (which had calls): none needed
    assert (eight.forecast.offered, eight.advised, eight.staffed, eight.offered) == (0, 0, 0, 0)
    two = giovani.rows[14]  # 2 calls of 60 s: A = 0.033; one agent reaches 90 % within 30 s
    assert (two.forecast.offered, two.advised, two.target, giovani.seconds) == (2, 1, 0.9, 30)
    # A Friday with no Friday before it in the history: no forecast, no advice.
    (early,) = advice(history, "2025-10-03", "2025-10-03", service="urp").services
    assert (early.rows[9].forecast.weeks, early.rows[9].advised) == (0, None)


def test_the_next_two_hours_by_quarter_hours_from_now(history: str) -> None:
    (urp,) = advice(history, "", "", service="urp", hours=2, now=rome(31, 9, 10)).services
    assert len(urp.rows) == 9  # 09:00 (now is in it) to 11:00 (11:10 is in it)
    first = urp.rows[0]
    # 09:00-09:15 on the four Fridays: calls at 09:00 + 80 s × i, i < 12 (11 · 80 = 880 s)
    assert (first.forecast.offered, first.advised, first.staffed) == (12.0, 4, 1.0)  # A = 2
    assert [r.staffed for r in urp.rows[1:]] == [None] * 8  # not begun


def test_the_command_prints_the_advice_and_writes_its_csv(
    history: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.setenv("CENTRALINO_DATABASE_URL", history)
    asked = ["report", "staffing", str(CENTER), "--from", "2025-10-31", "--to", "2025-10-31",
             "--service", "urp"]  # fmt: skip
    assert main(asked) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["service", "interval", "forecast", "AHT", "weeks", "advised",
                                "staffed", "offered", "SL", "target"]  # fmt: skip
    assert lines[1].split() == ["urp", "2025-10-31", "09:00", "40.0", "150.0", "s", "4", "4",
                                "1.5", "3", "66.7", "%", "80.0", "%"]  # fmt: skip
    out = tmp_path / "staffing.csv"
    assert main([*asked, "--csv", str(out)]) == 0
    rows = out.read_bytes().decode("utf-8-sig").split("\r\n")
    assert rows[0].startswith("Servizio;Nome servizio;Inizio;Fuso orario;Offerte previste;")
    assert rows[10] == "urp;URP;2025-10-31 09:00;UTC+01:00;40,0;150,0;4;4;1,5;3;66,7;80,0;20,0"
