"""The historical reports on a real PostgreSQL: the hand-built history of
``tests/reports_fixture.py`` (its docstring tells each call and each agent's day), read back
through ``acd.store.reports`` and ``acd.reporting``, by the command line and as CSV. Every
expected figure is worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from acd.cli import main
from acd.config import load_config
from acd.reporting import Report, make_report, report_request
from acd.store.reports import ReportStore
from acd.store.store import Store
from reports.history import ServiceFigures
from tests.integration.store.helpers import run_async
from tests.reports_fixture import CENTER, load

CFG = load_config(CENTER)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def history(dsn: str) -> str:
    run_async(load(dsn))
    return dsn


def report(dsn: str, kind: str, first: str, last: str, interval: str = "day",
           service: str = "", agent: str = "") -> Report:  # fmt: skip
    async def read() -> Report:
        store = await Store.connect(dsn)
        try:
            request = report_request(CFG, kind, first, last, interval, service, agent)
            return await make_report(ReportStore(store.pool), CFG, request, NOW)
        finally:
            await store.close()

    return run_async(read())


def counts(f: ServiceFigures) -> tuple[int, ...]:
    return (f.offered, f.answered, f.answered_within, f.abandoned, f.short_abandons,
            f.overflowed, f.voicemail, f.other)  # fmt: skip


def test_a_service_by_hour_counts_each_call_once_where_and_when_it_first_queued(
    history: str,
) -> None:
    urp, giovani = report(history, "services", "2025-10-24", "2025-10-24", "hour").services
    assert (urp.service, giovani.service) == ("urp", "informagiovani")
    nine = urp.intervals[9]
    # c1-c8: answered c1 (20 s: within), c2 (20.5 s), c8 (15 s, answered at 10:00:05 but
    # entered at 09:59:50: counted at 09:00); c3 short (4.9 s), c4 (5 s) and c5 abandoned;
    # c6 overflowed to Informagiovani; c7 to voicemail.
    assert counts(nine) == (8, 3, 2, 3, 1, 1, 1, 0)
    assert nine.service_level == pytest.approx(2 / (3 + 2))  # within / (answered + long abandons)
    assert nine.asa_seconds == pytest.approx((20 + 20.5 + 15) / 3)
    # talk 100 + 200 + 180, wrap-up 10 (agent1 after c1) + 30 (agent2 after c2) + 0 (c8)
    assert nine.aht_seconds == pytest.approx((480 + 40) / 3)
    assert nine.longest_wait_seconds == 600  # c7, until sent to voicemail
    assert counts(urp.intervals[10]) == (0,) * 8
    eleven = urp.intervals[11]  # c9: answered in the URP, then transferred
    assert counts(eleven) == (1, 1, 1, 0, 0, 0, 0, 0)
    assert (eleven.service_level, eleven.aht_seconds) == (1.0, 300)
    assert counts(urp.intervals[12]) == (0,) * 8  # c12 is still talking: not finished
    assert sum(f.offered for f in urp.intervals) == 9
    assert counts(urp.total) == (9, 4, 3, 3, 1, 1, 1, 0)
    assert urp.total.service_level == pytest.approx(3 / (4 + 2))
    assert urp.total.asa_seconds == pytest.approx((20 + 20.5 + 15 + 10) / 4)
    assert urp.total.aht_seconds == pytest.approx((480 + 300 + 40) / 4)


def test_each_service_has_its_own_service_level_rule(history: str) -> None:
    (giovani,) = report(history, "services", "2025-10-24", "2025-10-24", "hour",
                        "informagiovani").services  # fmt: skip
    # c10 waits exactly its T of 30 s, c11 hangs up after 100 s; c6 and c9 are the URP's.
    assert counts(giovani.total) == (2, 1, 1, 1, 0, 0, 0, 0)
    assert giovani.total.service_level == 1.0  # answered only: 1 / 1 (with abandons: 1 / 2)
    assert (giovani.total.asa_seconds, giovani.total.longest_wait_seconds) == (30, 100)


def test_the_day_the_clocks_go_back_has_two_hours_from_two(history: str) -> None:
    made = report(history, "services", "2025-10-26", "2025-10-26", "hour", "urp")
    assert len(made.grid) == 25
    labels = [made.grid.label(i) for i in (1, 2, 3, 4)]
    assert labels == ["2025-10-26 01:00", "2025-10-26 02:00 +02:00", "2025-10-26 02:00 +01:00",
                      "2025-10-26 03:00"]  # fmt: skip
    (urp,) = made.services
    first, second = urp.intervals[2], urp.intervals[3]
    assert counts(first) == (1, 1, 1, 0, 0, 0, 0, 0)  # d1
    assert counts(second) == (2, 1, 0, 1, 0, 0, 0, 0)  # d2 abandoned, d3 answered after 25 s
    assert (first.service_level, second.service_level) == (1.0, 0.0)
    assert urp.intervals[24].offered == 1  # d4 at 23:30 +01:00 (22:30 UTC)
    days = report(history, "services", "2025-10-24", "2025-10-27", "day", "urp").services[0]
    assert [f.offered for f in days.intervals] == [9, 0, 4, 0]  # the 26th has 25 hours


def test_agents_time_is_cut_at_midnight_and_at_the_periods_edges(history: str) -> None:
    agent1, agent2, *others = report(history, "agents", "2025-10-24", "2025-10-25").agents
    day, next_day = agent1.intervals
    # 08:55-12:00 and 23:00-24:00: ready 15 + 3,465 + 7,015 + 1,770; paused "login" 300 + 30,
    # "break" 23:30-24:00; ringing 5 + 10; talking 100 + 180; wrap-up 10 (0 after c8)
    assert day.logged_in_seconds == 3 * 3600 + 5 * 60 + 3600
    assert (day.ready_seconds, day.paused_seconds) == (12_265, 2_130)
    assert day.paused_by_reason == {"break": 1_800, "login": 330}
    assert (day.ringing_seconds, day.talking_seconds, day.wrap_up_seconds) == (15, 280, 10)
    assert (day.calls, day.aht_seconds) == (2, (280 + 10) / 2)
    assert day.occupancy == pytest.approx(305 / (305 + 12_265))
    # 00:00-00:30 still on the break begun the day before, then ready until 00:45
    assert (next_day.logged_in_seconds, next_day.ready_seconds) == (2_700, 900)
    assert next_day.paused_by_reason == {"break": 1_800}
    assert (next_day.calls, next_day.aht_seconds, next_day.occupancy) == (0, None, 0.0)
    assert agent1.total.logged_in_seconds == 14_700 + 2_700
    two = agent2.total  # 09:05-10:00: ready 315 + 949.5, "back office" 09:30-10:00
    assert (two.logged_in_seconds, two.ready_seconds, two.ringing_seconds) == (3_300, 1_264.5, 5.5)
    assert (two.talking_seconds, two.wrap_up_seconds, two.calls) == (200, 30, 1)
    assert two.occupancy == pytest.approx(235.5 / 1_500)
    assert [a.total.logged_in_seconds for a in others] == [0, 0, 0]  # no state known


def test_the_state_in_force_when_the_period_starts_counts_from_its_start(history: str) -> None:
    (agent1,) = report(history, "agents", "2025-10-25", "2025-10-25", agent="agent1").agents
    assert agent1.total.paused_by_reason == {"break": 1_800}  # began on the 24th at 23:30
    hours = report(history, "agents", "2025-10-24", "2025-10-24", "hour", agent="agent1")
    nine, ten = hours.agents[0].intervals[9:11]
    # the ring from 09:59:55 to 10:00:05 is cut at 10:00; c8's answer (10:00:05) is at 10
    assert (nine.ready_seconds, nine.ringing_seconds, nine.talking_seconds) == (3_480, 10, 100)
    assert (ten.ringing_seconds, ten.talking_seconds, ten.ready_seconds) == (5, 180, 3_415)
    assert (nine.calls, ten.calls) == (1, 1)


def test_the_ivr_report_tells_self_service_where_callers_left_and_languages(
    history: str,
) -> None:
    ivr = report(history, "ivr", "2025-10-24", "2025-10-24").ivr
    assert ivr is not None
    assert (ivr.sessions, ivr.self_service) == (6, 2)
    assert ivr.outcomes == {"ivr-hangup": 2, "queued": 2, "self-service": 2}
    exits = [(e.tree, e.node, e.outcome, e.sessions) for e in ivr.exits]
    assert exits == [("main", "menu", "ivr-hangup", 2), ("main", "to-urp", "queued", 2),
                     ("acts", "acts-done", "self-service", 1),
                     ("main", "info", "self-service", 1)]  # fmt: skip
    assert ivr.languages == {"it": 4, "en": 2}


# -- the command line ----------------------------------------------------------------------


def cli(dsn: str, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("CENTRALINO_DATABASE_URL", dsn)
    return main(["report", args[0], str(CENTER), *args[1:]])


def test_the_command_prints_a_table_of_the_intervals_with_calls(
    history: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(history, monkeypatch, "services", "--from", "2025-10-24", "--to", "2025-10-24",
               "--interval", "hour", "--service", "urp") == 0  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["service", "interval", "offered", "answered", "within", "T",
                                "abandoned", "short", "overflowed", "voicemail", "SL", "ASA",
                                "AHT", "longest"]  # fmt: skip
    assert lines[1].split() == ["urp", "2025-10-24", "09:00", "8", "3", "2", "3", "1", "1", "1",
                                "40.0", "%", "18.5", "s", "173.3", "s", "600.0", "s"]  # fmt: skip
    assert [line.split()[2] for line in lines[2:]] == ["11:00", "9"]  # the total: 9 offered
    assert lines[-1].split()[:2] == ["urp", "total"]


def test_the_command_writes_csv_for_an_italian_spreadsheet(
    history: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = tmp_path / "urp.csv"
    assert cli(history, monkeypatch, "services", "--from", "2025-10-26", "--to", "2025-10-26",
               "--interval", "hour", "--service", "urp", "--csv", str(out)) == 0  # fmt: skip
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with its mark: Excel reads the accents
    rows = raw.decode("utf-8-sig").split("\r\n")
    assert rows[0].startswith("Servizio;Nome servizio;Inizio;Fuso orario;Offerte;Risposte;")
    assert "Attesa più lunga (s)" in rows[0]
    rule = "20,0;5,0;risposte entro T / (risposte + abbandoni dopo S)"
    assert (
        rows[3] == f"urp;URP;2025-10-26 02:00;UTC+02:00;1;1;1;0;0;0;0;0;100,0;10,0;60,0;10,0;{rule}"
    )
    assert (
        rows[4] == f"urp;URP;2025-10-26 02:00;UTC+01:00;2;1;0;1;0;0;0;0;0,0;25,0;40,0;30,0;{rule}"
    )
    assert rows[1].startswith("urp;URP;2025-10-26 00:00;UTC+02:00;0;0;0;0;0;0;0;0;;;;;")  # no calls
    assert rows[26].startswith("urp;URP;Totale periodo;;4;3;2;1;0;0;0;0;50,0;")  # 2 / (3 + 1)
    assert rows[27] == ""  # the last line ends like the others


def test_the_command_writes_the_agents_and_ivr_csv_to_standard_output(
    history: str, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert cli(history, monkeypatch, "agents", "--from", "2025-10-24", "--to", "2025-10-25",
               "--agent", "agent1", "--csv", "-") == 0  # fmt: skip
    rows = capsysbinary.readouterr().out.decode("utf-8-sig").splitlines()
    assert rows[0] == ("Operatore;Nome;Inizio;Fuso orario;Collegato (s);Pronto (s);"
                       "In pausa (s);Pausa: break (s);Pausa: login (s);Squillo (s);"
                       "In conversazione (s);Post-chiamata (s);Chiamate;AHT (s);"
                       "Occupazione (%)")  # fmt: skip
    # logged in, ready, paused, break, login, ringing, talking, wrap-up, calls, AHT, occupancy
    assert rows[1] == ("agent1;Agente Uno;2025-10-24;UTC+02:00;"
                       "14700;12265;2130;1800;330;15;280;10;2;145,0;2,4")  # fmt: skip
    assert rows[2] == "agent1;Agente Uno;2025-10-25;UTC+02:00;2700;900;1800;1800;0;0;0;0;0;;0,0"
    assert cli(history, monkeypatch, "ivr", "--from", "2025-10-24", "--to", "2025-10-24",
               "--csv", "-") == 0  # fmt: skip
    rows = capsysbinary.readouterr().out.decode("utf-8-sig").splitlines()
    assert rows[:3] == ["Voce;Albero;Nodo;Esito;Lingua;Sessioni;Quota (%)",
                        "Sessioni;;;;;6;100,0", "Esito;;;ivr-hangup;;2;33,3"]  # fmt: skip
    assert "Uscita;acts;acts-done;self-service;;1;16,7" in rows
    assert rows[-1] == "Lingua;;;;en;2;33,3"


def test_the_command_fails_cleanly_when_the_database_is_away(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dsn = "postgresql://nobody@127.0.0.1:1/none"  # nothing listens on port 1
    assert cli(dsn, monkeypatch, "ivr", "--from", "2025-10-24", "--to", "2025-10-24") == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("report: database: ")
