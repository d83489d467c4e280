"""The agent's softphone in a real browser: Chromium signs in, registers with JsSIP through
the engine's /sip, rings for a real sipp citizen routed by the ACD, answers, carries audio
both ways (DTLS-SRTP, opus to the citizen's G.711), hangs up; and a closed page makes the
agent unreachable (a queued caller waits, no missed ring) until the phone registers again.

Fake media (webrtc-notes.md): Chromium's fake microphone sends a beep; the citizen plays
the speech capture Debian's sip-tester ships. Timings measured are printed (pytest -s).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from demo.sipp import SippCaller, SippSpeaker
from tests.e2e.browser import Page, accessibility_violations, open_page, sign_in
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_ami_outage import ami_cut
from tests.integration.asterisk.helpers import Ami

pytestmark = [pytest.mark.stack, pytest.mark.browser]
CENTER = Path(__file__).with_name("softphone.yaml")
AGENT, USER, PASSWORD = "agent6", "sei", "a phone that lives in the browser"
FAKE_MEDIA = (
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
    "--disable-dev-shm-usage",
)  # fmt: skip
AFTER_MENU = 2.5  # seconds from the answer to the menu (as tests/e2e/test_calls.py)
REGISTERED = "document.getElementById('phone-registration').dataset.state === 'registered'"
CALL_STATE = "document.getElementById('phone-call').dataset.state"
READY = """fetch('/api/agents/agent6/ready', {method: 'POST', body: '{}', headers: {
  'Content-Type': 'application/json',
  'X-CSRF-Token': document.querySelector('meta[name="csrf-token"]').content,
}}).then(r => r.status)"""
AUDIO_STATS = """softphone.connection.getStats().then(report => {
  const seen = {};
  report.forEach(s => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      seen.received = s.packetsReceived; seen.level = s.audioLevel || 0; }
    if (s.type === 'outbound-rtp' && s.kind === 'audio') seen.sent = s.packetsSent;
  });
  return seen; })"""
# A key of the keypad, and the tones waiting in the audio sender's RTCDTMFSender (RFC 4733)
DTMF_SENT = """softphone.sendDtmf('5') &&
  softphone.connection.getSenders().find(s => s.dtmf).dtmf.toneBuffer"""
# Answer, then the time (ms) until the media path is up (ICE and DTLS connected).
ANSWER_TIMED = """(async () => {
  const t0 = performance.now();
  document.getElementById('phone-answer').click();
  while (!(softphone.connection && softphone.connection.connectionState === 'connected'))
    await new Promise(r => setTimeout(r, 20));
  return performance.now() - t0; })()"""


@pytest.fixture(scope="module")
def agent_account(stack: Stack) -> str:
    stack.add_account(USER, "agent", PASSWORD, agent=AGENT)
    return USER


@asynccontextmanager
async def phone(center: Stack) -> AsyncIterator[Page]:
    """/phone in a fresh Chromium, signed in as agent6, registered; it prints how long."""
    async with open_page(center.web + "/phone", FAKE_MEDIA) as page:
        await sign_in(page, USER, PASSWORD)
        assert await page.evaluate("location.pathname") == "/phone"
        await page.wait_for(REGISTERED, timeout=15)
        at = await page.evaluate("document.getElementById('phone-registration').dataset.at")
        print(f"softphone registered {at} ms after the page started loading")
        yield page


def agent(center: Stack) -> dict[str, Any]:
    return next(a for a in center.snapshot()["agents"] if a["id"] == AGENT)


def informagiovani(center: Stack) -> dict[str, Any]:
    return next(q for q in center.snapshot()["queues"] if q["service"] == "informagiovani")


def rtcp_counts(center: Stack, channel_prefix: str, media: str = "audio") -> dict[str, int]:
    """Asterisk's RTP counts of ``media`` on a leg: rxcount from it, txcount to it."""
    concise = center.asterisk().cli("core show channels concise")
    channel = next(line.split("!")[0] for line in concise.splitlines()
                   if line.startswith(channel_prefix))  # fmt: skip
    secret = (center.data_dir / "ami-secret").read_text().strip()
    ami = Ami(center.cfg.ports.ami, "centralino", secret)
    try:
        value = ami.action("Getvar", Channel=channel, Variable=f"CHANNEL(rtcp,all,{media})")[
            "Value"
        ]
    finally:
        ami.close()
    return {k: int(float(v)) for k, v in re.findall(r"(rxcount|txcount)=([0-9.]+)", value)}


async def two_ways(page: Page, center: Stack) -> tuple[dict[str, Any], dict[str, int]]:
    """RTP counts now: the browser's, and Asterisk's of the citizen's leg."""
    browser = await page.evaluate(AUDIO_STATS)
    return browser, await asyncio.to_thread(rtcp_counts, center, "PJSIP/citizens")


