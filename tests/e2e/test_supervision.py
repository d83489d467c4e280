"""A supervisor on an agent's call, on the real stack: Asterisk 22's ChanSpy started by the
engine on the supervisor's request, on its desk phone (a sipp phone). Each phone's audio is
a test RTP peer speaking its own tone (the caller 400 Hz, the agent 600 Hz, the supervisor
1000 Hz) and keeping what it hears, so who hears whom is measured, not assumed:

- listen: the spy channel appears and the supervisor hears both sides; nobody hears it;
- whisper: the agent hears the supervisor, the caller does not;
- barge: both hear it.

Then the bad requests: an unknown agent or service, an agent not talking, a non-supervisor
asking to listen: a clear error, no spy channel. Every accepted act is in the audit log."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from demo.sipp import Answer, SippAgent, SippCaller
from tests.e2e.browser import accessibility_violations, open_page, sign_in
from tests.e2e.rtp import RtpPeer
from tests.e2e.stack import SUPERVISOR, Stack, eventually
from tests.e2e.test_call_controls import AFTER_MENU, PORTS, channels, leg, press_enter_on, talking
from tests.e2e.test_softphone import AUDIO_STATS, FAKE_MEDIA, REGISTERED
from tests.e2e.web_client import WebClient

pytestmark = pytest.mark.stack
CENTER = Path(__file__).with_name("supervision.yaml")
SUP_PORT = 36010  # the supervisor's desk phone (supervision.yaml)
CALLER_HZ, AGENT_HZ, SUP_HZ = 400, 600, 1000
HEARD, SILENT = 2000, 300  # a tone's amplitude (of 8000 sent) heard / not heard


@contextmanager
def a_call_with_a_supervisor(center: Stack, number: str) -> Iterator[dict[str, RtpPeer]]:
    """agent1 talking with a citizen, the supervisor's phone ready to answer; every phone's
    audio a tone-speaking RTP peer."""
    with ExitStack() as stack:
        peers = {name: stack.enter_context(RtpPeer(name, hz)) for name, hz in
                 (("caller", CALLER_HZ), ("agent", AGENT_HZ), ("sup", SUP_HZ))}  # fmt: skip
        stack.enter_context(SippAgent("agent1", PORTS["agent1"], Answer(ring_seconds=0.5),
                                      rtp_port=peers["agent"].port))  # fmt: skip
        stack.enter_context(SippAgent("sup", SUP_PORT, Answer(ring_seconds=0.5),
                                      rtp_port=peers["sup"].port))  # fmt: skip
        center.ready("agent1")
        caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1")],
                            caller=number, rtp_port=peers["caller"].port)  # fmt: skip
        caller.start()
        stack.callback(caller.stop)
        talking(center, "agent1")
        try:
            yield peers
            center.api("POST", "/api/agents/agent1/call/hangup")  # (409 if it is over already)
            caller.wait(20)  # the citizen got its BYE
        finally:  # a failed test leaves agent1 free for the next one
            center.api("POST", "/api/agents/agent1/call/hangup")
            eventually(lambda: state(center, "agent1") != "on_call", 15, "agent1 off the call")


def state(center: Stack, agent_id: str) -> str:
    return str(next(a["state"] for a in center.snapshot()["agents"] if a["id"] == agent_id))


def listen(center: Stack, mode: str) -> dict[str, str]:
    """The supervisor asks; the spy channel: its phone's leg, running ChanSpy."""
    status, body = center.api("POST", "/api/agents/agent1/listen", {"mode": mode, "phone": "desk"})
    assert status == 200, body
    assert (body["supervision"]["agent"], body["supervision"]["mode"]) == ("agent1", mode)
    return eventually(lambda: spying(center), 20, f"the supervisor's phone in ChanSpy ({mode})")


def spying(center: Stack) -> dict[str, str] | None:
    found = leg(center, "PJSIP/sup-")
    return found if found is not None and found["application"] == "ChanSpy" else None


