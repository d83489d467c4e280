"""The role matrix and the login throttle, pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from acd.access.accounts import Role
from acd.access.policy import Principal, Rule, Scope, allows
from acd.access.throttle import LoginThrottle

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
AGENT = Principal("anna", Role.AGENT, agent_id="agent1", csrf="x")
SUPERVISOR = Principal("sara", Role.SUPERVISOR, csrf="x")
ADMIN = Principal("root", Role.ADMIN, csrf="x")
METRICS_TOKEN = Principal("token abc", scope=Scope.METRICS)
CALLBACK_TOKEN = Principal("token def", scope=Scope.CALLBACKS)
KIOSK = Principal("kiosk q1-centro", kiosk_id="q1-centro", csrf="k")
WHO = {"nobody": None, "agent": AGENT, "supervisor": SUPERVISOR, "admin": ADMIN,
       "metrics-token": METRICS_TOKEN, "callbacks-token": CALLBACK_TOKEN,
       "kiosk": KIOSK}  # fmt: skip
# The matrix of acd/access/policy.py's docstring, row by row (own-agent: on agent1).
MATRIX = {
    Rule.PUBLIC: {
        "nobody",
        "agent",
        "supervisor",
        "admin",
        "metrics-token",
        "callbacks-token",
        "kiosk",
    },
    Rule.SIGNED_IN: {"agent", "supervisor", "admin"},
    Rule.OWN_AGENT: {"agent", "supervisor"},
    Rule.AGENT: {"agent"},
    Rule.PHONE: {"agent", "supervisor"},
    Rule.SUPERVISOR: {"supervisor"},
    Rule.ADMIN: {"admin"},
    Rule.AUDIT: {"supervisor", "admin"},
    Rule.METRICS: {"supervisor", "admin", "metrics-token"},
    Rule.KIOSK: {"kiosk"},
    Rule.CALLBACKS: {"callbacks-token"},
}


@pytest.mark.parametrize("rule", list(Rule))
def test_each_rule_allows_exactly_its_row_of_the_matrix(rule: Rule) -> None:
    allowed = {name for name, who in WHO.items() if allows(rule, who, "agent1")}
    assert allowed == MATRIX[rule]


def test_an_agent_acts_on_its_own_agent_only() -> None:
    assert allows(Rule.OWN_AGENT, AGENT, "agent1")
    assert not allows(Rule.OWN_AGENT, AGENT, "agent2")
    assert not allows(Rule.OWN_AGENT, AGENT, None)
    assert allows(Rule.OWN_AGENT, SUPERVISOR, "agent2")


def test_the_throttle_stops_an_account_after_five_failures_for_the_window() -> None:
    throttle = LoginThrottle(per_account=5, per_address=20, window=timedelta(minutes=15))
    for i in range(5):
        assert throttle.wait("anna", f"10.0.0.{i}", NOW) == timedelta(0)
        throttle.failed("anna", f"10.0.0.{i}", NOW + timedelta(minutes=i))
    assert throttle.wait("anna", "10.0.0.9", NOW + timedelta(minutes=5)) == timedelta(minutes=10)
    assert throttle.wait("sara", "10.0.0.9", NOW + timedelta(minutes=5)) == timedelta(0)
    assert throttle.wait("anna", "10.0.0.9", NOW + timedelta(minutes=15)) == timedelta(0)


def test_the_throttle_stops_an_address_guessing_many_accounts() -> None:
    throttle = LoginThrottle(per_account=5, per_address=3)
    for name in ("a1", "a2", "a3"):
        throttle.failed(name, "10.0.0.1", NOW)
    assert throttle.wait("a4", "10.0.0.1", NOW) > timedelta(0)
    assert throttle.wait("a4", "10.0.0.2", NOW) == timedelta(0)


def test_a_success_clears_the_account_but_not_the_address() -> None:
    throttle = LoginThrottle(per_account=2, per_address=3)
    throttle.failed("anna", "10.0.0.1", NOW)
    throttle.failed("anna", "10.0.0.1", NOW)
    throttle.succeeded("anna")
    assert throttle.wait("anna", "10.0.0.2", NOW) == timedelta(0)
    throttle.failed("bob", "10.0.0.1", NOW)
    assert throttle.wait("carl", "10.0.0.1", NOW) > timedelta(0)


def test_the_throttle_remembers_a_bounded_number_of_keys() -> None:
    throttle = LoginThrottle(max_keys=100)
    for i in range(10_000):
        throttle.failed(f"user{i}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}", NOW)
    assert throttle.remembered <= 200