def test_the_browser_agent_takes_a_citizens_call_with_audio_both_ways(
    center: Stack, agent_account: str
) -> None:
    speaker = SippSpeaker(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "2")],
                          speak_after=2, hangup_after=30, caller="3335550001")  # fmt: skip

    async def scenario() -> None:
        async with phone(center) as page:
            contacts = center.asterisk().cli("pjsip show contacts")
            assert re.search(r"agent6-web/sip:\S+@127.0.0.1:\d+;transp", contacts), contacts
            assert agent(center)["phone"] == "web"
            assert await accessibility_violations(page) == []
            devices = await page.evaluate("softphone.devices()")
            assert devices["inputs"], devices  # Chromium's fake microphone, at least
            assert await page.evaluate(READY) == 200
            speaker.start()
            await page.wait_for(f"{CALL_STATE} === 'ringing'", timeout=30)
            assert await page.evaluate("softphone.ring.ringing")  # the tone plays
            assert "3335550001" in await page.evaluate(
                "document.getElementById('phone-call').textContent"
            )
            assert await accessibility_violations(page) == []
            media_ms = await page.evaluate(ANSWER_TIMED)
            print(f"media up (ICE + DTLS) {media_ms:.0f} ms after answering")
            await page.wait_for(f"{CALL_STATE} === 'talking'")
            assert not await page.evaluate("softphone.ring.ringing")
            await page.wait_for(f"{AUDIO_STATS}.then(s => s.level > 0.01)", timeout=20)  # speech
            before = await two_ways(page, center)
            await asyncio.sleep(3)  # 50 packets a second each way; the capture sends 33
            after = await two_ways(page, center)
            print(f"in 3 s of talk: browser {before[0]} -> {after[0]}; "
                  f"Asterisk, the citizen's leg: {before[1]} -> {after[1]}")  # fmt: skip
            assert after[0]["received"] - before[0]["received"] > 100  # the citizen's speech
            assert after[0]["sent"] - before[0]["sent"] > 100  # the agent's voice
            assert after[1]["rxcount"] - before[1]["rxcount"] > 60  # from the citizen
            assert after[1]["txcount"] - before[1]["txcount"] > 100  # to it: the agent, in G.711
            assert agent(center)["state"] == "on_call"
            await page.evaluate("document.getElementById('phone-mute').click(); true")
            assert await page.evaluate("softphone.muted")
            assert await page.evaluate(DTMF_SENT) == "5"
            await page.evaluate("document.getElementById('phone-hangup').click(); true")
            await page.wait_for(f"{CALL_STATE} === 'idle'")

    try:
        asyncio.run(scenario())
        row = eventually(lambda: center.contact("3335550001"), 15, "the contact row")
    finally:
        speaker.stop()
    assert (row["outcome"], row["agent_id"], row["service"]) == ("answered", AGENT,
                                                                 "informagiovani")  # fmt: skip
    assert row["talk_seconds"] >= 2


SECOND_USER, SECOND_PASSWORD = "uno", "a second browser on the same floor"
TRANSFER_TO_URP = """document.getElementById('transfer-service-to').value = 'urp';
  document.querySelector('#transfer-service button').click(); true"""


def test_a_transfer_to_another_service_is_answered_in_a_second_browser(
    center: Stack, agent_account: str
) -> None:
    """agent6 answers in its panel, transfers the citizen to URP; agent1, whose calls ring in
    the /phone page of a second browser, answers there: audio both ways, one contact."""
    center.add_account(SECOND_USER, "agent", SECOND_PASSWORD, agent="agent1")
    speaker = SippSpeaker(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "2")],
                          speak_after=2, hangup_after=45, caller="3335550009")  # fmt: skip

    async def scenario() -> None:
        async with (
            open_page(center.web + "/agent", FAKE_MEDIA) as first,
            open_page(center.web + "/phone", FAKE_MEDIA) as second,
        ):
            await sign_in(first, USER, PASSWORD)
            await sign_in(second, SECOND_USER, SECOND_PASSWORD)
            for page in (first, second):
                await page.wait_for(REGISTERED, timeout=15)
            assert await first.evaluate(READY) == 200
            speaker.start()
            await first.wait_for(f"{CALL_STATE} === 'ringing'", timeout=30)
            await first.evaluate("document.getElementById('phone-answer').click(); true")
            await first.wait_for(f"{CALL_STATE} === 'talking'")
            await asyncio.to_thread(center.ready, "agent1")  # only now: agent6 took the call
            seen = next(a for a in center.snapshot()["agents"] if a["id"] == "agent1")
            assert seen["phone"] == "web"  # its browser, not its desk phone
            await first.wait_for("[...document.getElementById('transfer-service-to').options]"
                                 ".some(o => o.value === 'urp')")  # fmt: skip
            await first.evaluate(TRANSFER_TO_URP)
            await first.wait_for(f"{CALL_STATE} === 'idle'", timeout=10)
            await second.wait_for(f"{CALL_STATE} === 'ringing'", timeout=20)
            assert "3335550009" in await second.evaluate(
                "document.getElementById('phone-call').textContent"
            )
            await second.evaluate("document.getElementById('phone-answer').click(); true")
            await second.wait_for(f"{CALL_STATE} === 'talking'")
            await second.wait_for(f"{AUDIO_STATS}.then(s => s.level > 0.01)", timeout=20)
            before = await two_ways(second, center)
            await asyncio.sleep(3)
            after = await two_ways(second, center)
            print(f"after the transfer, in 3 s: browser {before[0]} -> {after[0]}; "
                  f"Asterisk, the citizen's leg: {before[1]} -> {after[1]}")  # fmt: skip
            assert after[0]["received"] - before[0]["received"] > 100  # the citizen's speech
            assert after[0]["sent"] - before[0]["sent"] > 100
            assert after[1]["rxcount"] - before[1]["rxcount"] > 60
            assert after[1]["txcount"] - before[1]["txcount"] > 100
            await second.evaluate("document.getElementById('phone-hangup').click(); true")
            await second.wait_for(f"{CALL_STATE} === 'idle'")

    try:
        asyncio.run(scenario())
        row = eventually(lambda: center.contact("3335550009"), 15, "one contact row")
    finally:
        speaker.stop()
    assert (row["outcome"], row["agent_id"], list(row["service_path"])) == (
        "answered", "agent1", ["informagiovani", "urp"],
    )  # fmt: skip


