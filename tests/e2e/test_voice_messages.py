"""Voice messages worked by agents on the real stack (center: voice_messages.yaml): real
Asterisk, sipp citizens with audio, PostgreSQL and Chromium.

- A citizen nobody answers leaves a spoken voice message (the voicemail overflow); an agent
  signed into its panel in Chromium goes ready and is given it: its panel shows who left it,
  the IVR path and the recording, which its route serves as audio/wav (200) to it, and to
  another agent on neither path (403, 404); closed there by keyboard with a disposition,
  the store says who handled it, when and how.
- A message for the taxes office, which calls back: the agent's "Richiama ora", by keyboard,
  closes it as ``callback`` and queues a callback of its own; served on the real stack (the
  agent's sipp phone rung and answering, the citizen's sipp line behind the trunk answering,
  both legs in one bridge), it ends ``answered`` with its own contact.
- A silent message (the IVR's message node, '#' with nothing said) is closed by itself as
  ``empty``, and the agent ready for the URP is never given it.
- The supervisors' page (/voice-messages) in Chromium: a supervisor signs in, sees the
  message just left waiting (its number masked), plays it by keyboard through its
  authenticated route (200 audio/wav), the listening audited; worked, then handled by an
  agent, the page says so; axe-core clean.
- A message nobody worked is taken back into its queue by the next engine.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from acd.privacy.numbers import masked
from demo.sipp import Answer, SippCaller, SippSpeaker, free_media_port
from tests.e2e.browser import accessibility_violations, open_page, press, sign_in
from tests.e2e.stack import SUPERVISOR, Stack, eventually, stop_engine
from tests.e2e.test_callbacks import attempts, bridged_pair, callback_row, line
from tests.e2e.test_calls import AFTER_MENU, agent_phone
from tests.e2e.test_restart import healthy, start
from tests.e2e.web_client import WebClient

CENTER = Path(__file__).with_name("voice_messages.yaml")
pytestmark = pytest.mark.stack
PASSWORDS = {"anna": "a voice on the answering machine", "bruno": "the other desk by the door"}
SHOTS = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))


@pytest.fixture(scope="module")
def people(stack: Stack) -> dict[str, WebClient]:
    for user, agent in (("anna", "agent1"), ("bruno", "agent2")):
        stack.add_account(user, "agent", PASSWORDS[user], agent=agent)
    return {user: WebClient(stack.web, user, password) for user, password in PASSWORDS.items()}


def message_of(stack: Stack, number: str) -> Any:
    rows = stack.query("select * from voice_messages where caller = $1", number)
    return rows[0] if rows else None


def spoken_message(stack: Stack, number: str, key: str) -> Any:
    """``number`` keys ``key``, then talks from about the beep on (7 s of speech) and hangs
    up in the middle of it: the message is kept as it is."""
    speaker = SippSpeaker(stack.number, stack.cfg.ports.sip, [(AFTER_MENU, key)],
                          speak_after=5, hangup_after=7, caller=number)  # fmt: skip
    speaker.start()
    try:
        result = speaker.wait(40)
    finally:
        speaker.stop()
    assert result.ok, result.errors
    return eventually(lambda: message_of(stack, number), 20, "the voice message stored")


async def ready_in_panel(page: Any, user: str) -> None:
    """``user`` signs into its panel, logs in (paused) and goes ready, by its buttons."""
    state = "document.getElementById('state').dataset.state"
    await sign_in(page, user, PASSWORDS[user])
    await page.wait_for(f"{state} === 'logged_out'")
    await page.evaluate("document.querySelector('button[data-action=login]').click(); true")
    await page.wait_for(f"{state} === 'paused'")
    await page.evaluate("document.querySelector('button[data-action=ready]"
                        "[data-when=paused]').click(); true")  # fmt: skip


@pytest.mark.browser
def test_a_message_is_worked_in_the_agents_panel_and_closed_there(
    center: Stack, people: dict[str, WebClient]
) -> None:
    number = "3331000021"
    row = spoken_message(center, number, "2")  # the URP, nobody logged in: voicemail
    assert (row["service"], row["handled_at"], row["name"].endswith("-vm1")) == ("urp", None,
                                                                                True)  # fmt: skip
    name = row["name"]
    audio = f"/api/agents/agent1/voice-messages/{name}/audio"
    shown = "document.getElementById('task-caller').textContent"
    state = "document.getElementById('state').dataset.state"
    fetched = (f"fetch({audio!r}).then(async r => [r.status, r.headers.get('content-type'),"
               " new TextDecoder().decode((await r.arrayBuffer()).slice(0, 4))])")  # fmt: skip

    async def scenario() -> None:
        async with open_page(center.web + "/login") as page:
            await ready_in_panel(page, "anna")
            assert await page.wait_for(f"{shown} === '{number}'", 20)  # given, not rung
            assert await page.evaluate(f"{state}") == "on_call"
            assert await page.evaluate("document.getElementById('task-path').textContent") == "2"
            src = await page.evaluate("document.getElementById('task-audio').src")
            assert src.endswith(audio)
            assert await page.evaluate("document.getElementById('task-call-back').hidden")
            assert await page.evaluate("document.getElementById('call-controls').hidden")
            assert await page.evaluate(fetched) == [200, "audio/wav", "RIFF"]
            assert await accessibility_violations(page) == []
            await page.screenshot(SHOTS / "centralino-agent-voice-message.png")
            bruno = people["bruno"]  # another agent: on anna's path, then on its own
            assert (await asyncio.to_thread(bruno.call, "GET", audio))[0] == 403
            status, body = await asyncio.to_thread(
                bruno.call, "GET", f"/api/agents/agent2/voice-messages/{name}/audio"
            )
            assert (status, body["error"]) == (404, "no-such-task")
            await page.evaluate(
                "document.getElementById('task-disposition').value = 'da richiamare'; true"
            )
            submit = "document.querySelector('#task-form button[type=submit]')"
            await page.evaluate(f"{submit}.focus(); true")
            await press(page, "Enter")
            said = "document.getElementById('task-result').textContent"
            assert await page.wait_for(f"{said} === 'Messaggio chiuso.'", 15)
            assert await page.wait_for(f"{state} !== 'on_call'", 15)  # wrap-up, then ready
            assert await page.evaluate("document.getElementById('task').hidden")
            assert await accessibility_violations(page) == []

    asyncio.run(scenario())
    handled = eventually(lambda: _handled(center, number), 15, "the message handled")
    assert (handled["handled_by"], handled["disposition"]) == ("agent1", "da richiamare")
    assert handled["handled_at"] > handled["recorded_at"]
    assert people["anna"].call("GET", audio)[0] == 404  # no longer its task
    assert number not in center.log.read_text()  # (the engine logs at INFO and above)


@pytest.mark.browser
def test_a_message_is_called_back_from_the_panel_and_the_callback_served(
    center: Stack, people: dict[str, WebClient]
) -> None:
    """The taxes office calls back (voice_messages.yaml): agent1, ready in its panel, is
    given the message, activates "Richiama ora" by keyboard (focus, Enter); the message is
    closed as ``callback`` and the callback, agent1's own, is served when agent1 is ready
    again after its wrap-up: its sipp phone rings and answers, the citizen's sipp line
    behind the trunk answers, both in one bridge; agent1's phone hangs up after 8 s."""
    number = "3331000024"
    row = spoken_message(center, number, "3")  # the message node of the taxes office
    assert (row["service"], row["handled_at"]) == ("tributi", None)
    name = row["name"]
    state = "document.getElementById('state').dataset.state"
    button = "document.getElementById('task-call-back')"
    said = "document.getElementById('task-result').textContent"
    title = "document.getElementById('pop-title').textContent"

    async def scenario() -> None:
        async with open_page(center.web + "/login") as page:
            await ready_in_panel(page, "anna")
            assert await page.wait_for(
                f"document.getElementById('task-caller').textContent === '{number}'", 20
            )
            assert await page.evaluate("document.getElementById('task-service').textContent") \
                == "Tributi"  # fmt: skip
            assert await page.evaluate(f"!{button}.hidden && {button}.offsetParent !== null")
            assert await page.evaluate(f"{button}.textContent") == "Richiama ora"
            await page.evaluate(f"{button}.focus(); true")
            assert await page.evaluate(f"document.activeElement === {button}")
            await press(page, "Enter")
            assert await page.wait_for(
                f"{said} === 'Messaggio chiuso: richiamata messa in coda.'", 15
            )
            assert await page.evaluate("document.getElementById('task').hidden")
            assert await accessibility_violations(page) == []
            # wrap-up (2 s), ready: the callback rings agent1's phone, its screen pop says so
            assert await page.wait_for(f"{title} === 'Richiamata a {number}'", 30)
            # nobody waited on the line for it: no such wait shown (a kept place's only)
            assert await page.evaluate("document.getElementById('pop-waited-on-line').hidden")
            pair = await asyncio.to_thread(
                eventually, lambda: bridged_pair(center, "agent1"), 20, "the bridge"
            )
            assert pair is not None
            assert await page.evaluate(f"{state}") == "on_call"
            assert await accessibility_violations(page) == []
            await page.screenshot(SHOTS / "centralino-agent-voice-message-called-back.png")

    phone = agent_phone(center, "agent1", Answer(ring_seconds=0.3, talk_seconds=8))
    with phone, line(Answer(ring_seconds=0.5)):
        asyncio.run(scenario())
        done = eventually(lambda: _callback_ended(center, number), 30, "the callback's end")
    handled = eventually(lambda: _handled(center, number), 15, "the message handled")
    assert (handled["handled_by"], handled["disposition"]) == ("agent1", "callback")
    assert (done["call_id"], done["service"], done["origin"], done["outcome"]) == (
        f"{name}-callback", "tributi", "agent", "answered")  # fmt: skip
    assert done["agent_id"] == "agent1"
    assert attempts(center, number) == ["answered"]
    (contact,) = center.query("select * from contacts where contact_id = $1", done["call_id"])
    assert (contact["caller_number"], contact["outcome"], contact["agent_id"]) == (
        number, "answered", "agent1")  # fmt: skip
    assert contact["answered_at"] is not None
    assert contact["ended_at"] is not None
    assert number not in center.log.read_text()  # (the engine logs at INFO and above)


