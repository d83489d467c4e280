"""A hand-built history for the reports' tests: contacts, agents' state changes and IVR
sessions, written to a real PostgreSQL through the store's own writers.

The center is ``tests/e2e/reports.yaml`` (Europe/Rome): the URP with the center's rule
(T 20 s, short abandons under 5 s, answered within T / (answered + abandoned after S)),
Informagiovani with its own (T 30 s, answered within T / answered). The figures each test
expects are worked out by hand beside it, from the comments here.

Friday 2025-10-24 (CEST, +02:00), URP, 09:00-10:00:
    c1  waits exactly 20 s (within T), talks 100 s, agent1; agent1's wrap-up 10 s
    c2  waits 20.5 s (not within), talks 200 s, agent2; agent2's wrap-up 30 s
    c3  hangs up after 4.9 s: a short abandon
    c4  hangs up after exactly 5 s: a long abandon (S itself is not short)
    c5  hangs up after 60 s
    c6  overflows to Informagiovani, answered there after 40 s (counted for the URP, as
        overflowed; not offered to Informagiovani)
    c7  sent to voicemail after 600 s
    c8  enters 09:59:50, answered 10:00:05 (15 s), talks to 10:03:05: counted at 09:00;
        agent1 goes back to ready the instant it ends (no wrap-up)
    11:00 c9  answered after 10 s in the URP, then transferred to Informagiovani: answered
        in the URP; talks 300 s (from the first answer to the end), agent3
    12:00 c12 answered, still talking (not finished): left out
    08:00 c13 only in the IVR (self-service): left out
Informagiovani, 14:00: c10 waits exactly 30 s (within its T), talks 50 s; 14:05 c11 hangs
up after 100 s.

Sunday 2025-10-26, the clocks go back at 03:00 CEST to 02:00 CET (a 25-hour day), URP:
    d1  enters 02:30 +02:00, answered after 10 s, talks 60 s
    d2  enters 02:30 +01:00 (an hour later), hangs up after 30 s
    d3  enters 02:45 +01:00, answered after 25 s, talks 40 s
    d4  enters 23:30 +01:00 (22:30 UTC: still the 26th), answered after 5 s, talks 20 s

Agents (local time, the 24th): agent1 logs in 08:55 (paused "login"), ready 09:00, rings
09:00:15, talks 09:00:20-09:02:00 (c1), wrap-up to 09:02:10, ready, rings 09:59:55, talks
10:00:05-10:03:05 (c8), ready at once, logs out 12:00; logs in 23:00 (paused "login"),
ready 23:00:30, pauses for a "break" 23:30 to 00:30 on the 25th (across midnight), ready,
logs out 00:45. agent2: ready 09:05 (nothing known before), rings 09:10:15, talks
09:10:20.5-09:13:40.5 (c2), wrap-up to 09:14:10.5, ready, "back office" 09:30, logs out 10:00.
On the 26th (the clocks go back) agent2 logs in 02:20 +02:00 (paused "login"), ready 02:25,
rings 02:30:05, talks 02:30:10-02:31:10 (d1), ready, a "break" from 02:50 +02:00 to 02:40
+01:00 (across the hour that comes twice: 50 minutes), ready, talks 02:45:25-02:46:05 +01:00
(d3), ready, logs out 03:30 +01:00.

IVR sessions on the 24th: two queued (it, en), two hung up at main/menu (it), one
resolved in self-service after going to the acts tree (left at acts/acts-done, it), one at
main/info (en); one on the 23rd, outside the period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from acd.core.contact import Contact
from acd.store.ivr import IvrStore
from acd.store.store import Store
from ivr.walk import SavedWalk, Visit

CENTER = Path(__file__).parent / "e2e" / "reports.yaml"
ROME = ZoneInfo("Europe/Rome")


def rome(day: int, hour: int, minute: int, second: float = 0, fold: int = 0) -> datetime:
    """A local time in October 2025, as an instant in UTC (arithmetic on it is exact)."""
    whole = int(second)
    local = datetime(2025, 10, day, hour, minute, whole, round((second - whole) * 1e6),
                     tzinfo=ROME, fold=fold)  # fmt: skip
    return local.astimezone(UTC)


def queued(
    cid: str,
    entered: datetime,
    wait: float,
    outcome: str,
    talk: float | None = None,
    path: tuple[str, ...] = ("urp",),
    agent: str | None = None,
    answered_in: str | None = None,
    finished: bool = True,
) -> Contact:
    """A contact that entered ``path[0]``'s queue; answered when ``talk`` is given."""
    answered = entered + timedelta(seconds=wait) if talk is not None else None
    end = (answered + timedelta(seconds=talk)) if answered and talk is not None else None
    ended = (end or entered + timedelta(seconds=wait)) if finished else None
    where = answered_in or (path[-1] if answered else None)
    return Contact(cid, "3330000000", "0590000000", entered - timedelta(seconds=20), ("1",),
                   path[-1], entered, answered, ended, agent, outcome, path, None,
                   where)  # fmt: skip


