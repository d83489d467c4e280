"""A short AMI outage on the real stack, as an operator meets it: Asterisk keeps running,
the engine's AMI connection is cut (the manager moved to another port, the session killed),
then restored. Nothing noticeable may follow: no ghost caller ringing
an agent for ever, no agent paused for rings that could not be sent.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from demo.sipp import Answer
from tests.e2e.browser import open_page, sign_in
from tests.e2e.stack import SUPERVISOR, Stack, eventually
from tests.e2e.test_calls import agent_phone, caller

pytestmark = pytest.mark.stack


def telephony(stack: Stack) -> bool:
    return bool(stack.api("GET", "/healthz")[1]["parts"]["telephony"])


@contextmanager
def ami_cut(stack: Stack) -> Iterator[None]:
    """AMI away while Asterisk runs on: the manager moved to another port (reloaded), the
    engine's session killed (``ss -K``, as a network fault would), then all put back."""
    conf = stack.asterisk().paths.host("etc", "manager.conf")
    text = conf.read_text()
    port = stack.cfg.ports.ami
    conf.write_text(re.sub(rf"(?m)^port = {port}$", f"port = {port + 7}", text))
    stack.asterisk().cli("manager reload")
    kill = ["ss", "-K", f"( dport = :{port} or sport = :{port} )"]
    subprocess.run(kill, check=True, capture_output=True, timeout=10)
    try:
        eventually(lambda: not telephony(stack), 15, "the engine to lose AMI")
        yield
    finally:
        conf.write_text(text)
        stack.asterisk().cli("manager reload")
    eventually(lambda: telephony(stack), 20, "the AMI connection back")


def waiting(stack: Stack) -> list[dict[str, object]]:
    return [c for q in stack.snapshot()["queues"] for c in q["calls"]]


def states_since(stack: Stack, agent_id: str, since: datetime) -> list[tuple[str, str]]:
    rows = stack.query("select state, reason from agent_states where agent_id = $1 "
                       "and at >= $2 order by id", agent_id, since)  # fmt: skip
    return [(r["state"], r["reason"]) for r in rows]


def now(stack: Stack) -> datetime:
    return stack.query("select now() as t")[0]["t"]  # type: ignore[no-any-return]


def test_a_caller_who_hangs_up_during_the_outage_is_closed_not_a_ghost(center: Stack) -> None:
    number = "3338000001"
    citizen = caller(center, number, "1", hangup_after=9)  # hangs up while AMI is away
    citizen.start()
    eventually(lambda: waiting(center), 20, "the caller in the queue")
    with ami_cut(center):
        citizen.wait(timeout=30)  # gone; its Hangup never reaches the engine
        time.sleep(1)
    eventually(lambda: not waiting(center), 10, "the lost caller gone from the queue")
    row = eventually(lambda: center.contact(number), 10, "the lost contact closed")
    assert (row["outcome"], row["end_cause"]) == ("abandoned", "telephony-lost")

    since = now(center)
    with agent_phone(center, "agent1", Answer(ring_seconds=0.3, talk_seconds=2)):
        center.ready("agent1")
        time.sleep(3)  # a ghost would ring the phone several times a second here
        assert states_since(center, "agent1", since) == [("paused", "login"), ("ready", "")]
        result = caller(center, "3338000002", "1", hangup_after=None).run(timeout=40)
        assert result.ok, result.errors
        answered = eventually(lambda: center.contact("3338000002"), 15, "the next contact")
    assert (answered["outcome"], answered["agent_id"]) == ("answered", "agent1")
    rings = [s for s in states_since(center, "agent1", since) if s[0] == "ringing"]
    assert len(rings) == 1  # one INVITE, for the next real caller


def test_a_call_that_queues_during_the_outage_waits_and_no_agent_is_paused(
    center: Stack,
) -> None:
    number = "3338000003"
    since = now(center)
    with agent_phone(center, "agent1", Answer(ring_seconds=0.3, talk_seconds=2)):
        center.ready("agent1")
        with ami_cut(center):
            citizen = caller(center, number, "1", hangup_after=None)
            citizen.start()  # the IVR works over FastAGI, which needs no AMI
            eventually(lambda: waiting(center), 20, "the caller queued during the outage")
            time.sleep(1)
            agent = next(a for a in center.snapshot()["agents"] if a["id"] == "agent1")
            assert agent["state"] == "ready"  # not rung: nothing can reach Asterisk
        result = citizen.wait(timeout=40)  # answered once AMI is back, then the agent hangs up
        assert result.ok, result.errors
        row = eventually(lambda: center.contact(number), 15, "the contact row")
    assert (row["outcome"], row["agent_id"], row["end_cause"]) == ("answered", "agent1", None)
    states = states_since(center, "agent1", since)
    assert not [s for s in states if s[0] == "paused" and s[1] != "login"], states
    assert not [s for s in states if s[1] == "missed"], states
    assert [s for s in states if s[0] == "ringing"] == [("ringing", "")]


def test_healthz_reports_the_core_loop_and_its_inbox(center: Stack) -> None:
    status, body = center.api("GET", "/healthz")
    assert status == 200
    assert body["parts"] == {"telephony": True, "core": True}
    assert body["inbox"] == 0
    assert body["events_failed"] == 0


@pytest.mark.browser
def test_the_live_page_says_when_telephony_is_down_and_back(center: Stack) -> None:
    status = "document.getElementById('status').textContent"

    async def scenario() -> None:
        async with open_page(center.web + "/login?next=/") as page:
            await sign_in(page, *SUPERVISOR)
            assert await page.wait_for("document.body.dataset.telephony === 'up'")
            cut = ami_cut(center)
            await asyncio.to_thread(cut.__enter__)
            try:
                assert await page.wait_for("document.body.dataset.telephony === 'down'")
                assert "centralino telefonico interrotto" in await page.evaluate(status)
                shots = Path(os.environ.get("CENTRALINO_SCREENSHOTS", "/tmp"))
                await page.screenshot(shots / "centralino-live-telephony-down.png")
            finally:
                await asyncio.to_thread(cut.__exit__, None, None, None)
            assert await page.wait_for("document.body.dataset.telephony === 'up'")
            assert "interrotto" not in await page.evaluate(status)

    asyncio.run(scenario())