def stop(center: Stack) -> None:
    status, body = center.api("POST", "/api/supervision/stop")
    assert status == 200, body
    eventually(lambda: leg(center, "PJSIP/sup-") is None, 10, "the supervisor's leg gone")
    eventually(lambda: center.snapshot()["supervision"] == [], 10, "no supervision left")


def measured(peers: dict[str, RtpPeer], seconds: float = 2.0) -> dict[str, dict[int, float]]:
    """How loud each tone was for each phone over the next ``seconds`` (after 1 s to settle)."""
    time.sleep(1.0)
    since = time.monotonic()
    time.sleep(seconds)
    until = time.monotonic()
    tones = (CALLER_HZ, AGENT_HZ, SUP_HZ)
    return {name: {hz: round(peer.loudness(hz, since, until)) for hz in tones}
            for name, peer in peers.items()}  # fmt: skip


def test_listen_whisper_and_barge_reach_exactly_whom_they_should(center: Stack) -> None:
    with a_call_with_a_supervisor(center, "3330002001") as peers:
        before = measured(peers, 1.0)
        assert before["caller"][AGENT_HZ] > HEARD, before  # they talk: each hears the other
        assert before["agent"][CALLER_HZ] > HEARD, before

        spy = listen(center, "listen")
        agent_leg = leg(center, "PJSIP/agent1-")
        assert agent_leg is not None
        assert spy["data"].startswith(f"{agent_leg['uniqueid']},"), spy  # ChanSpy on its leg
        heard = measured(peers)
        assert min(heard["sup"][CALLER_HZ], heard["sup"][AGENT_HZ]) > HEARD, heard  # both
        assert max(heard["agent"][SUP_HZ], heard["caller"][SUP_HZ]) < SILENT, heard  # nobody
        assert center.snapshot()["supervision"][0]["mode"] == "listen"
        stop(center)

        listen(center, "whisper")
        heard = measured(peers)
        assert heard["agent"][SUP_HZ] > HEARD, heard  # the agent hears the supervisor...
        assert heard["agent"][CALLER_HZ] > HEARD, heard  # ...and still the caller
        assert heard["caller"][SUP_HZ] < SILENT, heard  # the caller does not
        assert heard["caller"][AGENT_HZ] > HEARD, heard
        assert heard["sup"][CALLER_HZ] > HEARD, heard
        stop(center)

        listen(center, "barge")
        heard = measured(peers)
        assert min(heard["agent"][SUP_HZ], heard["caller"][SUP_HZ]) > HEARD, heard
        stop(center)

    acts = ["supervision.listen", "supervision.stop", "supervision.whisper", "supervision.stop",
            "supervision.barge", "supervision.stop"]  # fmt: skip

    def audited() -> list[dict[str, Any]] | None:  # (the store's writer may still hold the last)
        found = center.api("GET", "/api/audit?actor=sup&action=supervision.")[1]["entries"]
        return found if [e["action"] for e in reversed(found)] == acts else None

    entries = eventually(audited, 10, f"the audit log's {acts}")
    assert {(e["target_kind"], e["target"]) for e in entries} == {("agent", "agent1")}
    assert {e["detail"]["phone"] for e in entries if "phone" in e["detail"]} == {"desk"}


def test_the_spy_ends_with_the_call_and_the_supervisor_is_free_again(center: Stack) -> None:
    with a_call_with_a_supervisor(center, "3330002002"):
        listen(center, "listen")
        assert center.api("POST", "/api/agents/agent1/call/hangup")[0] == 200
        eventually(lambda: leg(center, "PJSIP/sup-") is None, 15, "ChanSpy ends with the call")
        eventually(lambda: center.snapshot()["supervision"] == [], 10, "the spy forgotten")
    row = eventually(lambda: center.contact("3330002002"), 15, "the contact row")
    assert (row["outcome"], row["agent_id"]) == ("answered", "agent1")  # the call as ever


