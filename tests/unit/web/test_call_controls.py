"""The call controls' web side without a server: what a request body becomes, and where
the panel's feed says a call may be transferred."""

from __future__ import annotations

import pytest

from acd.core import events as e
from acd.web.call_controls import CONTROLS, transfer_targets
from acd.web.errors import ApiError
from tests.unit.core.helpers import Desk


def test_each_control_is_the_engines_request_for_the_agent_of_the_path() -> None:
    assert CONTROLS["hangup"]("agent1", {}) == e.AgentHungUpCall("agent1")
    assert CONTROLS["hold"]("agent1", {}) == e.AgentHeldCall("agent1")
    assert CONTROLS["resume"]("agent1", {}) == e.AgentResumedCall("agent1")
    assert CONTROLS["transfer"]("agent1", {"service": "urp"}) == e.AgentTransferredToService(
        "agent1", "urp"
    )
    assert CONTROLS["transfer"]("agent1", {"agent": "agent2"}) == e.AgentTransferredToAgent(
        "agent1", "agent2"
    )


@pytest.mark.parametrize(
    "body", [{}, {"service": "urp", "agent": "agent2"}, {"service": ""}, {"agent": 3}]
)
def test_a_transfer_names_a_service_or_an_agent_one_of_them(body: dict[str, object]) -> None:
    with pytest.raises(ApiError) as refused:
        CONTROLS["transfer"]("agent1", body)
    assert (refused.value.status, refused.value.code) == (400, "bad-transfer")


def test_a_call_goes_to_any_service_or_to_a_colleague_ready_and_reachable() -> None:
    desk = Desk({"a1": {"urp"}, "a2": {"urp"}, "a3": {"urp"}, "a4": {"urp"}},
                web_only=frozenset({"a4"}))  # fmt: skip
    desk.ready("a1", "a2", "a4")  # a4 has no phone registered: offered nothing
    desk.send(e.AgentLoggedIn("a3"))  # paused
    targets = transfer_targets(desk.engine.view(), "a1")
    assert targets["services"] == [{"service": "urp", "name": "urp"}]
    assert targets["agents"] == [{"id": "a2", "name": "a2"}]