def test_a_silent_message_is_closed_as_empty_and_never_offered(
    center: Stack, people: dict[str, WebClient]
) -> None:
    """The IVR's message node; the caller's audio goes nowhere (so nothing echoes back into
    the recording) and '#' ends it a few seconds after the beep."""
    number = "3331000022"
    center.ready("agent1")
    since = center.query("select now() as t")[0]["t"]
    call = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1"), (6, "#")],
                      hangup_after=None, caller=number, rtp_port=free_media_port())  # fmt: skip
    result = call.run(timeout=40)
    assert result.ok, result.errors
    row = eventually(lambda: _handled(center, number), 20, "the message closed by itself")
    assert (row["disposition"], row["handled_by"], row["service"]) == ("empty", None, "urp")
    assert row["name"].endswith("-1")  # the IVR's own message, not a voicemail
    assert "closed as empty" in center.log.read_text()
    states = center.query("select state from agent_states where agent_id = 'agent1' and at >= $1",
                          since)  # fmt: skip
    assert "on_call" not in [s["state"] for s in states]
    agent = next(a for a in center.snapshot()["agents"] if a["id"] == "agent1")
    assert (agent["state"], agent["call_id"]) == ("ready", None)


@pytest.mark.browser
def test_a_supervisor_lists_the_messages_and_plays_one_by_keyboard(
    center: Stack, people: dict[str, WebClient]
) -> None:
    """Nobody logged in: the message waits. The supervisor's page shows it, plays it (Tab
    from the filters' button to its play button, Enter); then agent1 is given it and
    closes it, and the page shows each state."""
    number = "3331000025"
    center.log_out_everyone()
    row = spoken_message(center, number, "1")  # the IVR's message node, for the URP
    name = row["name"]
    audio = f"/api/voice-messages/{name}/audio"
    line_of = f"document.querySelector('tr[data-message=\"{name}\"]')"
    state = f"{line_of}?.dataset.state"
    player = "document.getElementById('player')"
    fetched = (f"fetch({player}.src).then(async r => [r.status, r.headers.get('content-type'),"
               " new TextDecoder().decode((await r.arrayBuffer()).slice(0, 4))])")  # fmt: skip

    async def reload(page: Any) -> None:
        """The page again, from the server: the old one marked, so as not to read it."""
        await page.evaluate("window.old = true; location.reload(); true")
        await page.wait_for(f"!window.old && document.readyState === 'complete' && "
                            f"{line_of} !== null")  # fmt: skip

    async def scenario() -> None:
        async with open_page(center.web + "/voice-messages") as page:  # to the login first
            await sign_in(page, *SUPERVISOR)
            assert await page.wait_for("location.pathname === '/voice-messages'")
            assert await page.wait_for(f"{state} === 'waiting'")
            cells = await page.evaluate(
                f"[...{line_of}.querySelectorAll('td')].map(c => c.textContent.trim())"
            )
            path = " › ".join(row["ivr_path"])  # as the caller walked it
            assert cells[:6] == ["URP", masked(number), path, cells[3], "In attesa", ""]
            assert cells[3].endswith(" s")  # its length, from the recording
            assert number not in await page.evaluate("document.body.innerHTML")
            assert await accessibility_violations(page) == []
            # by keyboard: the newest message's play button is the next stop after the form's
            await page.evaluate("document.querySelector('form.filters button').focus(); true")
            button = f"{line_of}.querySelector('button.play')"
            for _ in range(3):
                await press(page, "Tab")
                if await page.evaluate(f"document.activeElement === {button}"):
                    break
            assert await page.evaluate(f"document.activeElement === {button}")
            await press(page, "Enter")
            assert await page.wait_for(f"{player}.src.endsWith({audio!r})")
            assert await page.wait_for("document.getElementById('playing').textContent !== ''")
            assert await page.evaluate(fetched) == [200, "audio/wav", "RIFF"]
            await page.screenshot(SHOTS / "centralino-voice-messages.png")
            # agent1 is given it, then closes it: the page says who and how
            await asyncio.to_thread(center.ready, "agent1")
            await asyncio.to_thread(
                eventually, lambda: _worked_by(center, "agent1") == name, 20, "given to agent1"
            )
            await reload(page)
            assert await page.wait_for(f"{state} === 'worked'")
            assert await page.evaluate(f"{line_of}.querySelector('.agent').textContent") == (
                "agent1")  # fmt: skip
            status, body = await asyncio.to_thread(
                people["anna"].call, "POST", f"/api/agents/agent1/voice-messages/{name}/close",
                {"disposition": "altro"})  # fmt: skip
            assert status == 200, body
            await asyncio.to_thread(eventually, lambda: _handled(center, number), 15, "handled")
            await reload(page)
            assert await page.wait_for(f"{state} === 'handled'")
            assert await page.evaluate(
                f"{line_of}.querySelector('.disposition').textContent") == "altro"  # fmt: skip
            assert await accessibility_violations(page) == []

    asyncio.run(scenario())
    center.log_out_everyone()
    plays = eventually(
        lambda: center.query("select actor, role from audit_log where action = "
                             "'voice-message.play' and target_id = $1", name),
        15, "the listening audited",
    )  # fmt: skip
    assert {(p["actor"], p["role"]) for p in plays} == {("sup", "supervisor")}
    status, _ = people["anna"].call("GET", audio)  # an agent: refused at the door
    assert status == 403
    assert number not in center.log.read_text()  # (the engine logs at INFO and above)