def test_bad_requests_are_refused_clearly_and_start_nothing(center: Stack) -> None:
    since = quote(datetime.now(UTC).isoformat())
    center.add_account("anna", "agent", "green kettle on the stove", agent="agent1")
    anna = WebClient(center.web, "anna", "green kettle on the stove")
    with a_call_with_a_supervisor(center, "3330002003"):
        center.ready("agent2")  # ready, talking with nobody
        refusals: list[tuple[WebClient | None, str, dict[str, Any], int, str]] = [
            (None, "/api/agents/nobody/listen", {}, 404, "unknown-agent"),
            (None, "/api/agents/agent2/listen", {}, 409, "no-call"),
            (None, "/api/agents/agent1/listen", {"mode": "shout"}, 400, "bad-mode"),
            (anna, "/api/agents/agent1/listen", {}, 403, "forbidden"),
            (None, "/api/calls/nobody/move", {"service": "urp"}, 404, "unknown-call"),
            (None, "/api/calls/nobody/priority", {}, 404, "unknown-call"),
        ]
        for client, path, body, status, code in refusals:
            answer = (client or center.supervisor).call("POST", path, body)
            assert (answer[0], answer[1]["error"]) == (status, code), (path, answer)
            assert answer[1]["message"]
        time.sleep(1.5)  # time enough for a wrongly started spy to ring
        assert [ch for ch in channels(center) if ch["channel"].startswith("PJSIP/sup-")] == []
        assert center.snapshot()["supervision"] == []
    assert center.api("GET", f"/api/audit?action=supervision.&since={since}")[1]["entries"] == []


def test_a_waiting_call_is_moved_and_raised_on_the_real_stack(center: Stack) -> None:
    center.api("POST", "/api/agents/agent2/pause", {"reason": "break"})  # staffed, not ready
    with SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1")],
                    hangup_after=8, caller="3330002004"):  # fmt: skip
        call = eventually(lambda: waiting(center, "urp"), 20, "the call waiting in URP")
        status, body = center.api("POST", f"/api/calls/{call['call_id']}/move",
                                  {"service": "informagiovani"})  # fmt: skip
        assert (status, body["call"]["service"]) == (200, "informagiovani"), body
        status, body = center.api("POST", f"/api/calls/{call['call_id']}/priority", {"points": 3})
        assert (status, body["call"]["priority"]) == (200, 3), body
        assert waiting(center, "informagiovani") is not None
        status, body = center.api("POST", f"/api/calls/{call['call_id']}/move",
                                  {"service": "anagrafe"})  # fmt: skip
        assert (status, body["error"]) == (400, "unknown-service")
        row = eventually(lambda: center.contact("3330002004"), 30, "the caller giving up")
    assert (row["outcome"], list(row["service_path"])) == ("abandoned", ["urp", "informagiovani"])
    actions = [e["action"] for e in center.api("GET", "/api/audit?action=call.")[1]["entries"]]
    assert actions[:2] == ["call.priority", "call.move"]


def waiting(center: Stack, service: str) -> dict[str, Any] | None:
    queue = next(q for q in center.snapshot()["queues"] if q["service"] == service)
    calls = [c for c in queue["calls"] if c["stage"] == "waiting"]
    return calls[0] if calls else None


