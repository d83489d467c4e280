"""The agent's call controls on the real stack: sipp citizens and agents, Asterisk 22, the
engine, PostgreSQL. Hang up from the API; hold (the caller in MusicOnHold, per Asterisk's
own channel list) and resume (both legs in one bridge again); blind transfer to another
service and to a ready colleague, one contact in the end; what is refused, and why."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from demo.sipp import Answer, NoAnswer, SippAgent, SippCaller
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
