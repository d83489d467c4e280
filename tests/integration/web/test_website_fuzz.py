"""Property-based fuzzing (hypothesis) of the website's callbacks API on a real PostgreSQL,
driven by its OpenAPI description's fields: bodies of any shape around ``number``,
``service``, ``slot``, ``note`` and ``language`` (valid values among wrong types, junk and
control characters), any idempotency key or none, the right token or another. Every answer
comes in time, is never a 5xx, and is what the description says for its status
(tests/api_description.py); and what is stored is exactly what the answers said was made:
one callback per id answered 201, none for a refusal."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from acd.config import load_config
from acd.store.embedded import EmbeddedPostgres
from tests.integration.store.helpers import execute, fetch, run_async
from tests.integration.web.test_website_api import CALLBACKS, CENTER, ONE, Served, served

pytestmark = pytest.mark.timeout(300)
ANSWER_WITHIN = 5.0  # seconds
NUMBERS = st.sampled_from([
    "059 2032032", "+39 059 203 2032", "3331234567", "12345", "", "+44 20 7946 0018",
    "0592032032\n", "00390592032032", "059-203-2032 ext 7",
]) | st.text(max_size=20)  # fmt: skip
SLOTS = st.sampled_from([
    "2026-12-01T09:00", "2026-11-29T10:00", "2026-12-08T10:00", "2027-03-01T10:00",
    "2026-12-01T09:00:00+01:00", "domani", "",
])  # fmt: skip
TEXT = st.text(max_size=250)
VALUES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT
FIELDS = {
    "number": NUMBERS | VALUES,
    "service": st.sampled_from(["urp", "anagrafe", "sport", ""]) | VALUES,
    "slot": SLOTS | VALUES,
    "note": TEXT | VALUES,
    "language": st.sampled_from(["it", "en", "de"]) | VALUES,
}
# Mostly a sound request, one field perhaps spoiled: so that made, found again, replayed,
# reused keys and the limits come up, not only refusals.
GOOD = st.fixed_dictionaries(
    {"number": st.sampled_from(["059 2032032", "3331234567", "+39 059 2032033", "0592032034"]),
     "service": st.sampled_from(["urp", "anagrafe"])},
    optional={"slot": SLOTS, "note": st.text(max_size=40),
              "language": st.sampled_from(["it", "en"])},
)  # fmt: skip
SPOILED = st.tuples(GOOD, st.sampled_from(sorted(FIELDS)), VALUES).map(
    lambda t: {**t[0], t[1]: t[2]}
)
BODIES = st.one_of(
    GOOD,
    SPOILED,
    st.fixed_dictionaries({}, optional=FIELDS),
    st.fixed_dictionaries({}, optional={**FIELDS, "extra": VALUES}),
    st.lists(VALUES, max_size=3),
    VALUES,
)
# What a client can send in a header (aiohttp refuses control characters before sending).
PRINTABLE = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")
HEADER_TEXT = st.text(PRINTABLE, max_size=90)
KEYS = st.none() | st.sampled_from(["k1", "k2", "k3"]) | HEADER_TEXT


class Site:
    """One server on one loop for every example (the engine's and the database's state
    carry over, as on a live center)."""

    def __init__(self, dsn: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.stack = contextlib.AsyncExitStack()
        self.center: Served = self.loop.run_until_complete(
            self.stack.enter_async_context(served(dsn, load_config(CENTER)))
        )
        self.made: set[str] = set()
        self.statuses: dict[int, int] = {}

    def ask(self, method: str, template: str, **kw: Any) -> tuple[int, Any]:
        async def asked() -> tuple[int, Any]:
            async with asyncio.timeout(ANSWER_WITHIN):
                return await self.center.ask(method, template, **kw)

        return self.loop.run_until_complete(asked())

    def close(self) -> None:
        self.loop.run_until_complete(self.center.writer.flush())
        self.loop.run_until_complete(self.stack.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def site(embedded: EmbeddedPostgres) -> Iterator[Site]:
    name = f"fuzz_{uuid.uuid4().hex[:12]}"
    run_async(execute(embedded.dsn(), f'CREATE DATABASE "{name}"'))
    dsn = embedded.dsn(name)
    opened = Site(dsn)
    yield opened
    opened.close()
    print(f"answers by status: {dict(sorted(opened.statuses.items()))}")
    stored = run_async(fetch(dsn, "SELECT call_id FROM callbacks WHERE origin = 'web'"))
    run_async(execute(embedded.dsn(), f'DROP DATABASE "{name}" WITH (FORCE)'))
    assert {r[0] for r in stored} == opened.made  # what the answers said, no more


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=BODIES, key=KEYS, token=st.sampled_from(["sito", "sito", "altro", "prometheus", ""]),
       later=st.integers(0, 3))  # fmt: skip
def test_any_request_gets_its_described_answer_and_stores_only_what_it_says(
    site: Site, body: Any, key: str | None, token: str, later: int
) -> None:
    site.center.clock[0] += timedelta(hours=later)  # the daily limits come and go
    status, answer = site.ask("POST", CALLBACKS, body=body, key=key, token=token)
    assert status < 500, (status, answer, body)
    site.statuses[status] = site.statuses.get(status, 0) + 1
    if status == 201:
        site.made.add(answer["id"])
    if status in (200, 201):
        again, seen = site.ask("GET", ONE, token=token, callback=answer["id"])
        assert (again, seen["id"]) == (200, answer["id"])