@pytest.mark.browser
def test_the_live_page_drives_agents_calls_and_listening_with_the_keyboard(
    center: Stack,
) -> None:
    shots = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))
    focused = "document.activeElement.dataset.action"
    agent3 = "tr[data-agent=agent3]"

    def badge(row: str) -> str:
        return f"document.querySelector('{row} .state')?.textContent"

    async def scenario() -> None:
        async with open_page(center.web + "/login?next=/") as page:
            await sign_in(page, *SUPERVISOR)
            assert await page.wait_for(f"{badge('tr[data-agent=agent1]')} === 'In conversazione'")
            assert await accessibility_violations(page) == []
            # agent3 logged out: paused for lunch, with the keyboard
            await page.evaluate(f"document.querySelector('{agent3} select').value = 'lunch'; true")
            await press_enter_on(page, f"{agent3} button[data-action='Metti in pausa']")
            assert await page.wait_for(f"{badge(agent3)} === 'In pausa (lunch)'")
            assert (
                await page.evaluate("document.activeElement.closest('tr')?.dataset.agent")
                == "agent3"
            )
            # the citizen waiting (agent1 talks, agent3 is paused): raised, then moved
            row = "tr[data-call]"
            assert await page.wait_for(
                f"document.querySelector('{row} .priority')?.textContent === '0'"
            )
            await press_enter_on(page, f"{row} button[data-action='Aumenta la priorità']")
            assert await page.wait_for(
                f"document.querySelector('{row} .priority').textContent === '5'"
            )
            assert await page.evaluate(focused) == "Aumenta la priorità"  # the focus stays
            await page.evaluate(f"document.querySelector('{row} select').value = 'informagiovani';"
                                " true")  # fmt: skip
            await press_enter_on(page, f"{row} button[data-action='Sposta']")
            assert await page.wait_for(f"document.querySelector('{row}').cells[0].textContent"
                                       " === 'Informagiovani'")  # fmt: skip
            assert await page.evaluate(focused) == "Sposta"
            # listening to agent1's call from the desk phone, then stopping
            await press_enter_on(page, "tr[data-agent=agent1] button[data-action='Ascolta']")
            assert await page.wait_for("!document.getElementById('my-supervision').hidden")
            await asyncio.to_thread(eventually, lambda: spying(center), 20, "ChanSpy")
            assert "con Supervisore di prova (ascolto)" in await page.evaluate(
                "document.querySelector('tr[data-agent=agent1] .spies').textContent"
            )
            assert await accessibility_violations(page) == []
            await page.screenshot(shots / "centralino-live-supervisor.png")
            await press_enter_on(page, "#stop-listening")
            assert await page.wait_for("document.getElementById('my-supervision').hidden")
            await press_enter_on(page, f"{agent3} button[data-action='Scollega']")
            assert await page.wait_for(f"{badge(agent3)} === 'Non collegato'")
            # what was done, in the audit log's page (English this time)
            await page.call("Page.navigate", url=center.web + "/audit?actor=sup&lang=en")
            await page.wait_for("document.getElementById('audit') !== null")
            done = await page.evaluate("[...document.querySelectorAll('#audit td.action')]"
                                       ".map(td => td.textContent)")  # fmt: skip
            assert done[:6] == ["agent.logout", "supervision.stop", "supervision.listen",
                                "call.move", "call.priority", "agent.pause"]  # fmt: skip
            assert await page.evaluate("document.documentElement.lang") == "en"
            assert await accessibility_violations(page) == []
            await page.screenshot(shots / "centralino-audit.png")

    with a_call_with_a_supervisor(center, "3330002006"):
        waiting = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "1")],
                             hangup_after=60, caller="3330002007")  # fmt: skip
        waiting.start()
        try:
            asyncio.run(scenario())
        finally:
            hang_up(center, "3330002007")  # a killed sipp sends no BYE: the call would stay
            waiting.stop()
        eventually(lambda: center.contact("3330002007"), 15, "the waiting call ended")


def hang_up(center: Stack, caller: str) -> None:
    """Hang the citizen ``caller`` up from Asterisk's side (its CLI)."""
    for ch in channels(center):
        if ch["caller_id"] == caller and ch["channel"].startswith("PJSIP/citizens"):
            center.asterisk().cli(f"channel request hangup {ch['channel']}")


