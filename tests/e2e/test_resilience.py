"""Bad traffic and lost connections on the real stack: nothing freezes, nothing is lost."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest

from acd.privacy.numbers import masked
from demo.sipp import Answer, SippAgent, SippCaller
from tests.e2e.stack import Stack, eventually

pytestmark = pytest.mark.stack


def _health(stack: Stack) -> tuple[int, dict[str, object]]:
    return stack.api("GET", "/healthz")


def _answered_call(stack: Stack, caller: str) -> None:
    with SippAgent("agent1", 36001, Answer(ring_seconds=0.3)):
        stack.ready("agent1")
        call = SippCaller(stack.number, stack.cfg.ports.sip, dtmf=[(2.5, "1")],
                          hangup_after=4, caller=caller)  # fmt: skip
        assert call.run(timeout=30).ok
        row = eventually(lambda: stack.contact(caller), 15, "the contact row")
    assert row["outcome"] == "answered"


def test_port_scan_and_garbage_on_fastagi_do_not_freeze_the_engine(center: Stack) -> None:
    for payload in (b"", b"agi_network: yes\n", b"\xff\xfe garbage\n\n", b"agi_request: x"):
        with socket.create_connection(("127.0.0.1", center.cfg.ports.agi), timeout=2) as s:
            s.sendall(payload)
    started = time.monotonic()
    assert _health(center)[0] == 200
    assert time.monotonic() - started < 1.0
    _answered_call(center, "3330000020")


def test_bad_http_requests_get_clear_answers(center: Stack) -> None:
    client = center.supervisor
    client.login()
    status, _ = client.raw("POST", "/api/agents/agent1/pause", b"{not json", "application/json",
                           {"X-CSRF-Token": client.csrf})  # fmt: skip
    assert status == 400
    status, body = center.api("POST", "/api/agents/agent1/pause", [1, 2])  # type: ignore[arg-type]
    assert (status, body["error"]) == (400, "bad-json")


def test_engine_reconnects_after_asterisk_restarts(center: Stack) -> None:
    center.asterisk().cli("core restart now")
    eventually(lambda: _health(center)[0] == 503 or None, 10, "the engine to notice")
    eventually(lambda: _health(center)[0] == 200 or None, 30, "the AMI connection back")
    _answered_call(center, "3330000021")


def test_calls_cut_by_an_asterisk_restart_are_closed_and_the_agent_freed(center: Stack) -> None:
    """Asterisk restarted (``core restart now``) with agent1 talking to one citizen and a
    second one waiting: both calls are gone with it. Once the engine is logged in again, both
    contacts are closed, agent1 is not left on a call that no longer exists, and it answers
    the next citizen. The calls were cut, not left: Asterisk says so before each hang-up
    (SoftHangupRequest, Cause 4), so the talk ends ``answered`` and the waiting caller
    ``system-ended`` (no abandon to count), both with the end cause ``asterisk-stopped``."""
    talker, waiter = "3330000022", "3330000023"
    callers = [SippCaller(center.number, center.cfg.ports.sip, dtmf=[(2.5, "1")],
                          hangup_after=90, caller=n) for n in (talker, waiter)]  # fmt: skip
    with SippAgent("agent1", 36001, Answer(ring_seconds=0.3)):
        center.ready("agent1")
        try:
            callers[0].start()
            eventually(lambda: _agent(center, "agent1")["state"] == "on_call", 30, "the talk")
            callers[1].start()
            eventually(lambda: _waiting(center, waiter), 30, "the second caller waiting")
            center.asterisk().cli("core restart now")
            eventually(lambda: _health(center)[0] == 503 or None, 10, "the engine to notice")
            eventually(lambda: _health(center)[0] == 200 or None, 30, "the AMI connection back")
            ended = {n: _closed(center, n) for n in (talker, waiter)}
            fates = {n: (r["outcome"], r["end_cause"]) for n, r in ended.items()}
            assert fates == {talker: ("answered", "asterisk-stopped"),
                             waiter: ("system-ended", "asterisk-stopped")}  # fmt: skip
            assert ended[talker]["answered_at"] is not None
            eventually(lambda: _agent(center, "agent1")["state"] == "ready", 30, "agent1 free")
            assert _waiting(center, waiter) is None
            after = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(2.5, "1")],
                               hangup_after=4, caller="3330000024")  # fmt: skip
            assert after.run(timeout=30).ok
            row = eventually(lambda: center.contact("3330000024"), 15, "the next contact")
            assert (row["outcome"], row["agent_id"]) == ("answered", "agent1")
        finally:
            for caller in callers:
                caller.stop()


def _closed(stack: Stack, number: str) -> Any:
    return eventually(lambda: stack.contact(number), 30, f"{number}'s contact closed")


def _agent(stack: Stack, agent_id: str) -> dict[str, Any]:
    return next(a for a in stack.snapshot()["agents"] if a["id"] == agent_id)


def _waiting(stack: Stack, number: str) -> dict[str, Any] | None:
    calls = [c for q in stack.snapshot()["queues"] for c in q["calls"]]
    return next((c for c in calls if c["caller"] == masked(number)), None)


def test_a_call_claiming_to_be_the_citizens_trunk_from_another_host_gets_no_ivr(
    center: Stack,
) -> None:
    """The trunk is identified by its address only (``identify_by = ip``): an INVITE with
    ``From: citizens`` from 127.0.0.2 (another host) is refused; the same from the trunk's
    address is served."""
    sly = SippCaller(center.number, center.cfg.ports.sip, hangup_after=2, caller="citizens",
                     local_ip="127.0.0.2")  # fmt: skip
    result = sly.run(timeout=30)
    assert not result.ok
    assert result.successful == 0
    arrived = center.query("select count(*) from contacts where caller_number = 'citizens'")
    assert arrived[0][0] == 0
    trunk = SippCaller(center.number, center.cfg.ports.sip, dtmf=[(2.5, "1")], hangup_after=3,
                       caller="citizens")  # fmt: skip
    assert trunk.run(timeout=30).ok
    eventually(lambda: center.contact("citizens"), 15, "the trunk's call recorded")
