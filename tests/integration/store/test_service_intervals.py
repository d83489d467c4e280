"""The interval table (migration 014) against the raw rows: the service reports' figures read
from it equal those counted from the contacts, on the hand-built history of
``tests/reports_fixture.py`` and on a generated one (``bench/reports.py``'s generator), for
several T and S; an upsert replayed changes nothing, a correction and a deletion are taken
back; the backfill (``rebuild_service_intervals``) gives what the triggers kept."""

from __future__ import annotations

import math
from dataclasses import fields
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from acd.reporting import quarter_hours, service_figures
from acd.store.reports import ReportStore
from acd.store.store import Store
from bench.reports import CONTACT_COLUMNS, STATE_COLUMNS, Generator
from reports.history import ServiceReport, countable
from reports.periods import Interval, grid, period
from reports.service_level import Definition, Rule
from tests.integration.store.helpers import run_async
from tests.reports_fixture import CONTACTS, load

ROME = ZoneInfo("Europe/Rome")
D = Definition
RULES = (Rule(20, 5, D.WITH_ABANDONS), Rule(30, 5, D.ANSWERED_ONLY),
         Rule(15, 3, D.QUEUE_REMOVAL), Rule(0, 0, D.WITH_EARLY_ABANDONS),
         Rule(600, 600, D.WITH_ABANDONS), Rule(37, 10, D.WITH_EARLY_ABANDONS))  # fmt: skip
ASKED = (("2025-10-24", "2025-10-24", Interval.HOUR), ("2025-10-24", "2025-10-24",
         Interval.QUARTER_HOUR), ("2025-10-26", "2025-10-26", Interval.HOUR),
         ("2025-10-20", "2025-11-02", Interval.DAY), ("2025-10-01", "2025-10-31",
         Interval.WEEK), ("2025-10-01", "2025-10-31", Interval.MONTH))  # fmt: skip


def both(dsn: str, first: str, last: str, every: Interval, rules: dict[str, Rule]) -> Any:
    """The reports from the interval table and from the contacts, and the table's rows."""

    async def read() -> Any:
        store = await Store.connect(dsn)
        try:
            reports, cells = ReportStore(store.pool), grid(period(first, last, ROME, every), every)
            assert quarter_hours(cells)
            summed = await service_figures(reports, cells, rules)
            raw = await service_figures(reports, cells, rules, summary=False)
            rows = await reports.service_intervals(cells.starts[0], cells.end, list(rules))
            return summed, raw, rows
        finally:
            await store.close()

    return run_async(read())


def assert_same(summed: list[ServiceReport], raw: list[ServiceReport]) -> None:
    assert [(r.service, r.rule, len(r.intervals)) for r in summed] == [
        (r.service, r.rule, len(r.intervals)) for r in raw
    ]
    for a, b in zip(summed, raw, strict=True):
        for x, y in zip((*a.intervals, a.total), (*b.intervals, b.total), strict=True):
            for f in fields(x):
                u, v = getattr(x, f.name), getattr(y, f.name)
                if isinstance(u, float) and isinstance(v, float):
                    assert math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-9), (f.name, u, v)
                else:
                    assert u == v, (f.name, u, v)


def compare_all(dsn: str, asked: tuple[tuple[str, str, Interval], ...],
                services: tuple[str, ...]) -> int:  # fmt: skip
    counted = 0
    for rule in RULES:
        assert countable(rule)
        for first, last, every in asked:
            summed, raw, rows = both(dsn, first, last, every, dict.fromkeys(services, rule))
            assert_same(summed, raw)
            counted += sum(r.total.offered for r in raw)
            assert sum(r.offered for r in rows) == sum(r.total.offered for r in raw)
    return counted


@pytest.fixture
def history(dsn: str) -> str:
    run_async(load(dsn))
    return dsn


def test_the_hand_built_history_gives_the_same_figures_from_either(history: str) -> None:
    assert compare_all(history, ASKED, ("urp", "informagiovani")) > 0


