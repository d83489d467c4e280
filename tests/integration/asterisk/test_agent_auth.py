"""Agents prove who they are: a real Asterisk challenges their REGISTER and INVITE.

agent1 has no fixed contact here (a softphone that registers); the others keep their
sipp phones. The citizens' trunk and calls to the agents are covered by test_asterisk_live.
"""

from __future__ import annotations

import pytest

from acd.asterisk import Asterisk
from acd.config import CenterConfig, load_config
from demo.sipp import SippCaller, SippRegistration
from tests.integration.asterisk.helpers import write_test_config

pytestmark = pytest.mark.stack
SIP_PORT = 25060


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> CenterConfig:
    cfg = load_config(write_test_config(tmp_path_factory.mktemp("center")))
    softphone = cfg.agents[0].model_copy(update={"contact": None})
    return cfg.model_copy(update={"agents": (softphone, *cfg.agents[1:])})


def contacts(pbx: Asterisk, agent_id: str) -> str:
    return pbx.cli(f"pjsip show aor {agent_id}")


def test_a_register_with_a_wrong_password_is_refused(pbx: Asterisk) -> None:
    result = SippRegistration("agent1", SIP_PORT, "not-the-password").run(timeout=10)
    assert result.failed == 1, result
    assert "401 Unauthorized" in result.errors, result
    assert "sip:agent1@127.0.0.1" not in contacts(pbx, "agent1")


def test_a_register_with_the_agents_password_is_accepted(pbx: Asterisk) -> None:
    """The scenario fails unless the first REGISTER is challenged and the answer accepted."""
    password = pbx.agent_password("agent1")
    result = SippRegistration("agent1", SIP_PORT, password).run(timeout=10)
    assert result.ok, result
    assert result.successful == 1, result
    assert "sip:agent1@127.0.0.1" in contacts(pbx, "agent1")


def test_another_agents_password_does_not_open_an_account(pbx: Asterisk) -> None:
    result = SippRegistration("agent1", SIP_PORT, pbx.agent_password("agent2")).run(timeout=10)
    assert result.failed == 1, result


def test_an_invite_as_an_agent_without_credentials_is_refused(pbx: Asterisk) -> None:
    result = SippCaller("0592032032", SIP_PORT, caller="agent1").run(timeout=10)
    assert result.failed == 1, result
    assert "401 Unauthorized" in result.errors, result
    assert not pbx.cli("core show channels concise").strip()


def test_each_agent_has_its_stored_password(pbx: Asterisk, center: CenterConfig) -> None:
    auths = pbx.cli("pjsip show auths")
    for agent in center.agents:
        assert f"{agent.id}-auth/{agent.id}" in auths
    owners = center.phone_owners()  # the agents, and the supervisors' desk phones
    assert pbx.agent_passwords() == {owner: pbx.agent_password(owner) for owner in owners}
    for supervisor in center.supervisors:
        assert f"{supervisor.id}-auth/{supervisor.id}" in auths
