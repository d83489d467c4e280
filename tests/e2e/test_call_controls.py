"""The agent's call controls on the real stack: sipp citizens and agents, Asterisk 22, the
engine, PostgreSQL. Hang up from the API; hold (the caller in MusicOnHold, per Asterisk's
own channel list) and resume (both legs in one bridge again); blind transfer to another
service and to a ready colleague, one contact in the end; what is refused, and why."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from demo.sipp import Answer, NoAnswer, SippAgent, SippCaller
from tests.e2e.browser import Page, accessibility_violations, open_page, sign_in
from tests.e2e.stack import Stack, eventually

pytestmark = pytest.mark.stack

AFTER_MENU = 2.5  # seconds from answer to the menu prompt (tests/e2e/center.yaml)
PORTS = {f"agent{i}": 36000 + i for i in range(1, 6)}


def phone(agent_id: str, behaviour: Answer | NoAnswer) -> SippAgent:
    return SippAgent(agent_id, PORTS[agent_id], behaviour)


@contextmanager
def citizen(center: Stack, number: str, digit: str = "1") -> Iterator[SippCaller]:
    """A citizen who keys ``digit`` (1: URP) and stays until the far end hangs up."""
    caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, digit)],
                        caller=number)  # fmt: skip
    caller.start()
    try:
        yield caller
    finally:
        caller.stop()


def control(center: Stack, agent: str, name: str, body: dict[str, Any] | None = None) -> Any:
    """A call control as the supervisor (who may act for any agent): (status, answer)."""
    return center.api("POST", f"/api/agents/{agent}/call/{name}", body or {})


def channels(center: Stack) -> list[dict[str, str]]:
    """Asterisk's own list of channels (``core show channels concise``)."""
    names = ("channel", "context", "exten", "priority", "state", "application", "data",
             "caller_id", "account", "peer", "ama", "duration", "bridge", "uniqueid")  # fmt: skip
    lines = center.asterisk().cli("core show channels concise").splitlines()
    return [dict(zip(names, line.split("!"), strict=False)) for line in lines if "!" in line]


def leg(center: Stack, prefix: str) -> dict[str, str] | None:
    found = [ch for ch in channels(center) if ch["channel"].startswith(prefix)]
    return found[0] if found else None


def talking(center: Stack, agent: str) -> dict[str, str]:
    """Wait until ``agent`` talks with a citizen: both legs in one bridge. The caller's leg."""

    def bridged() -> dict[str, str] | None:
        caller, agent_leg = leg(center, "PJSIP/citizens"), leg(center, f"PJSIP/{agent}-")
        if caller and agent_leg and caller["bridge"] and caller["bridge"] == agent_leg["bridge"]:
            return caller
        return None

    return eventually(bridged, 30, f"{agent} talking with the citizen")


def agent(center: Stack, agent_id: str) -> dict[str, Any]:
    return next(a for a in center.snapshot()["agents"] if a["id"] == agent_id)


def contact(center: Stack, number: str) -> Any:
    rows = center.query("select * from contacts where caller_number = $1", number)
    return rows[0] if len(rows) == 1 and rows[0]["ended_at"] is not None else None


# -- hang up -------------------------------------------------------------------------------


def test_the_agent_hangs_up_from_the_api_and_the_call_ends_answered(center: Stack) -> None:
    with phone("agent1", Answer(ring_seconds=0.5)) as desk_phone:
        center.ready("agent1")
        with citizen(center, "3330001001") as caller:
            talking(center, "agent1")
            status, answer = control(center, "agent1", "hangup")
            assert status == 200, answer
            result = caller.wait(20)  # the citizen got the BYE
            assert result.ok, result.errors
        row = eventually(lambda: contact(center, "3330001001"), 15, "the contact row")
        assert (row["outcome"], row["agent_id"]) == ("answered", "agent1")
        assert eventually(lambda: agent(center, "agent1")["state"] == "ready", 10, "ready")
        assert leg(center, "PJSIP/agent1-") is None
        assert desk_phone.stop().failed == 0


def test_controls_without_a_call_or_unknown_are_refused(center: Stack) -> None:
    center.ready("agent1")
    for name in ("hangup", "hold", "resume"):
        status, answer = control(center, "agent1", name)
        assert (status, answer["error"]) == (409, "no-call"), answer
        assert "ready" in answer["message"]
    status, answer = control(center, "agent1", "dance")
    assert (status, answer["error"]) == (404, "unknown-control")
    status, answer = control(center, "agent1", "transfer", {"service": "urp", "agent": "agent2"})
    assert (status, answer["error"]) == (400, "bad-transfer")
    status, answer = control(center, "nobody", "hangup")
    assert (status, answer["error"]) == (404, "unknown-agent")


# -- hold and resume -----------------------------------------------------------------------