def test_a_replayed_upsert_counts_nothing_twice_and_a_correction_is_taken_back(
    history: str,
) -> None:
    async def rewrite() -> None:
        store = await Store.connect(history)
        try:
            for contact in CONTACTS:  # the spill file's replay, or a retried batch
                await store.save_contact(contact)
            await store.pool.execute(  # a correction of an ended contact: c5 was answered
                "UPDATE contacts SET answered_at = entered_queue_at + interval '3 seconds', "
                "outcome = 'answered', agent_id = 'agent9' WHERE contact_id = 'c5'"
            )
            await store.pool.execute("DELETE FROM contacts WHERE contact_id = 'c7'")
        finally:
            await store.close()

    summed, _, _ = both(history, "2025-10-24", "2025-10-24", Interval.DAY,
                        {"urp": RULES[0]})  # fmt: skip
    assert summed[0].total.offered == 9
    run_async(rewrite())
    summed, raw, _ = both(history, "2025-10-24", "2025-10-24", Interval.HOUR,
                          {"urp": RULES[0]})  # fmt: skip
    assert_same(summed, raw)
    assert (summed[0].total.offered, summed[0].total.answered) == (8, 5)
    assert summed[0].total.longest_wait_seconds == 40  # c6: c7 (600 s) and c5 (now 3 s) gone
    compare_all(history, ASKED, ("urp", "informagiovani"))


async def generate(dsn: str, days: tuple[tuple[date, int], ...]) -> None:
    """The bench's contacts and agents' changes, written with the triggers on: each day's
    contacts (ended) first, then its agents' changes (their wrap-ups end after)."""
    store = await Store.connect(dsn)  # migrates
    await store.close()
    conn = await asyncpg.connect(dsn)
    try:
        generator = Generator(7)
        for day, count in days:
            contacts, states = generator.day(day, count)
            await conn.copy_records_to_table("contacts", records=contacts, columns=CONTACT_COLUMNS)
            await conn.copy_records_to_table("agent_states", records=states, columns=STATE_COLUMNS)
    finally:
        await conn.close()


async def table(dsn: str) -> list[tuple[Any, ...]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT * FROM service_intervals WHERE offered > 0 "
                                "ORDER BY first_service, interval_start")  # fmt: skip
        return [tuple(map(_plain, r.values())) for r in rows]
    finally:
        await conn.close()


def _plain(value: Any) -> Any:
    """A sum to the micro-second, a histogram with its missing counts 0."""
    if isinstance(value, float):
        return round(value, 6)
    return [n or 0 for n in value] if isinstance(value, list) else value


def test_a_generated_history_gives_the_same_figures_and_the_backfill_the_same_table(
    dsn: str,
) -> None:
    days = ((date(2025, 11, 12), 1500), (date(2025, 11, 13), 1500), (date(2025, 11, 15), 600))
    run_async(generate(dsn, days))
    asked = (("2025-11-12", "2025-11-12", Interval.QUARTER_HOUR),
             ("2025-11-10", "2025-11-16", Interval.HOUR),
             ("2025-11-01", "2025-11-30", Interval.DAY))  # fmt: skip
    services = tuple(f"s{i:02d}" for i in range(20))
    assert compare_all(dsn, asked, services) > 0
    kept = run_async(table(dsn))

    async def rebuild() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("SELECT rebuild_service_intervals()")
        finally:
            await conn.close()

    run_async(rebuild())
    assert run_async(table(dsn)) == kept
    assert sum(r[2] for r in kept) == 3600


def test_a_rule_the_table_cannot_count_reads_the_contacts(history: str) -> None:
    assert not countable(Rule(3600, 5))
    assert not countable(Rule(20.5, 5))
    summed, raw, _ = both(history, "2025-10-24", "2025-10-24", Interval.HOUR,
                          {"urp": Rule(20.5, 4.95, D.WITH_ABANDONS)})  # fmt: skip
    assert summed == raw
