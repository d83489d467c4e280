"""Callbacks from the panel (acd.web.callbacks) on a real aiohttp server and the sample
city's engine: the pending list, a supervisor's cancel and reschedule, an agent's refused on
a callback not its own, bad times refused with nothing changed, each accepted act audited;
the figures of the snapshot, the wallboard and the metrics."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from acd.audit import MemoryAudit
from acd.core import commands as c
from acd.core import events as e
from acd.core.callback import AttemptResult
from acd.privacy.numbers import masked
from acd.runtime import Runtime
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

    run(scenario)
