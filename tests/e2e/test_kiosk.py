"""The district totems in real browsers: a kiosk page and an agent's panel in two Chromiums
with fake cameras, through the real engine, Asterisk and PostgreSQL.

- The kiosk is enrolled with the credential `centralino kiosks add` printed, calls the URP
  while the only video agent is busy (paused: its place in line is shown), the agent answers
  in its panel (the screen pop names the kiosk's place), video frames are decoded on both
  sides (getStats framesDecoded > 0) and Asterisk relays video (the kiosk channel's
  CHANNEL(rtcp,all,video) counts); after the hang-up the kiosk starts over by itself; the
  contact is counted by `centralino report kiosks`.
- No video agent in ``voice_after_seconds`` (30 s here): a voice-only agent gets the call and
  the kiosk says it turned voice.
- A revoked credential is refused (the kiosk page says the totem is out of service); a
  service closed now shows its opening hours and no call button (``CENTRALINO_FAKE_NOW``: a
  Sunday).
- axe-core finds nothing on the kiosk page (its screens: start, closed, privacy, waiting).

Screenshots go to ``$CENTRALINO_SCREENSHOTS`` (docs/images for the docs).
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.browser import Page, accessibility_violations, open_page, sign_in
from tests.e2e.stack import Stack, eventually
from tests.e2e.test_softphone import rtcp_counts

pytestmark = [pytest.mark.stack, pytest.mark.browser]
CENTER = Path(__file__).with_name("kiosk.yaml")
ENGINE_ENV = {"CENTRALINO_FAKE_NOW": "2026-12-13T10:00:00+01:00"}  # a Sunday: anagrafe shut
SHOTS = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))
FAKE_MEDIA = (
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
    "--disable-dev-shm-usage",
)  # fmt: skip
# A totem whose camera is missing: Chromium's fake capture with no video device (its fake
# microphone stays).
NO_CAMERA = tuple(f"{flag}=device-count=0" if flag == "--use-fake-device-for-media-stream"
                  else flag for flag in FAKE_MEDIA)  # fmt: skip
VIDEO, VOICE = (
    ("agent6", "sei", "the video agent of the URP"),
    ("agent7", "sette", "a voice agent of the URP"),
)
REGISTERED = "document.getElementById('phone-registration').dataset.state === 'registered'"
CALL_STATE = "document.getElementById('phone-call').dataset.state"
KIOSK_STATE = "document.getElementById('k-state').dataset.state"
IN_SERVICE = "document.body.dataset.inService === 'true'"
# A page's load on 2 cores other runs share (a Chromium started, its scripts, a sign-in):
# generous, the waits end as soon as the page is there.
LOAD = 60
# Frames decoded from the inbound video of a peer connection (the kiosk's, the agent's).
FRAMES = """(pc) => pc.getStats().then(report => {
  let frames = 0, audio = 0;
  report.forEach(s => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
    if (s.type === 'inbound-rtp' && s.kind === 'audio') audio += s.packetsReceived || 0;
  });
  return {frames, audio}; })"""
KIOSK_STATS = f"({FRAMES})(kiosk.session.connection)"
AGENT_STATS = f"({FRAMES})(softphone.connection)"


@pytest.fixture(scope="module")
def agents(stack: Stack) -> None:
    for agent, user, password in (VIDEO, VOICE):
        stack.add_account(user, "agent", password, agent=agent)


def supervise(center: Stack, agent: str, action: str, **body: str) -> None:
    status, answer = center.api("POST", f"/api/agents/{agent}/{action}", dict(body))
    assert status == 200, answer


@asynccontextmanager
async def kiosk_page(
    center: Stack, kiosk: str, media: tuple[str, ...] = FAKE_MEDIA
) -> AsyncIterator[Page]:
    """/kiosk in a fresh Chromium: sent to enrolment, enrolled, in service."""
    credential = await asyncio.to_thread(center.add_kiosk, kiosk)
    async with open_page(center.web + "/kiosk", media) as page:
        await page.wait_for("location.pathname === '/kiosk/enroll'", LOAD)
        await page.wait_for("document.readyState === 'complete'", LOAD)  # its script listens
        await page.evaluate(f"document.getElementById('credential').value = '{credential}';"
                            "document.getElementById('enroll').requestSubmit(); true")  # fmt: skip
        await page.wait_for("location.pathname === '/kiosk'", LOAD)
        try:
            await page.wait_for(
                f"{IN_SERVICE} && document.querySelector('[data-service]') !== null", LOAD
            )
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}\n{await why_out_of_service(center, page, kiosk)}"
            ) from None
        yield page


async def why_out_of_service(center: Stack, page: Page, kiosk: str) -> str:
    """The kiosk page's view (its SIP registration, its feed) and Asterisk's of its contact."""
    seen = await page.evaluate(
        "JSON.stringify({registered: kiosk.registered, feedOpen: kiosk.feedOpen, "
        "feed: kiosk.feed, services: kiosk.settings && kiosk.settings.services, "
        "inService: document.body.dataset.inService, "
        "buttons: document.querySelectorAll('[data-service]').length, "
        "list: document.getElementById('k-services').outerHTML.slice(0, 300)})"
    )
    contact = await asyncio.to_thread(center.asterisk().cli, f"pjsip show aor kiosk-{kiosk}")
    return f"the page: {seen}\nAsterisk: {contact[-1500:]}"


@asynccontextmanager
async def agent_page(center: Stack, who: tuple[str, str, str], path: str) -> AsyncIterator[Page]:
    async with open_page(center.web + path, FAKE_MEDIA) as page:
        await sign_in(page, who[1], who[2], LOAD)
        await page.wait_for(REGISTERED, LOAD)
        yield page


async def rung(center: Stack, agent: Page, timeout: float) -> None:
    """The agent's panel rings within ``timeout``; else the failure says what the engine
    saw (the queues' calls, the agents' states)."""
    try:
        await agent.wait_for(f"{CALL_STATE} === 'ringing'", timeout)
    except AssertionError as exc:
        seen = await asyncio.to_thread(center.snapshot)
        rows = await asyncio.to_thread(
            center.query,
            "select contact_id, caller_number, ended_at, outcome, end_cause "
            "from contacts where caller_number like 'kiosk:%'",
        )
        log = center.asterisk().paths.host("log", "messages.log")
        notes = log.read_text()[-2000:] if log.exists() else "(no messages.log)"
        raise AssertionError(
            f"{exc}\nqueues: {seen['queues']}\nagents: {seen['agents']}"
            f"\nkiosks' contacts: {[dict(r) for r in rows]}\nAsterisk's messages.log: {notes}"
        ) from None


async def call_from(kiosk: Page, service: str) -> None:
    await kiosk.evaluate(f"document.querySelector('[data-service=\"{service}\"]').click(); true")
    await kiosk.wait_for("!document.getElementById('k-call').hidden")
    await kiosk.evaluate("document.getElementById('k-call').click(); true")


def report_kiosks(center: Stack) -> str:
    days = [str(date.today() + timedelta(days=d)) for d in (-1, 1)]  # around today, any zone
    argv = [sys.executable, "-m", "acd.cli", "report", "kiosks", str(center.config), "--from",
            days[0], "--to", days[1], "--data-dir", str(center.data_dir)]  # fmt: skip
    done = subprocess.run(argv, env={**os.environ, "CENTRALINO_DATABASE_URL": center.dsn},
                          capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    return done.stdout


def test_a_kiosk_video_call_waits_its_turn_then_video_flows_both_ways(
    center: Stack, agents: None
) -> None:
    supervise(center, "agent6", "login")
    supervise(center, "agent6", "pause", reason="back office")  # the only video agent: busy

    async def scenario() -> None:
        async with (
            kiosk_page(center, "q1-centro") as kiosk,
            agent_page(center, VIDEO, "/agent") as agent,
        ):
            assert await accessibility_violations(kiosk) == []
            await kiosk.screenshot(SHOTS / "centralino-kiosk-start.png")
            await call_from(kiosk, "urp")
            await kiosk.wait_for(f"{KIOSK_STATE} === 'waiting'", 20)
            await kiosk.wait_for("document.getElementById('k-figures').dataset.position === '1'")
            figures = await kiosk.evaluate("document.getElementById('k-figures').textContent")
            assert "1° in coda" in figures, figures
            assert await accessibility_violations(kiosk) == []
            await kiosk.screenshot(SHOTS / "centralino-kiosk-waiting.png")
            await asyncio.to_thread(center.ready, "agent6")
            await rung(center, agent, 20)
            await agent.wait_for("document.getElementById('pop-kiosk').textContent"
                                 ".includes('Quartiere 1')")  # fmt: skip
            await kiosk.wait_for(f"{KIOSK_STATE} === 'ringing'", 10)
            await agent.evaluate("document.getElementById('phone-answer').click(); true")
            await agent.wait_for(f"{CALL_STATE} === 'talking'", 15)
            await kiosk.wait_for(f"{KIOSK_STATE} === 'talking'", 15)
            await kiosk.wait_for(f"{KIOSK_STATS}.then(s => s.frames > 0)", 30)
            await agent.wait_for(f"{AGENT_STATS}.then(s => s.frames > 0)", 30)
            assert await agent.evaluate("softphone.videoCall")
            assert not await agent.evaluate("document.getElementById('phone-videos').hidden")
            before = await asyncio.to_thread(rtcp_counts, center, "PJSIP/kiosk-q1-centro", "video")
            await asyncio.sleep(3)
            after = await asyncio.to_thread(rtcp_counts, center, "PJSIP/kiosk-q1-centro", "video")
            seen = (await kiosk.evaluate(KIOSK_STATS), await agent.evaluate(AGENT_STATS))
            print(f"video: kiosk {seen[0]}, agent {seen[1]}; Asterisk, the kiosk's leg "
                  f"{before} -> {after}")  # fmt: skip
            assert after["rxcount"] - before["rxcount"] > 20  # the kiosk's camera, relayed
            assert after["txcount"] - before["txcount"] > 20  # the agent's camera, to it
            await kiosk.screenshot(SHOTS / "centralino-kiosk-call.png")
            await agent.screenshot(SHOTS / "centralino-agent-kiosk-call.png")
            assert await accessibility_violations(kiosk) == []
            await kiosk.evaluate("document.getElementById('k-hangup').click(); true")
            await agent.wait_for(f"{CALL_STATE} === 'idle'", 15)
            await kiosk.wait_for("!document.getElementById('k-ended').hidden", 10)
            await kiosk.wait_for("!document.getElementById('k-start').hidden && "
                                 "kiosk.service === null && kiosk.resets >= 1", 15)  # fmt: skip
            assert await kiosk.evaluate("kiosk.stream === null && kiosk.session === null")

    asyncio.run(scenario())
    row = eventually(lambda: center.contact("kiosk:q1-centro"), 15, "the kiosk's contact")
    assert (row["outcome"], row["agent_id"], row["service"]) == ("answered", "agent6", "urp")
    table = report_kiosks(center)  # one contact, answered, none abandoned
    assert re.search(r"^q1-centro +Quartiere 1 - Centro Storico +1 +1 +0 ", table, re.M), table


def test_without_a_video_agent_the_call_turns_voice_after_its_time(
    center: Stack, agents: None
) -> None:
    supervise(center, "agent7", "login")
    center.ready("agent7")  # a voice agent ready at once, the video agent logged out

    async def scenario() -> None:
        async with (
            kiosk_page(center, "q2-crocetta") as kiosk,
            agent_page(center, VOICE, "/phone") as agent,
        ):
            await call_from(kiosk, "urp")
            await kiosk.wait_for(f"{KIOSK_STATE} === 'waiting'", 20)
            await asyncio.sleep(5)
            assert await agent.evaluate(CALL_STATE) == "idle"  # not before its 30 s
            await rung(center, agent, 40)
            await kiosk.wait_for("!document.getElementById('k-voice').hidden", 10)
            await kiosk.screenshot(SHOTS / "centralino-kiosk-voice.png")
            await agent.evaluate("document.getElementById('phone-answer').click(); true")
            await kiosk.wait_for(f"{KIOSK_STATE} === 'talking'", 15)
            await kiosk.wait_for(f"{KIOSK_STATS}.then(s => s.audio > 50)", 20)
            assert (await kiosk.evaluate(KIOSK_STATS))["frames"] == 0  # voice only
            await kiosk.evaluate("document.getElementById('k-hangup').click(); true")
            await agent.wait_for(f"{CALL_STATE} === 'idle'", 30)

    try:
        asyncio.run(scenario())
    except AssertionError:  # (seen once in CI, under load: say what the engine and Asterisk
        # held, and free agent7 so that the module's next test is not failed by this one)
        agent7 = next(a for a in center.snapshot()["agents"] if a["id"] == "agent7")
        print("agent7:", agent7, "\nchannels:", center.asterisk().cli("core show channels concise"))
        center.api("POST", "/api/agents/agent7/call/hangup")
        raise
    row = eventually(lambda: center.contact("kiosk:q2-crocetta"), 15, "the kiosk's contact")
    assert (row["outcome"], row["agent_id"]) == ("answered", "agent7")
    assert row["wait_seconds"] >= 29


def test_a_closed_service_shows_its_hours_and_a_revoked_kiosk_is_refused(
    center: Stack, agents: None
) -> None:
    async def scenario() -> None:
        async with kiosk_page(center, "q1-centro") as kiosk:
            closed = "document.querySelector('[data-service=\"anagrafe\"]').className"
            assert await kiosk.evaluate(closed) == "closed"
            await kiosk.evaluate("document.querySelector('[data-service=\"anagrafe\"]')"
                                 ".click(); true")  # fmt: skip
            await kiosk.wait_for("!document.getElementById('k-closed').hidden")
            assert await kiosk.evaluate("document.getElementById('k-open').hidden")
            rows = await kiosk.evaluate("document.getElementById('k-hours').rows.length")
            assert rows == 5  # Monday to Friday
            await kiosk.evaluate("document.getElementById('k-lang').click(); true")
            assert await kiosk.evaluate("document.documentElement.lang") == "en"
            text = await kiosk.evaluate("document.getElementById('k-closed-text').textContent")
            assert "closed at the moment" in text, text
            assert await accessibility_violations(kiosk) == []
            await kiosk.screenshot(SHOTS / "centralino-kiosk-closed.png")
            await asyncio.to_thread(center.revoke_kiosk, "q1-centro")
            status = "fetch('/api/kiosk/settings').then(r => r.status)"
            assert await kiosk.evaluate(status) == 401
            await kiosk.evaluate("location.reload(); true")
            await kiosk.wait_for("location.search === '?refused=1'")
            refusal = await kiosk.evaluate("document.getElementById('kiosk-refused').textContent")
            assert "revocata" in refusal, refusal
            assert await accessibility_violations(kiosk) == []
            await kiosk.screenshot(SHOTS / "centralino-kiosk-refused.png")

    asyncio.run(scenario())


def test_an_untouched_kiosk_starts_over_and_one_without_a_camera_calls_by_voice(
    center: Stack, agents: None
) -> None:
    """... and a kiosk that vanishes mid-call (its Chromium killed: no BYE) has its call hung
    up ``gone_after_seconds`` (5 here) later."""
    supervise(center, "agent7", "login")
    center.ready("agent7")

    async def scenario() -> None:
        async with agent_page(center, VOICE, "/phone") as agent:
            async with kiosk_page(center, "q2-crocetta", NO_CAMERA) as kiosk:
                await idle_then_voice_call(center, kiosk, agent)
            started = asyncio.get_running_loop().time()
            await agent.wait_for(f"{CALL_STATE} === 'idle'", 30)
            gone = asyncio.get_running_loop().time() - started
            print(f"the kiosk's page gone: the agent's call ended {gone:.1f} s later")
            assert gone >= 4

    asyncio.run(scenario())
    row = eventually(lambda: center.contact("kiosk:q2-crocetta"), 15, "the kiosk's contact")
    assert (row["outcome"], row["agent_id"]) == ("answered", "agent7")
    assert row["talk_seconds"] is not None


async def idle_then_voice_call(center: Stack, kiosk: Page, agent: Page) -> None:
    assert await kiosk.evaluate("kiosk.settings.idle_seconds") == 60
    # Untouched: a service chosen, English on, then nothing. The page's own 60 s are made 2
    # here (the same timer, reading the settings each second).
    await kiosk.evaluate("document.querySelector('[data-service=\"urp\"]').click();"
                         "document.getElementById('k-lang').click(); true")  # fmt: skip
    await kiosk.wait_for("!document.getElementById('k-call').hidden")
    resets = await kiosk.evaluate("kiosk.resets")
    await kiosk.evaluate("kiosk.settings.idle_seconds = 2; true")
    await kiosk.wait_for(f"kiosk.resets > {resets}", 10)
    assert await kiosk.evaluate(
        "!document.getElementById('k-start').hidden && kiosk.service === null && "
        "document.documentElement.lang === 'it'")  # fmt: skip
    await kiosk.evaluate("kiosk.settings.idle_seconds = 60; true")
    # No camera: the call button offers a voice-only call, which an agent answers.
    await call_from(kiosk, "urp")
    await kiosk.wait_for("!document.getElementById('k-nocamera').hidden", 10)
    assert await kiosk.evaluate("document.activeElement.id") == "k-audio"
    assert await accessibility_violations(kiosk) == []
    await kiosk.screenshot(SHOTS / "centralino-kiosk-nocamera.png")
    await kiosk.evaluate("document.getElementById('k-audio').click(); true")
    await rung(center, agent, 40)
    await agent.evaluate("document.getElementById('phone-answer').click(); true")
    await kiosk.wait_for(f"{KIOSK_STATE} === 'talking'", 15)
    await kiosk.wait_for(f"{KIOSK_STATS}.then(s => s.audio > 50)", 20)
    assert (await kiosk.evaluate(KIOSK_STATS))["frames"] == 0