def on_hold(center: Stack, agent_id: str) -> dict[str, str] | None:
    """The caller's leg once it hears music in the hold context, out of any bridge, while
    the agent's leg waits silent there too."""
    caller, agent_leg = leg(center, "PJSIP/citizens"), leg(center, f"PJSIP/{agent_id}-")
    if caller is None or agent_leg is None:
        return None
    places = {(ch["context"], ch["application"], ch["bridge"]) for ch in (caller, agent_leg)}
    held = places == {("centralino-hold", "MusicOnHold", ""), ("centralino-hold", "Wait", "")}
    return caller if held else None


def sent_to_caller(center: Stack) -> int:
    """RTP packets Asterisk sent the citizen so far (``pjsip show channelstats``)."""
    for line in center.asterisk().cli("pjsip show channelstats").splitlines():
        words = line.split()
        at = next((i for i, w in enumerate(words) if w.startswith("citizens-")), None)
        if at is not None:
            return int(words[at + 7])  # channel, up time, codec, 4 receive figures, sent
    raise AssertionError("no citizen's channel in pjsip show channelstats")


def test_hold_puts_the_caller_on_music_and_resume_bridges_them_again(center: Stack) -> None:
    with phone("agent1", Answer(ring_seconds=0.5)):
        center.ready("agent1")
        with citizen(center, "3330001002") as caller:
            talking(center, "agent1")
            status, answer = control(center, "agent1", "hold")
            assert (status, answer["call"]["held"]) == (200, True), answer
            eventually(lambda: on_hold(center, "agent1"), 10, "the caller on hold")
            before = sent_to_caller(center)
            time.sleep(2)
            assert sent_to_caller(center) - before >= 50  # music: 50 RTP packets a second
            seen = agent(center, "agent1")
            assert (seen["state"], seen["call_held"]) == ("on_call", True)
            status, answer = control(center, "agent1", "hold")
            assert (status, answer["error"]) == (409, "already-held")
            status, answer = control(center, "agent1", "resume")
            assert (status, answer["call"]["held"]) == (200, False), answer
            talking(center, "agent1")  # one bridge again
            status, answer = control(center, "agent1", "resume")
            assert (status, answer["error"]) == (409, "not-held")
            assert control(center, "agent1", "hangup")[0] == 200
            result = caller.wait(20)
            assert result.ok, result.errors
        row = eventually(lambda: contact(center, "3330001002"), 15, "the contact row")
        assert (row["outcome"], row["agent_id"]) == ("answered", "agent1")


def test_a_caller_hanging_up_on_hold_frees_the_agent(center: Stack) -> None:
    with phone("agent1", Answer(ring_seconds=0.5)) as desk_phone:
        center.ready("agent1")
        caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1")],
                            hangup_after=6, caller="3330001003")  # fmt: skip
        caller.start()
        try:
            talking(center, "agent1")
            assert control(center, "agent1", "hold")[0] == 200
            eventually(lambda: on_hold(center, "agent1"), 10, "the caller on hold")
            assert caller.wait(20).ok
        finally:
            caller.stop()
        eventually(lambda: leg(center, "PJSIP/agent1-") is None, 10, "the agent's leg gone")
        assert eventually(lambda: agent(center, "agent1")["state"] == "ready", 10, "ready")
        row = eventually(lambda: contact(center, "3330001003"), 15, "the contact row")
        assert (row["outcome"], row["agent_id"]) == ("answered", "agent1")
        assert desk_phone.stop().failed == 0


# -- transfers -----------------------------------------------------------------------------


def test_a_blind_transfer_to_another_service_is_answered_there_as_one_contact(
    center: Stack,
) -> None:
    with (
        phone("agent1", Answer(ring_seconds=0.5)) as first,
        phone("agent2", Answer(ring_seconds=2, talk_seconds=3)),
    ):
        center.ready("agent1")
        with citizen(center, "3330001004") as caller:
            talking(center, "agent1")
            center.ready("agent2")  # now: the router would not choose it for the first ring
            status, answer = control(center, "agent1", "transfer", {"service": "informagiovani"})
            assert (status, answer["call"]) == (200, None), answer
            eventually(lambda: agent(center, "agent2")["state"] == "ringing", 10, "agent2 rung")
            waiting = leg(center, "PJSIP/citizens")  # back in the queue's wait loop meanwhile
            assert waiting is not None
            assert (waiting["context"], waiting["application"]) == (
                "centralino-citizens", "MusicOnHold",
            )  # fmt: skip
            assert leg(center, "PJSIP/agent1-") is None
            talking(center, "agent2")
            result = caller.wait(30)  # agent2 hangs up after 3 s of talk
            assert result.ok, result.errors
        row = eventually(lambda: contact(center, "3330001004"), 15, "one contact row")
        assert list(row["service_path"]) == ["urp", "informagiovani"]
        assert (row["service"], row["agent_id"], row["outcome"]) == (
            "informagiovani", "agent2", "answered",
        )  # fmt: skip
        assert first.stop().failed == 0  # agent1's phone got its BYE


