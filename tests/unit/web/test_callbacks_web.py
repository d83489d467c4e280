"""Callbacks from the panel (acd.web.callbacks) on a real aiohttp server and the sample
city's engine: the pending list, a supervisor's cancel and reschedule, an agent's refused on
a callback not its own, bad times refused with nothing changed, each accepted act audited;
the figures of the snapshot, the wallboard and the metrics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from acd.audit import MemoryAudit
from acd.core import commands as c
from acd.core import events as e
from acd.core.callback import AttemptResult
from acd.privacy.numbers import masked
from acd.runtime import Runtime
from acd.web.desk_api import desk_feed
from tests.unit.core.helpers import T0
from tests.unit.web.test_supervision import Client, Telephony, actions, call, run

NUMBER = "3331234567"


async def called_back(runtime: Runtime, call_id: str = "k1") -> None:
    """A citizen on URP asked for a callback and hung up."""
    await runtime.request(e.TelephonyReconnected())
    await runtime.request(e.ChannelsListed(frozenset()))
    await runtime.request(e.CallArrived(call_id, f"PJSIP/citizens-{call_id}", NUMBER, "0592"))
    await runtime.request(e.CallerEntered(call_id, "urp"))
    await runtime.request(e.CallbackRequested(call_id, NUMBER))
    await runtime.request(e.HungUp(call_id))


def test_a_supervisor_lists_reschedules_and_cancels_a_callback() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        await called_back(runtime)
        status, body = await call(client, "sup", "GET", "/api/callbacks")
        [pending] = body["callbacks"]
        assert (status, pending["call_id"], pending["service"]) == (200, "k1", "urp")
        # a supervisor sees numbers masked (privacy.full_numbers_for: admins by default)
        assert (pending["callback"]["number"], pending["callback"]["attempts"]) == (
            masked(NUMBER), 0)  # fmt: skip
        assert pending["caller"] == masked(NUMBER)
        status, page = await call(client, "sup", "GET", "/callbacks")
        assert status == 200
        assert masked(NUMBER) in page
        assert NUMBER not in page
        assert 'type="datetime-local"' in page
        # the wallboard and the snapshot count it
        status, board = await call(client, "sup", "GET", "/api/wallboard")
        urp = next(s for s in board["services"] if s["service"] == "urp")
        assert urp["callbacks_pending"] == 1
        # bad times change nothing
        for at in ("yesterday", "2020-01-01T10:00", (T0 + timedelta(days=31)).isoformat()):
            status, body = await call(client, "sup", "POST", "/api/callbacks/k1/reschedule",
                                      {"at": at})  # fmt: skip
            assert (status, body["error"]) == (400, "bad-time"), body
        assert actions(audit) == []
        # the center's local time (Europe/Rome: UTC+1 in winter) when no offset is given
        status, body = await call(client, "sup", "POST", "/api/callbacks/k1/reschedule",
                                  {"at": "2026-11-30T15:30"})  # fmt: skip
        assert (status, body["at"]) == (200, "2026-11-30T15:30:00+01:00")
        view = runtime.engine.call_view("k1")
        assert view is not None
        assert view.callback is not None
        assert view.callback.due is not None
        assert view.callback.due.isoformat() == "2026-11-30T15:30:00+01:00"
        status, body = await call(client, "sup", "POST", "/api/callbacks/k1/cancel")
        assert status == 200
        assert (await call(client, "sup", "GET", "/api/callbacks"))[1]["callbacks"] == []
        status, body = await call(client, "sup", "POST", "/api/callbacks/k1/cancel")
        assert (status, body["error"]) == (404, "not-a-callback")
        assert actions(audit) == [
            ("supervisore", "callback.reschedule", "call", "k1"),
            ("supervisore", "callback.cancel", "call", "k1"),
        ]

    run(scenario)


def test_an_agent_may_not_touch_a_callback_it_never_tried() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        await called_back(runtime)
        status, body = await call(client, "anna", "POST", "/api/agents/agent1/callbacks/k1/cancel")
        assert (status, body["error"]) == (403, "not-yours")
        status, body = await call(client, "anna", "POST", "/api/callbacks/k1/cancel")
        assert status == 403  # the supervisors' route
        status, me = await call(client, "anna", "GET", "/api/me")
        assert me["desk"]["agent"]["state"] == "logged_out"
        assert runtime.engine.call_view("k1") is not None  # still pending
        assert actions(audit) == []

    run(scenario)


def test_the_wallboard_counts_the_days_callbacks_that_ended() -> None:
    async def scenario(client: Client, runtime: Runtime, _: MemoryAudit, phones: Telephony) -> None:
        await called_back(runtime)
        await runtime.request(e.PhoneRegistered("agent1", "agent1-web"))
        await runtime.request(e.AgentWentReady("agent1"))
        (ring,) = [r for r in runtime.engine.view().rings if r.call_id == "k1"]
        await runtime.request(e.AgentAnswered(ring.ring_id))
        for _try in range(100):  # the outbox hands commands to Asterisk in its own task
            dials = [x for x in phones.sent if isinstance(x, c.DialCitizen)]
            if dials:
                break
            await asyncio.sleep(0.01)
        (dial,) = dials
        await runtime.request(e.CitizenNotReached(dial.leg, AttemptResult.NOT_ALLOWED))
        status, board = await call(client, "sup", "GET", "/api/wallboard")
        urp = next(s for s in board["services"] if s["service"] == "urp")
        assert (status, urp["callbacks_pending"]) == (200, 0)
        assert urp["callbacks_today"] == {"completed": 0, "failed": 1}  # refused: not reached
        other = next(s for s in board["services"] if s["service"] != "urp")
        assert other["callbacks_today"] == {"completed": 0, "failed": 0}


TUESDAY_0830 = "2026-12-01T08:30:00+01:00"  # the URP's next opening after T0 (Monday 10:00)


def test_an_agent_schedules_a_callback_into_one_of_its_services() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        status, body = await call(client, "anna", "GET", "/api/agents/agent1/callbacks/slots")
        # agent1 holds urp and demografici; only urp takes callbacks
        assert (status, [s["service"] for s in body["services"]]) == (200, ["urp"])
        slots = body["services"][0]["slots"]
        assert [s["start"] for s in slots[:2]] == [TUESDAY_0830, "2026-12-02T08:30:00+01:00"]
        assert slots[0]["end"] == "2026-12-01T18:00:00+01:00"
        status, body = await call(client, "anna", "POST", "/api/agents/agent1/callbacks",
                                  {"service": "urp", "number": "333 123 4567",
                                   "at": slots[0]["start"], "note": " certificato di nascita ",
                                   "language": "en"})  # fmt: skip
        assert status == 201, body
        call_id = body["scheduled"]
        assert (call_id.startswith("sched-"), body["at"]) == (True, TUESDAY_0830)
        view = runtime.engine.call_view(call_id)
        assert view is not None
        assert view.callback is not None
        made = view.callback
        assert (made.number, made.origin.value, made.agent_id, made.note) == (
            NUMBER, "agent", "agent1", "certificato di nascita")  # fmt: skip
        assert view.callback.scheduled_for is not None
        assert view.callback.scheduled_for == datetime(2026, 12, 1, 7, 30, tzinfo=UTC)
        # the agent's own, in its feed; the supervisors' list has it, its note withheld
        feed = desk_feed(runtime.engine, runtime.engine.view(), "agent1", T0)
        [mine] = feed["callbacks"]
        assert (mine["callback"]["origin"], mine["callback"]["note"]) == (
            "agent", "certificato di nascita")  # fmt: skip
        [theirs] = (await call(client, "sup", "GET", "/api/callbacks"))[1]["callbacks"]
        assert (theirs["callback"]["note"], theirs["callback"]["has_note"]) == (None, True)
        assert theirs["callback"]["scheduled_for"] == TUESDAY_0830
        status, page = await call(client, "sup", "GET", "/callbacks")
        assert "da un operatore" in page
        assert "(riservata)" in page
        assert "certificato" not in page
        assert "01/12 08:30" in page  # scheduled for, in the center's time
        assert actions(audit) == [("anna", "callback.schedule", "call", call_id)]
        assert "333" not in str(audit.entries[0].detail)  # neither the number nor the note
        assert "certificato" not in str(audit.entries[0].detail)
        # the same number in the same service: refused, the first one's id given back
        status, body = await call(client, "anna", "POST", "/api/agents/agent1/callbacks",
                                  {"service": "urp", "number": "+393331234567",
                                   "at": slots[1]["start"]})  # fmt: skip
        assert (status, body["error"], body["call_id"]) == (409, "already-pending", call_id)
        assert len((await call(client, "sup", "GET", "/api/callbacks"))[1]["callbacks"]) == 1

    run(scenario)


def test_a_bad_scheduling_request_is_refused_with_nothing_made() -> None:
    async def scenario(client: Client, runtime: Runtime, audit: MemoryAudit, _: Telephony) -> None:
        good = {"service": "urp", "number": NUMBER, "at": TUESDAY_0830}
        refused: list[tuple[dict[str, object], int, str]] = [
            ({"service": "demografici"}, 400, "unknown-service"),  # takes no callbacks
            ({"service": "informagiovani"}, 400, "unknown-service"),  # not agent1's
            ({"number": "12"}, 400, "bad-number"),
            ({"number": "059-20"}, 400, "bad-number"),
            ({"number": None}, 400, "bad-number"),
            ({"at": "2026-11-29T10:00"}, 400, "bad-time"),  # in the past
            ({"at": "2026-12-06T10:00"}, 400, "bad-time"),  # a Sunday: the URP is closed
            ({"at": "2027-01-30T10:00"}, 400, "bad-time"),  # more than 30 days ahead
            ({"at": "tomorrow"}, 400, "bad-time"),
            ({"note": "x" * 301}, 400, "note-too-long"),
            ({"note": 7}, 400, "bad-note"),
        ]
        for change, status, code in refused:
            answer = await call(client, "anna", "POST", "/api/agents/agent1/callbacks",
                                {**good, **change})  # fmt: skip
            assert (answer[0], answer[1]["error"]) == (status, code), (change, answer)
        status, _ = await call(client, "anna", "POST", "/api/agents/agent2/callbacks", good)
        assert status == 403  # another agent's: the door refuses
        assert (await call(client, "sup", "GET", "/api/callbacks"))[1]["callbacks"] == []
        assert actions(audit) == []
        status, body = await call(client, "sup", "POST", "/api/agents/agent1/callbacks", good)
        assert status == 201  # a supervisor acting as the agent: the agent's own
        view = runtime.engine.call_view(body["scheduled"])
        assert view is not None
        assert view.callback is not None
        assert view.callback.agent_id == "agent1"

    run(scenario)
