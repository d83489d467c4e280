"""Callbacks on the real stack (callbacks.yaml, docs/callbacks.md).

Citizens call from 127.0.0.3 over the trunk "citizens"; when they are called back, the
engine's calls out reach a sipp line on 127.0.0.5 (``SippProviderLine``), which answers,
is busy or rings on. A citizen waits past the service's threshold (3 s), hears the offer at
the next announcement, keys 1, hears its own number read back, confirms with 1 and is hung
up on; its call keeps its place in the queue. The agents are sipp phones.

Scheduled callbacks: the IVR's clock and the registry office's opening hours are read at a
fake Wednesday 2 December 2026, 10:00 (``ENGINE_ENV``): a citizen calling 0590000001 hears
"this afternoon, press 1; tomorrow morning, press 2", keys 2 and confirms its number; agent2
schedules one from its panel over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from acd.bootstrap import outbound_policy
from acd.core.callback import result_of_cause
from acd.core.events import CitizenNotReached, HungUp
from acd.privacy.numbers import masked
from acd.telephony.actions import TelephonyActions
from acd.telephony.ami import AmiClient, AmiMessage
from acd.telephony.outbound import DialOut
from acd.telephony.translate import ChannelDirectory, translate
from demo.sipp import (
    KEYS_UNTIL_BYE,
    Answer,
    Behaviour,
    Busy,
    NoAnswer,
    SippAgent,
    SippCaller,
    SippProviderLine,
    traced_messages,
)
from tests.e2e.browser import accessibility_violations, open_page, press, sign_in, type_text
from tests.e2e.rtp import RtpPeer, amplitude
from tests.e2e.stack import SUPERVISOR, Stack, eventually, stop_engine
from tests.e2e.test_calls import agent_phone
from tests.e2e.test_restart import healthy, start
from tests.e2e.web_client import WebClient

pytestmark = pytest.mark.stack
AGENT_HZ, RING_HZ = 600, 425  # the agent's voice; Italy's ringing tone (indications.conf)
HEARD, SILENT = 2000, 300  # a tone's amplitude (of 8000 sent) heard / not heard

CENTER = Path(__file__).with_name("callbacks.yaml")
FAKE_NOW = datetime.fromisoformat("2026-12-02T10:00:00+01:00")  # a Wednesday, open
ENGINE_ENV = {"CENTRALINO_FAKE_NOW": FAKE_NOW.isoformat()}  # the IVR's and the hours' clock
BOOKING_NUMBER = "0590000001"  # callbacks.yaml's tree "later": the schedule_callback node
CITIZENS, LINE, LINE_PORT = "127.0.0.3", "127.0.0.5", 35070  # callbacks.yaml's trunk
PANEL_PASSWORD = "a desk by the window"
KEYING = [(1.0, "1")] + [(0.5, "1")] * 150  # "1" every half second, for 75 s at most


def accepting(stack: Stack, number: str) -> SippCaller:
    """A citizen who accepts the offer and confirms its own number (it keys 1 until the
    dialogue hangs up on it: the moment of the offer is not the citizen's to know)."""
    return SippCaller(stack.number, stack.cfg.ports.sip, dtmf=KEYING, caller=number,
                      local_ip=CITIZENS, scenario=KEYS_UNTIL_BYE)  # fmt: skip


def waiting_caller(stack: Stack, number: str, hangup_after: float | None = None) -> SippCaller:
    """A citizen who keys nothing: it waits in line (and lets every offer pass)."""
    return SippCaller(stack.number, stack.cfg.ports.sip, caller=number, local_ip=CITIZENS,
                      hangup_after=hangup_after)  # fmt: skip


def line(behaviour: Behaviour) -> SippProviderLine:
    """The citizens' phones, as the trunk's calls out reach them."""
    return SippProviderLine(LINE, LINE_PORT, behaviour)


def callback_row(stack: Stack, number: str) -> Any:
    rows = stack.query("select * from callbacks where number = $1", number)
    return rows[0] if rows else None


def attempts(stack: Stack, number: str) -> list[str]:
    rows = stack.query(
        "select a.result from callback_attempts a join callbacks c using (call_id) "
        "where c.number = $1 order by a.id", number)  # fmt: skip
    return [r["result"] for r in rows]


def queued(stack: Stack, call_id: str) -> dict[str, Any] | None:
    calls = [c for q in stack.snapshot()["queues"] for c in q["calls"]]
    return next((c for c in calls if c["call_id"] == call_id), None)


def agent(stack: Stack, agent_id: str) -> dict[str, Any]:
    return next(a for a in stack.snapshot()["agents"] if a["id"] == agent_id)


@contextlib.contextmanager
def called_back_pending(stack: Stack, number: str) -> Iterator[Any]:
    """``number`` accepted a callback and hung up: its stored row, pending."""
    stack.log_out_everyone()  # (an agent a test left ready has no phone now)
    with accepting(stack, number) as citizen:
        result = citizen.wait(timeout=90)
    try:
        row = eventually(lambda: _pending(stack, number), 15, "the pending callback")
    except AssertionError:
        contact = stack.query("select * from contacts where caller_number = $1", number)
        raise AssertionError(f"no callback: {result}; contact {contact}") from None
    yield row


def _pending(stack: Stack, number: str) -> Any:
    row = callback_row(stack, number)
    return row if row is not None and row["state"] == "waiting" else None


def bridged_pair(stack: Stack, agent_id: str) -> tuple[str, str] | None:
    """The agent's leg and a citizen's leg of the trunk in one bridge, if there are."""
    table = stack.asterisk().cli("core show channels concise")
    bridges: dict[str, list[str]] = {}
    for fields in (line.split("!") for line in table.splitlines()):
        if len(fields) > 12 and fields[12]:
            bridges.setdefault(fields[12], []).append(fields[0])
    for channels in bridges.values():
        ours = [c for c in channels if c.startswith(f"PJSIP/{agent_id}-")]
        theirs = [c for c in channels if c.startswith("PJSIP/citizens-")]
        if ours and theirs:
            return ours[0], theirs[0]
    return None


@pytest.mark.parametrize(("behaviour", "result"), [(Busy(ring_seconds=0.5), "busy"),
                                                   (Busy(ring_seconds=0.0), "busy"),
                                                   (NoAnswer(), "no-answer")])  # fmt: skip
def test_a_call_out_not_reached_is_translated_as_the_core_reads_it(
    stack: Stack, behaviour: Behaviour, result: str
) -> None:
    """What Asterisk says of a call out refused with 486, or not answered in its ring time
    (the leg's events and its OriginateResponse), through ``translate`` as the engine
    calls it (with its channel directory) and the core's reading of a hang-up."""
    leg = f"out-{time.time_ns()}"
    with line(behaviour):
        events = _dial_out(stack, DialOut("citizens", "3331119999", leg, ring_seconds=3), leg)
    directory, results, said = ChannelDirectory(), [], []
    for ev in events:
        directory.feed(ev)
        if ev.get("Uniqueid") != leg and leg not in ev.get("ActionID", ""):
            continue
        said.append((ev.get("Event"), ev.get("Cause-txt"), ev.get("Reason")))
        core = translate(ev, directory.seen)
        if isinstance(core, CitizenNotReached):
            results.append(core.result.value)
        elif isinstance(core, HungUp):
            results.append(result_of_cause(core.cause).value)
    assert results[:1] == [result], said


def _dial_out(stack: Stack, call: DialOut, leg: str) -> list[AmiMessage]:
    """``dial_out`` over an AMI connection of the test's own: the events until the leg's
    Hangup (10 s at most), and a second more (an OriginateResponse after it)."""
    events: list[AmiMessage] = []

    async def run() -> None:
        done = asyncio.Event()

        def on_event(event: AmiMessage) -> None:
            events.append(event)
            if event.get("Event") == "Hangup" and event.get("Uniqueid") == leg:
                done.set()

        client = AmiClient("127.0.0.1", stack.cfg.ports.ami, "centralino",
                           stack.asterisk().ami_secret, on_event=on_event)  # fmt: skip
        await client.start()
        actions = TelephonyActions(client, ChannelDirectory(), lambda _: None,
                                   outbound=outbound_policy(stack.cfg))  # fmt: skip
        try:
            await client.wait_connected(10)
            await actions.dial_out(call)
            await asyncio.wait_for(done.wait(), 10)
            await asyncio.sleep(1)
        finally:
            await actions.close()
            await client.close()

    asyncio.run(run())
    return events


def ended_today(stack: Stack) -> dict[str, int]:
    """The wallboard's callbacks of the URP ended today: completed, failed."""
    status, board = stack.api("GET", "/api/wallboard")
    assert status == 200
    (urp,) = [s for s in board["services"] if s["service"] == "urp"]
    return dict(urp["callbacks_today"])


def test_an_accepted_callback_is_served_first_and_bridged_with_the_citizen(stack: Stack) -> None:
    first, later = "3331110001", "3331110002"
    before = ended_today(stack)
    with called_back_pending(stack, first) as pending:
        assert pending["attempts"] == 0
        with waiting_caller(stack, later, hangup_after=80) as behind:
            eventually(lambda: _waiting_number(stack, later), 30, "the later caller in line")
            place = queued(stack, pending["call_id"])
            assert place is not None
            assert place["position"] == 1  # the callback kept its place, ahead of the later
            phone = agent_phone(stack, "agent1", Answer(ring_seconds=0.3, talk_seconds=6))
            with line(Answer(ring_seconds=0.5)), phone:
                stack.ready("agent1")
                pair = eventually(lambda: bridged_pair(stack, "agent1"), 20, "the bridge")
                assert pair is not None
                # served first: the later caller still waits while the callback talks
                assert _waiting_number(stack, later)
                done = eventually(lambda: _ended(stack, first), 30, "the callback's end")
                behind.wait(timeout=60)  # then the later caller is answered
    assert done["outcome"] == "answered"
    contact = eventually(lambda: stack.contact(first), 15, "the callback's contact")
    assert (contact["outcome"], contact["agent_id"]) == ("answered", "agent1")
    assert attempts(stack, first) == ["answered"]
    later_row = eventually(lambda: stack.contact(later), 30, "the later caller's contact")
    assert later_row["answered_at"] > contact["answered_at"]
    assert ended_today(stack) == {**before, "completed": before["completed"] + 1}  # wallboard


def test_the_agent_hears_the_ringing_tone_while_the_citizen_is_called_then_the_citizen(
    stack: Stack,
) -> None:
    """The agent's leg hears Italy's ringing tone (425 Hz, a second on and four off) while the
    citizen's phone rings 3 s; after the bridge the citizen (whose phone echoes the agent's
    own 600 Hz back), and over a whole cadence of 5 s no more ringing."""
    number = "3331110030"
    port = agent_phone(stack, "agent1", Answer()).port  # (not started: its port only)
    phone, citizen = Answer(ring_seconds=0.3, talk_seconds=14), Answer(ring_seconds=3)
    with (
        called_back_pending(stack, number),
        RtpPeer("agent", AGENT_HZ) as ears,
        SippAgent("agent1", port, phone, rtp_port=ears.port),
        line(citizen),
    ):
        stack.ready("agent1")
        heard = eventually(lambda: ears.heard[0][0] if ears.heard else None, 30, "audio")
        eventually(lambda: bridged_pair(stack, "agent1"), 30, "the bridge")
        bridged = time.monotonic()
        time.sleep(6)
        ringing = ears.loudness(RING_HZ, heard + 0.1, heard + 0.9)  # its first second
        after = sorted(amplitude(p, RING_HZ) for t, p in ears.heard if bridged < t < bridged + 6)
        loudest_after = after[len(after) * 9 // 10]  # (the 600 Hz leaks some 800 in)
        voice = ears.loudness(AGENT_HZ, bridged + 1, bridged + 6)
        print(f"the agent heard {RING_HZ} Hz at {ringing:.0f} while the citizen's phone rang, "
              f"{loudest_after:.0f} (90th percentile) after the bridge; its own voice back from "
              f"the citizen at {voice:.0f}")  # fmt: skip
        eventually(lambda: _ended(stack, number), 30, "the callback's end")
    assert bridged - heard > 2  # from the agent's answer, before the citizen's
    assert ringing > HEARD
    assert loudest_after < HEARD / 2
    assert voice > HEARD


@pytest.mark.parametrize(("number", "behaviour", "result"),
                         [("3331110003", Busy(ring_seconds=0.5), "busy"),
                          ("3331110013", NoAnswer(), "no-answer")])  # fmt: skip
def test_a_citizen_not_reached_frees_the_agent_at_once_and_is_retried_after_the_spacing(
    stack: Stack, number: str, behaviour: Behaviour, result: str
) -> None:
    """Busy, or ringing out its 5 s (callbacks.yaml) unanswered: the agent is ready again at
    once, and the next attempt, 5 s later, is answered and bridged. (The agent stays on
    longer than the citizen's phone rings: an agent who hangs up first ends the attempt as
    ``agent-left``.)"""
    phone = agent_phone(stack, "agent1", Answer(ring_seconds=0.3, talk_seconds=8))
    with called_back_pending(stack, number), phone:
        with line(behaviour):
            stack.ready("agent1")
            eventually(lambda: attempts(stack, number) == [result], 30, f"a {result} attempt")
            freed = time.monotonic()
            eventually(lambda: agent(stack, "agent1")["state"] == "ready", 5, "agent freed")
            assert time.monotonic() - freed < 3  # no wrap-up, no waiting
        with line(Answer(ring_seconds=0.5)):  # within the 5 s of spacing
            eventually(lambda: bridged_pair(stack, "agent1"), 30, "the second attempt")
            row = eventually(lambda: _ended(stack, number), 30, "the callback's end")
    assert attempts(stack, number) == [result, "answered"]
    assert row["outcome"] == "answered"
    tried = stack.query(
        "select a.started_at from callback_attempts a join callbacks c using (call_id) "
        "where c.number = $1 order by a.id", number)  # fmt: skip
    assert (tried[1]["started_at"] - tried[0]["started_at"]).total_seconds() >= 5


def test_every_attempt_failed_the_last_call_leaves_the_message(stack: Stack) -> None:
    """Two attempts busy, 5 s apart (callbacks.yaml), then one more call with no agent: the
    citizen's phone answers, hears the service's message and is hung up on."""
    number = "3331110008"
    before = ended_today(stack)
    phone = agent_phone(stack, "agent1", Answer(ring_seconds=0.3, talk_seconds=4))
    with called_back_pending(stack, number), phone:
        with line(Busy(ring_seconds=0.3)):
            stack.ready("agent1")
            eventually(lambda: attempts(stack, number) == ["busy", "busy"], 40, "two attempts")
        with line(Answer(ring_seconds=0.3)) as citizen:
            row = eventually(lambda: _ended(stack, number), 30, "the message left")
            time.sleep(5)  # (ended at the answer: the message plays on, then the hang-up)
        assert citizen.result is not None
        byes = [m for m in traced_messages(citizen.result.messages)
                if m.received and m.text.startswith("BYE")]  # fmt: skip
        assert byes, "the dialplan hangs up after the message"
    assert row["outcome"] == "callback-message"
    assert attempts(stack, number) == ["busy", "busy", "message"]
    agents = stack.query(
        "select a.agent_id from callback_attempts a join callbacks c using (call_id) "
        "where c.number = $1 order by a.id", number)  # fmt: skip
    assert [a["agent_id"] for a in agents] == ["agent1", "agent1", None]  # none on the last
    assert ended_today(stack) == {**before, "failed": before["failed"] + 1}  # the wallboard's


@pytest.mark.browser
def test_the_agents_panel_pops_the_callback_and_cancels_its_own_by_keyboard(stack: Stack) -> None:
    """The agent's screen pop says "Richiamata a ..." while its phone rings; the citizen is
    busy, so the callback is the agent's own: listed on its panel, cancelled there with the
    keyboard (focus, Enter). Both states axe-core clean."""
    number = "3331110006"
    stack.add_account("anna", "agent", PANEL_PASSWORD, agent="agent1")
    title = "document.getElementById('pop-title').textContent"
    mine = f"document.querySelector('#my-callbacks tr[data-call] th')?.textContent === '{number}'"
    cancel = "document.querySelector('#my-callbacks tr[data-call] button')"

    async def scenario() -> None:
        async with open_page(stack.web + "/login") as page:
            await sign_in(page, "anna", PANEL_PASSWORD)
            await page.wait_for("document.getElementById('state').dataset.state === 'logged_out'")
            await asyncio.to_thread(stack.ready, "agent1")
            assert await page.wait_for(f"{title} === 'Richiamata a {number}'", 30)
            # a kept place: its wait on the line before it asked is shown
            assert not await page.evaluate("document.getElementById('pop-waited-on-line').hidden")
            # a pause asked while it rings: made once the attempt is over (no retry rings it)
            await asyncio.to_thread(stack.api, "POST", "/api/agents/agent1/pause", {})
            assert await page.wait_for("!document.getElementById('pop-attempts').hidden")
            assert await accessibility_violations(page) == []
            await page.wait_for(f"{mine}", 30)  # busy: the agent's own, listed
            assert await page.wait_for(
                "document.getElementById('state').dataset.state === 'paused'"
            )
            assert await accessibility_violations(page) == []
            await page.evaluate(f"{cancel}.focus(); true")
            assert await page.evaluate(f"document.activeElement === {cancel}")
            await press(page, "Enter")
            assert await page.wait_for("document.getElementById('my-callbacks').hidden", 15)
            said = "document.getElementById('my-callbacks-result').textContent"
            assert await page.evaluate(said) == "Richiamata annullata."

    phone = agent_phone(stack, "agent1", Answer(ring_seconds=3, talk_seconds=4))
    with called_back_pending(stack, number), phone, line(Busy(ring_seconds=0.5)):
        asyncio.run(scenario())
    row = eventually(lambda: _ended(stack, number), 15, "the cancelled callback")
    assert (row["outcome"], row["agent_id"]) == ("callback-cancelled", "agent1")
    assert attempts(stack, number) == ["busy"]
    contact = eventually(lambda: stack.contact(number), 15, "its contact")
    assert contact["outcome"] == "callback-cancelled"


@pytest.mark.browser
def test_the_supervisors_page_lists_and_cancels_any_callback(stack: Stack) -> None:
    number = "3331110007"
    cancel = "document.querySelector('#callbacks button.cancel')"

    async def scenario() -> None:
        async with open_page(stack.web + "/login") as page:
            await sign_in(page, *SUPERVISOR)
            await page.call("Page.navigate", url=stack.web + "/callbacks")
            await page.wait_for("document.getElementById('callbacks') !== null")
            row = "document.querySelector('#callbacks tbody th').textContent"
            assert await page.evaluate(row) == masked(number)  # a supervisor's view
            assert await accessibility_violations(page) == []
            await page.evaluate(f"{cancel}.focus(); true")
            await press(page, "Enter")
            assert await page.wait_for(
                "document.getElementById('callbacks-result').textContent === 'Richiamata "
                "annullata.'", 15)  # fmt: skip
            assert await page.evaluate("document.getElementById('callbacks-none') !== null")
            assert await accessibility_violations(page) == []

    with called_back_pending(stack, number):
        asyncio.run(scenario())
    row = eventually(lambda: _ended(stack, number), 15, "the cancelled callback")
    assert row["outcome"] == "callback-cancelled"
    audit = stack.query("select actor, action from audit_log where target_id = $1",
                        row["call_id"])  # fmt: skip
    assert [(a["actor"], a["action"]) for a in audit] == [(SUPERVISOR[0], "callback.cancel")]


def booking(stack: Stack, number: str) -> SippCaller:
    """A citizen on the booking line who keys 2 during the first phrase (the second slot),
    then 1 every half second (its own number confirmed) until it is hung up on."""
    return SippCaller(BOOKING_NUMBER, stack.cfg.ports.sip, dtmf=[(1.0, "2"), *KEYING[1:]],
                      caller=number, local_ip=CITIZENS, scenario=KEYS_UNTIL_BYE)  # fmt: skip


def test_a_caller_books_a_slot_in_the_ivr_and_its_callback_waits_for_it(stack: Stack) -> None:
    """Wednesday 10:00 (fake): the next slots are this afternoon (14:00) and tomorrow morning
    (Thursday 08:00); the second is chosen. The callback is pending (origin ivr), to enter
    the registry office's queue at Thursday 08:00 on the IVR's clock: the engine's clock is
    not faked, so it is stored as that time less the shift, the engine's start plus 22 h."""
    number = "3331110020"
    with booking(stack, number) as citizen:
        result = citizen.wait(timeout=90)  # (its last digit may cross the far end's BYE)
    try:
        row = eventually(lambda: callback_row(stack, number), 15, "the booked callback")
    except AssertionError:
        raise AssertionError(f"nothing booked: {result}") from None
    assert (row["state"], row["origin"], row["service"]) == ("deferred", "ivr", "anagrafe")
    contact = eventually(lambda: stack.contact(number), 15, "the caller's contact")
    assert row["call_id"] == "sched-" + contact["contact_id"]
    assert contact["outcome"] == "callback-scheduled"
    steps = stack.query("select node, entered, result from ivr_steps where contact_id = $1",
                        contact["contact_id"])  # fmt: skip
    assert [(s["node"], s["entered"], s["result"]) for s in steps] == [("book", "2", "scheduled")]
    tomorrow_8 = datetime.fromisoformat("2026-12-03T08:00:00+01:00")
    engine_start = row["scheduled_for"] - (tomorrow_8 - FAKE_NOW)  # where the fake time began
    assert timedelta(0) <= row["requested_at"] - engine_start < timedelta(minutes=30)
    assert row["due"] == row["scheduled_for"]  # aside until then
    # the same number again: "one is already booked", the node's fallback; nothing new
    with booking(stack, number) as again:
        again.wait(timeout=90)
    rows = eventually(lambda: _contacts(stack, number, 2), 15, "the second call's contact")
    assert rows[-1]["outcome"] == "closed"
    assert [r["call_id"] for r in stack.query("select call_id from callbacks where number = $1",
                                              number)] == [row["call_id"]]  # fmt: skip
    assert number not in stack.log.read_text()  # the number never in the engine's log
    assert stack.supervisor.call("POST", f"/api/callbacks/{row['call_id']}/cancel")[0] == 200


def test_an_agent_schedules_a_callback_from_its_panel(stack: Stack) -> None:
    number, note = "3331110021", "pratica 4242 da completare"
    bruna = WebClient(stack.web, *agent2_account(stack))
    status, body = bruna.call("GET", "/api/agents/agent2/callbacks/slots")
    slots = {s["service"]: s["slots"] for s in body["services"]}
    assert (status, len(slots["anagrafe"]), slots["urp"]) == (200, 4, [])  # urp: any time
    first = slots["anagrafe"][0]  # this afternoon's opening (Wednesday 14:00, fake)
    assert datetime.fromisoformat(first["end"]) - datetime.fromisoformat(first["start"]) \
        == timedelta(hours=4)  # fmt: skip
    wanted = {"service": "anagrafe", "number": "333 111 0021", "at": first["start"],
              "note": note}  # fmt: skip
    status, made = bruna.call("POST", "/api/agents/agent2/callbacks", wanted)
    assert status == 201, made
    row = eventually(lambda: callback_row(stack, number), 15, "the scheduled callback")
    assert (row["call_id"], row["origin"], row["agent_id"], row["note"], row["state"]) == (
        made["scheduled"], "agent", "agent2", note, "deferred")  # fmt: skip
    assert row["scheduled_for"] == datetime.fromisoformat(first["start"])
    status, again = bruna.call("POST", "/api/agents/agent2/callbacks", wanted)
    assert (status, again["error"], again["call_id"]) == (409, "already-pending", row["call_id"])
    status, bad = bruna.call("POST", "/api/agents/agent2/callbacks", {**wanted, "number": "12"})
    assert (status, bad["error"]) == (400, "bad-number")
    status, bad = bruna.call("POST", "/api/agents/agent1/callbacks", wanted)
    assert status == 403  # another agent's
    listed = stack.supervisor.call("GET", "/api/callbacks")[1]["callbacks"]
    [theirs] = [c for c in listed if c["call_id"] == row["call_id"]]
    assert (theirs["callback"]["origin"], theirs["callback"]["note"]) == ("agent", None)
    log = stack.log.read_text()
    assert number not in log
    assert note not in log
    assert stack.supervisor.call("POST", f"/api/callbacks/{row['call_id']}/cancel")[0] == 200


_ACCOUNTS: set[str] = set()  # made in this module's stack (one account per agent)


def agent2_account(stack: Stack) -> tuple[str, str]:
    if "bruna" not in _ACCOUNTS:
        stack.add_account("bruna", "agent", PANEL_PASSWORD, agent="agent2")
        _ACCOUNTS.add("bruna")
    return "bruna", PANEL_PASSWORD


@pytest.mark.browser
def test_an_agent_schedules_a_callback_in_its_panel_with_the_keyboard(stack: Stack) -> None:
    """The panel's form by keyboard alone: the registry office chosen (arrow down), its first
    opening left as it is, the number and a note typed, Enter on the button; the callback
    is listed as the agent's own, "da un operatore", with its note. axe-core clean."""
    number, note = "3331110022", "documento da ritirare"
    slots = "document.querySelectorAll('#schedule-slot option').length"
    mine = f"[...document.querySelectorAll('#my-callbacks tr[data-call] th')].some(th => " \
        f"th.textContent === '{number}')"  # fmt: skip
    result = "document.getElementById('schedule-result').textContent"

    async def focus(page: Any, selector: str) -> None:
        await page.evaluate(f"document.querySelector('{selector}').focus(); true")
        assert await page.evaluate(f"document.activeElement === document.querySelector("
                                   f"'{selector}')")  # fmt: skip

    async def scenario() -> None:
        async with open_page(stack.web + "/login") as page:
            await sign_in(page, *agent2_account(stack))
            await page.wait_for("document.getElementById('schedule-form') !== null")
            # an agent's browser on another clock (Rome + 8 h) still reads the center's hours
            await page.call("Emulation.setTimezoneOverride", timezoneId="Asia/Tokyo")
            assert await accessibility_violations(page) == []
            await focus(page, "#schedule-service")  # URP first: it dials at any time
            await press(page, "ArrowDown")
            assert await page.evaluate("document.getElementById('schedule-service').value") \
                == "anagrafe"  # fmt: skip
            assert await page.wait_for(f"{slots} === 5")  # four openings, another time
            # each opening's label starts at its value's time, which the engine gives in Rome
            labels = "[...document.querySelectorAll('#schedule-slot option')].slice(0, 4)"
            assert await page.evaluate(f"{labels}.every(o => o.value.includes('+01:00') && "
                                       "o.textContent.includes(', ' + o.value.slice(11, 16) + "
                                       "'–'))")  # fmt: skip
            await focus(page, "#schedule-number")
            await type_text(page, number)
            await focus(page, "#schedule-note")
            await type_text(page, note)
            await focus(page, "#schedule-form button[type=submit]")
            await press(page, "Enter")
            error = "document.getElementById('error').textContent"
            await page.wait_for(f"{result} || {error}", 15)
            sent = await page.evaluate(
                "['schedule-service', 'schedule-number', 'schedule-slot', 'schedule-note']"
                ".map(id => document.getElementById(id).value).join(' | ')")  # fmt: skip
            assert await page.evaluate(result) == "Richiamata programmata.", (
                await page.evaluate(error), sent)  # fmt: skip
            assert await page.wait_for(mine, 15)
            row = "document.querySelector('#my-callbacks tr[data-call]').textContent"
            assert "da un operatore" in await page.evaluate(row)
            assert note in await page.evaluate(row)
            assert await accessibility_violations(page) == []

    asyncio.run(scenario())
    row = eventually(lambda: callback_row(stack, number), 15, "the scheduled callback")
    assert (row["origin"], row["agent_id"], row["service"], row["note"]) == (
        "agent", "agent2", "anagrafe", note)  # fmt: skip
    assert stack.supervisor.call("POST", f"/api/callbacks/{row['call_id']}/cancel")[0] == 200


def _contacts(stack: Stack, number: str, count: int) -> list[Any] | None:
    rows = stack.query("select * from contacts where caller_number = $1 and ended_at is not null "
                       "order by started_at", number)  # fmt: skip
    return rows if len(rows) >= count else None


def test_a_callback_keeps_its_place_across_an_engine_restart(stack: Stack) -> None:
    number, later = "3331110004", "3331110005"
    with called_back_pending(stack, number) as pending:
        before = queued(stack, pending["call_id"])
        assert before is not None
        stack.log_out_everyone()
        stop_engine(stack.engine)  # (its Asterisk too: the next engines keep theirs)
        try:
            start(stack, "callbacks-before")
            os.kill(stack.engine.pid, signal.SIGTERM)
            stack.engine.wait(timeout=30)
            start(stack, "callbacks-after")
            after = eventually(lambda: queued(stack, pending["call_id"]), 30, "taken back")
            assert after["entered_at"] == before["entered_at"]
            with waiting_caller(stack, later, hangup_after=40):
                eventually(lambda: _waiting_number(stack, later), 30, "a later caller")
                assert queued(stack, pending["call_id"])["position"] == 1  # type: ignore[index]
                phone = agent_phone(stack, "agent1", Answer(ring_seconds=0.3, talk_seconds=3))
                with line(Answer(ring_seconds=0.5)), phone:
                    stack.ready("agent1")
                    row = eventually(lambda: _ended(stack, number), 40, "the callback served")
            assert row["outcome"] == "answered"
        finally:
            if healthy(stack):
                stack.log_out_everyone()
            stop_engine(stack.engine)  # (the module's last test: the fixture's is stopped)
            stack.asterisk().stop()


def _waiting_number(stack: Stack, number: str) -> bool:
    calls = [c for q in stack.snapshot()["queues"] for c in q["calls"]]
    shown = masked(number)  # the live page masks numbers to supervisors (docs/privacy.md)
    return any(c["caller"] == shown and c["stage"] == "waiting" for c in calls)


def _ended(stack: Stack, number: str) -> Any:
    row = callback_row(stack, number)
    return row if row is not None and row["ended_at"] is not None else None