def test_a_transfer_to_a_ready_colleague_rings_that_colleague(center: Stack) -> None:
    with (
        phone("agent1", Answer(ring_seconds=0.5)),
        phone("agent3", Answer(ring_seconds=1, talk_seconds=2)),
    ):
        center.ready("agent1")
        with citizen(center, "3330001005") as caller:
            talking(center, "agent1")
            center.ready("agent2", "agent3")  # agent2 idle longer: the router's choice
            status, answer = control(center, "agent1", "transfer", {"agent": "agent3"})
            assert status == 200, answer
            assert agent(center, "agent2")["state"] == "ready"
            talking(center, "agent3")
            result = caller.wait(30)
            assert result.ok, result.errors
        row = eventually(lambda: contact(center, "3330001005"), 15, "one contact row")
        assert (row["agent_id"], list(row["service_path"])) == ("agent3", ["urp"])


def test_transfers_are_refused_with_their_reason(center: Stack) -> None:
    with phone("agent1", Answer(ring_seconds=0.5)):
        center.ready("agent1")
        with citizen(center, "3330001006"):
            talking(center, "agent1")
            refused = {
                "unknown-service": {"service": "tributi"},
                "unknown-agent": {"agent": "agent9"},
                "agent-not-ready": {"agent": "agent4"},  # logged out
                "same-agent": {"agent": "agent1"},
            }
            for code, body in refused.items():
                status, answer = control(center, "agent1", "transfer", body)
                assert (status, answer["error"]) == (
                    409 if code == "agent-not-ready" else 400, code,
                ), answer  # fmt: skip
                assert answer["message"]
            assert agent(center, "agent1")["state"] == "on_call"  # nothing changed
            talking(center, "agent1")
            assert control(center, "agent1", "hangup")[0] == 200


def test_no_control_before_the_call_is_answered(center: Stack) -> None:
    with phone("agent2", NoAnswer()):
        center.ready("agent2")
        caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1")],
                            hangup_after=3, caller="3330001007")  # fmt: skip
        caller.start()
        try:
            eventually(lambda: agent(center, "agent2")["state"] == "ringing", 15, "ringing")
            for name, body in (("transfer", {"service": "informagiovani"}), ("hold", {})):
                status, answer = control(center, "agent2", name, body)
                assert (status, answer["error"]) == (409, "not-answered"), answer
            assert caller.wait(20).ok
        finally:
            caller.stop()


# -- the panel -----------------------------------------------------------------------------

PASSWORD = "the lamp over the counter"


async def press_enter_on(page: Page, selector: str) -> None:
    """Focus ``selector`` and press Enter, as a keyboard user does."""
    await page.evaluate(f"document.querySelector({selector!r}).focus(); true")
    key = {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13}
    await page.call("Input.dispatchKeyEvent", type="keyDown", text="\r", **key)
    await page.call("Input.dispatchKeyEvent", type="keyUp", **key)


@pytest.mark.browser
def test_the_panel_holds_resumes_and_transfers_with_the_keyboard(center: Stack) -> None:
    center.add_account("dario", "agent", PASSWORD, agent="agent5")
    shots = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))
    status = "document.getElementById('call-status').textContent"
    focused = "document.activeElement.dataset.control"

    async def scenario(caller: SippCaller) -> None:
        async with open_page(center.web + "/login") as page:
            await sign_in(page, "dario", PASSWORD)
            assert await page.wait_for("!document.getElementById('call-controls').hidden", 30)
            assert await page.wait_for(f"{status} === 'In linea con il chiamante.'")
            assert await accessibility_violations(page) == []
            await press_enter_on(page, "[data-control=hold]")
            assert await page.wait_for(f"({status}).startsWith('Chiamata in attesa')")
            assert await page.evaluate(focused) == "resume"  # focus follows the control
            assert await accessibility_violations(page) == []
            await page.screenshot(shots / "centralino-agent-call-controls.png")
            await press_enter_on(page, "[data-control=resume]")
            assert await page.wait_for(f"{status} === 'In linea con il chiamante.'")
            assert await page.evaluate(focused) == "hold"
            await page.wait_for("[...document.getElementById('transfer-agent-to').options]"
                                ".some(o => o.value === 'agent4')")  # fmt: skip
            await page.evaluate("document.getElementById('transfer-agent-to').value = 'agent4';"
                                " true")  # fmt: skip
            await press_enter_on(page, "#transfer-agent button")
            assert await page.wait_for("document.getElementById('call-result').textContent"
                                       " === 'Chiamata trasferita.'")  # fmt: skip
            assert await page.evaluate("document.getElementById('call-controls').hidden")
        assert (await asyncio.to_thread(caller.wait, 30)).ok

    with (
        phone("agent5", Answer(ring_seconds=0.5)),
        phone("agent4", Answer(ring_seconds=0.5, talk_seconds=2)),
    ):
        center.ready("agent5")
        with citizen(center, "3330001008") as caller:
            talking(center, "agent5")
            center.ready("agent4")
            asyncio.run(scenario(caller))
        row = eventually(lambda: contact(center, "3330001008"), 15, "one contact row")
        assert row["agent_id"] == "agent4"