def test_a_closed_page_leaves_the_agent_unreachable_until_it_registers_again(
    center: Stack, agent_account: str
) -> None:
    caller = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(AFTER_MENU, "2")],
                        caller="3335550002")  # fmt: skip

    async def first_page() -> None:
        async with phone(center) as page:
            assert await page.evaluate(READY) == 200
            assert agent(center)["phone"] == "web"
            closing = time.monotonic()
        eventually(lambda: agent(center)["phone"] is None, 10, "agent6 unreachable")
        print(f"unreachable {time.monotonic() - closing:.2f} s after the browser was told to end")

    async def second_page() -> None:
        async with phone(center) as page:
            await page.wait_for(f"{CALL_STATE} === 'ringing'", timeout=15)
            await page.evaluate("document.getElementById('phone-answer').click(); true")
            await page.wait_for(f"{CALL_STATE} === 'talking'")
            await page.evaluate("document.getElementById('phone-hangup').click(); true")
            await page.wait_for(f"{CALL_STATE} === 'idle'")

    since = datetime.now(UTC)
    try:
        asyncio.run(first_page())
        caller.start()
        eventually(lambda: informagiovani(center)["waiting"] == 1, 20, "the caller queued")
        time.sleep(3)  # long enough for a ring to start, had the agent been offered it
        queue, seat = informagiovani(center), agent(center)
        assert [c["ringing"] for c in queue["calls"]] == [False]
        assert (seat["state"], seat["reason"], seat["phone"]) == ("ready", "", None)
        asyncio.run(second_page())
        result = caller.wait(30)
    finally:
        caller.stop()
    assert result.ok, result.errors
    row = eventually(lambda: center.contact("3335550002"), 15, "the contact row")
    assert (row["outcome"], row["agent_id"]) == ("answered", AGENT)
    assert row["wait_seconds"] >= 3
    states = center.query("select state, reason from agent_states where agent_id = $1 "
                          "and at >= $2 order by id", AGENT, since)  # fmt: skip
    assert ("ready", "missed") not in [(s["state"], s["reason"]) for s in states]
    assert [s["state"] for s in states].count("ringing") == 1


def test_registrations_unseen_while_ami_was_away_are_found_after_the_login(
    center: Stack, agent_account: str
) -> None:
    """After every AMI login the engine asks Asterisk which phones are registered."""

    async def scenario() -> None:
        async with AsyncExitStack() as browser:
            with ami_cut(center):
                await browser.enter_async_context(phone(center))  # registers, unseen
                assert agent(center)["phone"] is None
            eventually(lambda: agent(center)["phone"] == "web", 10, "the softphone listed")
            with ami_cut(center):
                await browser.aclose()  # the browser ends, unseen
                await asyncio.sleep(1)
                assert agent(center)["phone"] == "web"
        eventually(lambda: agent(center)["phone"] is None, 10, "the softphone gone")

    asyncio.run(scenario())


def test_the_softphone_in_english_reconnects_by_itself(center: Stack, agent_account: str) -> None:
    async def scenario() -> None:
        async with phone(center) as page:
            await page.call("Page.navigate", url=center.web + "/phone?lang=en")
            await page.wait_for(f"document.documentElement.lang === 'en' && {REGISTERED}")
            assert "ready: calls ring here" in await page.evaluate(
                "document.getElementById('phone-registration').textContent")  # fmt: skip
            assert await accessibility_violations(page) == []
            # The websocket drops (a proxy restarting, a network blip): JsSIP sees it closed.
            await page.evaluate("softphone._ua._transport.socket._ws.close(); true")
            await page.wait_for("document.getElementById('phone-registration').dataset.state"
                                " === 'disconnected'")  # fmt: skip
            dropped = time.monotonic()
            await page.wait_for(REGISTERED, timeout=15)
            print(f"registered again {time.monotonic() - dropped:.1f} s after the drop")
            eventually(lambda: agent(center)["phone"] == "web", 10, "the softphone back")

    asyncio.run(scenario())
