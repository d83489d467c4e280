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

Tuesday 2025-10-28 (CET, +01:00), callbacks (``callbacks``, ``callback_attempts``): each asked
for a few minutes after its caller entered the queue; "reached" is the citizen's answer.
URP:
    b1  asked 10:03, answered at the first call out (agent1), reached 10:20:15 (1035 s)
    b2  asked 10:08, busy 10:30, no answer 10:40, answered 10:50:20 (2540 s)
    b3  asked 10:12, busy, busy, then the service's message: callback-message
    b4  asked 10:15, its number not allowed by the trunk: callback-refused
    b5  asked 10:20, the agent left while the citizen's phone rang, then cancelled
    b6  asked 11:00, no answer once, still pending
    b7  asked 11:30, answered, reached 11:35 (300 s)
    b8  asked 23:50, answered after midnight, reached 00:10 on the 29th (1200 s)
    b9  asked 00:05 on the 29th (after the day), pending
  Answered on the line (no callback): l1, l2, l3 (finished) and l6 (still talking); l4
  abandoned; l5 overflowed from the URP, answered in Informagiovani. b1 and b2 are contacts
  answered too (their citizen's answer), not on the line.
Informagiovani: g1 asked 14:00, no answer three times: callback-failed; g2 asked 14:10,
answered, reached 14:20 (600 s).

IVR sessions on the 24th: two queued (it, en), two hung up at main/menu (it), one
resolved in self-service after going to the acts tree (left at acts/acts-done, it), one at
main/info (en); one on the 23rd, outside the period.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from acd.core.callback import (
    AttemptRecord,
    AttemptResult,
    CallbackOutcome,
    CallbackRecord,
    CallbackState,
)
from acd.core.contact import Contact
from acd.store.callbacks import SaveCallbackAttemptOp, SaveCallbackOp
from acd.store.ivr import IvrStore
from acd.store.store import Store, Write
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


def callback(
    cid: str,
    asked: datetime,
    outcome: CallbackOutcome | None,
    *attempts: tuple[AttemptResult, float],
    service: str = "urp",
) -> tuple[CallbackRecord, list[AttemptRecord]]:
    """A callback asked for at ``asked`` and its calls out: (result, minutes after the
    request when it ended: for an answered one, the citizen's answer); each rang 20 s."""
    calls = [AttemptRecord(cid, n, None if result is AttemptResult.MESSAGE else "agent1",
                           asked + timedelta(minutes=after, seconds=-20),
                           asked + timedelta(minutes=after), result)
             for n, (result, after) in enumerate(attempts, 1)]  # fmt: skip
    ended = calls[-1].ended_at if calls and outcome is not None else asked
    state = CallbackState.DONE if outcome is not None else CallbackState.DEFERRED
    over = ended + timedelta(minutes=5) if outcome is not None else None
    record = CallbackRecord(cid, service, "3330000000", "it", 0.0, "", asked, state,
                            len(calls), None, "agent1" if calls else None, outcome,
                            over)  # fmt: skip
    return record, calls


_A, _O = AttemptResult, CallbackOutcome
CALLBACKS = (
    callback("b1", rome(28, 10, 3), _O.ANSWERED, (_A.ANSWERED, 17.25)),
    callback("b2", rome(28, 10, 8), _O.ANSWERED, (_A.BUSY, 22), (_A.NO_ANSWER, 32.5),
             (_A.ANSWERED, 42 + 20 / 60)),
    callback("b3", rome(28, 10, 12), _O.MESSAGE_LEFT, (_A.BUSY, 10), (_A.BUSY, 20),
             (_A.MESSAGE, 30)),
    callback("b4", rome(28, 10, 15), _O.REFUSED, (_A.NOT_ALLOWED, 5)),
    callback("b5", rome(28, 10, 20), _O.CANCELLED, (_A.AGENT_LEFT, 5)),
    callback("b6", rome(28, 11, 0), None, (_A.NO_ANSWER, 10)),
    callback("b7", rome(28, 11, 30), _O.ANSWERED, (_A.ANSWERED, 5)),
    callback("b8", rome(28, 23, 50), _O.ANSWERED, (_A.ANSWERED, 20)),
    callback("b9", rome(29, 0, 5), None),
    callback("g1", rome(28, 14, 0), _O.FAILED, (_A.NO_ANSWER, 10), (_A.NO_ANSWER, 20),
             (_A.NO_ANSWER, 30), service="informagiovani"),
    callback("g2", rome(28, 14, 10), _O.ANSWERED, (_A.ANSWERED, 10), service="informagiovani"),
)  # fmt: skip
CALLBACK_DAY_CONTACTS = (
    queued("l1", rome(28, 9, 0), 30, "answered", 120, agent="agent3"),
    queued("l2", rome(28, 9, 10), 40, "answered", 120, agent="agent3"),
    queued("l3", rome(28, 9, 20), 50, "answered", 120, agent="agent3"),
    queued("l4", rome(28, 9, 30), 60, "abandoned"),
    queued("l5", rome(28, 9, 40), 70, "answered", 120, ON_TO_GIOVANI, "agent4"),
    queued("l6", rome(28, 12, 0), 20, "answered", 60, agent="agent3", finished=False),
    queued("b1", rome(28, 10, 0), 20 * 60 + 15, "answered", 300, agent="agent1"),
    queued("b2", rome(28, 10, 5), 45 * 60 + 20, "answered", 300, agent="agent1"),
)


async def load(dsn: str) -> None:
    """Write the whole history to the database at ``dsn`` (migrated on connect)."""
    store = await Store.connect(dsn)
    try:
        for contact in (*CONTACTS, *CALLBACK_DAY_CONTACTS):
            await store.save_contact(contact)
        ops: list[Write] = [SaveCallbackOp(record) for record, _ in CALLBACKS]
        ops += [SaveCallbackAttemptOp(a) for _, calls in CALLBACKS for a in calls]
        await store.write_batch([(f"callback-{i}", op) for i, op in enumerate(ops)])
        for agent, state, reason, at in STATES:
            await store.record_agent_state(agent, state, reason, at)
        ivr = IvrStore(store.pool)
        for saved in WALKS:
            await ivr.save_walk(saved)
    finally:
        await store.close()