def test_a_message_nobody_worked_is_taken_back_after_a_restart(
    stack: Stack, people: dict[str, WebClient]
) -> None:
    number = "3331000023"
    stack.log_out_everyone()
    row = spoken_message(stack, number, "1")  # the IVR's message node, for the URP
    assert row["handled_at"] is None
    stop_engine(stack.engine)  # (its Asterisk too: the next engine keeps its own)
    try:
        start(stack, "voice-messages-after")
        task = eventually(lambda: _queued(stack, row["name"]), 30, "the message taken back")
        assert task["voice_message"]["recorded_at"] is not None
        stack.ready("agent2")
        eventually(lambda: _worked_by(stack, "agent2") == row["name"], 20, "given to agent2")
        status, body = people["bruno"].call(
            "POST", f"/api/agents/agent2/voice-messages/{row['name']}/close",
            {"disposition": "altro"})  # fmt: skip
        assert status == 200, body
        handled = eventually(lambda: _handled(stack, number), 15, "the message handled")
        assert (handled["handled_by"], handled["disposition"]) == ("agent2", "altro")
    finally:
        if healthy(stack):
            stack.log_out_everyone()
        stop_engine(stack.engine)  # (the module's last test: the fixture's is stopped)
        stack.asterisk().stop()


def _handled(stack: Stack, number: str) -> Any:
    row = message_of(stack, number)
    return row if row is not None and row["handled_at"] is not None else None


def _callback_ended(stack: Stack, number: str) -> Any:
    row = callback_row(stack, number)
    return row if row is not None and row["ended_at"] is not None else None


def _queued(stack: Stack, name: str) -> dict[str, Any] | None:
    if not healthy(stack):
        return None
    calls = [c for q in stack.snapshot()["queues"] for c in q["calls"]]
    return next((c for c in calls if c["call_id"] == name and c["stage"] == "waiting"), None)


def _worked_by(stack: Stack, agent_id: str) -> str | None:
    agent = next(a for a in stack.snapshot()["agents"] if a["id"] == agent_id)
    return agent["call_id"] if agent["state"] == "on_call" else None