ON_TO_GIOVANI = ("urp", "informagiovani")  # overflowed, or transferred after the answer
CONTACTS = (
    queued("c1", rome(24, 9, 0), 20, "answered", 100, agent="agent1"),
    queued("c2", rome(24, 9, 10), 20.5, "answered", 200, agent="agent2"),
    queued("c3", rome(24, 9, 20), 4.9, "abandoned"),
    queued("c4", rome(24, 9, 30), 5, "abandoned"),
    queued("c5", rome(24, 9, 40), 60, "abandoned"),
    queued("c6", rome(24, 9, 50), 40, "answered", 60, ON_TO_GIOVANI, "agent4"),
    queued("c7", rome(24, 9, 55), 600, "voicemail"),
    queued("c8", rome(24, 9, 59, 50), 15, "answered", 180, agent="agent1"),
    queued("c9", rome(24, 11, 0), 10, "answered", 300, ON_TO_GIOVANI, "agent3", answered_in="urp"),
    queued("c12", rome(24, 12, 0), 8, "answered", 60, agent="agent5", finished=False),
    Contact("c13", "3330", "0590", rome(24, 8, 0), ended_at=rome(24, 8, 2), outcome="self-service"),
    queued("c10", rome(24, 14, 0), 30, "answered", 50, ("informagiovani",), "agent5"),
    queued("c11", rome(24, 14, 5), 100, "abandoned", path=("informagiovani",)),
    queued("d1", rome(26, 2, 30), 10, "answered", 60, agent="agent2"),
    queued("d2", rome(26, 2, 30, fold=1), 30, "abandoned"),
    queued("d3", rome(26, 2, 45, fold=1), 25, "answered", 40, agent="agent2"),
    queued("d4", rome(26, 23, 30), 5, "answered", 20, agent="agent2"),
)

STATES = (
    ("agent1", "paused", "login", rome(24, 8, 55)),
    ("agent1", "ready", "", rome(24, 9, 0)),
    ("agent1", "ringing", "", rome(24, 9, 0, 15)),
    ("agent1", "on_call", "", rome(24, 9, 0, 20)),
    ("agent1", "wrap_up", "", rome(24, 9, 2)),
    ("agent1", "ready", "", rome(24, 9, 2, 10)),
    ("agent1", "ringing", "", rome(24, 9, 59, 55)),
    ("agent1", "on_call", "", rome(24, 10, 0, 5)),
    ("agent1", "wrap_up", "", rome(24, 10, 3, 5)),
    ("agent1", "ready", "", rome(24, 10, 3, 5)),
    ("agent1", "logged_out", "", rome(24, 12, 0)),
    ("agent1", "paused", "login", rome(24, 23, 0)),
    ("agent1", "ready", "", rome(24, 23, 0, 30)),
    ("agent1", "paused", "break", rome(24, 23, 30)),
    ("agent1", "ready", "", rome(25, 0, 30)),
    ("agent1", "logged_out", "", rome(25, 0, 45)),
    ("agent2", "ready", "", rome(24, 9, 5)),
    ("agent2", "ringing", "", rome(24, 9, 10, 15)),
    ("agent2", "on_call", "", rome(24, 9, 10, 20.5)),
    ("agent2", "wrap_up", "", rome(24, 9, 13, 40.5)),
    ("agent2", "ready", "", rome(24, 9, 14, 10.5)),
    ("agent2", "paused", "back office", rome(24, 9, 30)),
    ("agent2", "logged_out", "", rome(24, 10, 0)),
    ("agent2", "paused", "login", rome(26, 2, 20)),
    ("agent2", "ready", "", rome(26, 2, 25)),
    ("agent2", "ringing", "", rome(26, 2, 30, 5)),
    ("agent2", "on_call", "", rome(26, 2, 30, 10)),
    ("agent2", "ready", "", rome(26, 2, 31, 10)),
    ("agent2", "paused", "break", rome(26, 2, 50)),
    ("agent2", "ready", "", rome(26, 2, 40, fold=1)),
    ("agent2", "on_call", "", rome(26, 2, 45, 25, fold=1)),
    ("agent2", "ready", "", rome(26, 2, 46, 5, fold=1)),
    ("agent2", "logged_out", "", rome(26, 3, 30)),
)


def walk(cid: str, start: datetime, steps: list[tuple[str, str]], outcome: str,
         language: str) -> SavedWalk:  # fmt: skip
    visits = tuple(Visit(tree, node, start + timedelta(seconds=5 * i))
                   for i, (tree, node) in enumerate(steps))  # fmt: skip
    return SavedWalk(cid, steps[0][0], language, visits, outcome, steps[-1][1],
                     start + timedelta(seconds=5 * len(steps)))  # fmt: skip


MENU = [("main", "welcome"), ("main", "menu")]
TO_ACTS = [("acts", "act-number"), ("acts", "acts-done")]  # (a goto to the acts tree)
WALKS = (
    walk("c1", rome(24, 8, 59, 30), [*MENU, ("main", "to-urp")], "queued", "it"),
    walk("c2", rome(24, 9, 9, 30), [*MENU, ("main", "to-urp")], "queued", "en"),
    walk("i1", rome(24, 10, 0), MENU, "ivr-hangup", "it"),
    walk("i2", rome(24, 11, 0), MENU, "ivr-hangup", "it"),
    walk("c13", rome(24, 8, 0), [*MENU, *TO_ACTS], "self-service", "it"),
    walk("i3", rome(24, 15, 0), [*MENU, ("main", "info")], "self-service", "en"),
    walk("i4", rome(23, 15, 0), MENU, "ivr-hangup", "it"),  # the day before: left out
)


async def load(dsn: str) -> None:
    """Write the whole history to the database at ``dsn`` (migrated on connect)."""
    store = await Store.connect(dsn)
    try:
        for contact in CONTACTS:
            await store.save_contact(contact)
        for agent, state, reason, at in STATES:
            await store.record_agent_state(agent, state, reason, at)
        ivr = IvrStore(store.pool)
        for saved in WALKS:
            await ivr.save_walk(saved)
    finally:
        await store.close()