@pytest.mark.browser
def test_a_supervisor_listens_in_its_browser_softphone(center: Stack) -> None:
    """The live page's phone: the supervisor switches it on, it registers as sup-web, the
    engine rings it into ChanSpy on agent1's call, it answers, and the call's audio (the
    citizen's and the agent's tones) reaches the browser."""
    on_call = "document.getElementById('phone-call').dataset.state"

    async def scenario() -> None:
        async with open_page(center.web + "/login?next=/", FAKE_MEDIA) as page:
            await sign_in(page, *SUPERVISOR)
            assert not await page.evaluate("document.getElementById('phone-use').checked")
            await page.evaluate("document.getElementById('phone-use').click(); true")
            await page.wait_for(REGISTERED, timeout=15)
            assert await accessibility_violations(page) == []
            await press_enter_on(page, "tr[data-agent=agent1] button[data-action='Ascolta']")
            await page.wait_for(f"{on_call} === 'ringing'", timeout=20)
            await page.evaluate("document.getElementById('phone-answer').click(); true")
            await page.wait_for(f"{on_call} === 'talking'", timeout=20)
            spy = await asyncio.to_thread(eventually, lambda: spying_on(center, "PJSIP/sup-web-"),
                                          20, "ChanSpy in the browser")  # fmt: skip
            assert spy["data"].endswith(",uqESd")  # listening: no w, no B
            await page.wait_for(f"{AUDIO_STATS}.then(s => s.level > 0.01)", timeout=20)
            before = await page.evaluate(AUDIO_STATS)
            await asyncio.sleep(2)
            after = await page.evaluate(AUDIO_STATS)
            print(f"the supervisor's browser in 2 s of listening: {before} -> {after}")
            assert after["received"] - before["received"] > 60  # the call, 50 packets a second
            path = "/api/audit?action=supervision.listen&limit=1"
            _, found = await asyncio.to_thread(center.api, "GET", path)
            assert found["entries"][0]["detail"]["phone"] == "web"
            await page.evaluate("document.getElementById('phone-hangup').click(); true")
            await page.wait_for(f"{on_call} === 'idle'")
        eventually(lambda: center.snapshot()["supervision"] == [], 10, "the spy gone")

    with a_call_with_a_supervisor(center, "3330002008"):
        asyncio.run(scenario())


def spying_on(center: Stack, prefix: str) -> dict[str, str] | None:
    found = leg(center, prefix)
    return found if found is not None and found["application"] == "ChanSpy" else None


def test_a_supervisor_switches_mode_on_the_same_phone_call(center: Stack) -> None:
    """listen -> whisper -> barge -> listen without hanging up: the same spy channel, and
    each time exactly whom the mode says hears the supervisor (ChanSpy's d, a digit)."""
    with a_call_with_a_supervisor(center, "3330002009") as peers:
        spy = listen(center, "listen")
        for mode, agent_hears, caller_hears in (("whisper", True, False), ("barge", True, True),
                                                ("listen", False, False)):  # fmt: skip
            status, body = center.api("POST", "/api/supervision/mode", {"mode": mode})
            assert (status, body["supervision"]["mode"]) == (200, mode), body
            heard = measured(peers)
            for who, hears in (("agent", agent_hears), ("caller", caller_hears)):
                loud = heard[who][SUP_HZ]
                assert loud > HEARD if hears else loud < SILENT, (mode, who, heard)
            assert heard["sup"][CALLER_HZ] > HEARD, heard  # the supervisor hears all along
            now = spying(center)
            assert now is not None
            assert now["uniqueid"] == spy["uniqueid"], now  # the same phone call
        stop(center)
    path = "/api/audit?actor=sup&action=supervision.&limit=5"
    acts = ["supervision.whisper", "supervision.barge", "supervision.listen", "supervision.stop"]

    def audited() -> list[dict[str, Any]] | None:  # (the store's writer may still hold the last)
        found = center.api("GET", path)[1]["entries"]
        return found if [e["action"] for e in reversed(found)][-4:] == acts else None

    entries = eventually(audited, 10, f"the audit log's {acts}")
    assert entries[1]["detail"]["from"] == "barge"
