"""Who may do what: the role matrix, in one place.

Every web route names one ``Rule`` (``acd.web.routes``); ``allows`` decides it for the
``Principal`` making the request (a signed-in account, a machine client's API token, or
nobody). Nothing else in the web decides access.

=============  ======  ============  ==========  =====  ==============
rule           nobody  agent         supervisor  admin  token
=============  ======  ============  ==========  =====  ==============
public         yes     yes           yes         yes    yes
signed-in      no      yes           yes         yes    no
own-agent      no      its own only  any agent   no     no
agent          no      yes           no          no     no
phone          no      yes           yes         no     no
supervisor     no      no            yes         no     no
admin          no      no            no          yes    no
audit          no      no            yes         yes    no
metrics        no      no            yes         yes    scope metrics
kiosk          no      no            no          no     no
callbacks      no      no            no          no     scope callbacks
=============  ======  ============  ==========  =====  ==============

``kiosk`` is a district totem's own (its page, its SIP websocket, its queue figures): only a
kiosk's device credential (``acd.access.kiosks``) has it, and a kiosk has nothing else.

``agent`` is what only an agent may have. ``phone`` is one's own softphone in the browser,
with its SIP password (``/phone``, ``/sip``, ``/api/me/softphone``): an agent takes its
calls there, a supervisor listens to agents' calls (it drives agents' states, it does not
take their calls); each reaches only its own softphone's account.

An admin manages accounts and reads the engine's health; it does not read citizens' calls:
a person who does both has two accounts. ``audit`` is the audit trail: a supervisor reads
the supervisors' actions there, an admin every entry, the reads of citizens' personal data
among them (``acd.audit.readable_by``). ``callbacks`` is the city's website asking for
callbacks on citizens' behalf (``/api/v1/callbacks``, ``acd.web.website_callbacks``): a
program's token only, each token seeing the callbacks it asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from acd.access.accounts import Role


class Rule(StrEnum):
    PUBLIC = "public"
    SIGNED_IN = "signed-in"
    OWN_AGENT = "own-agent"
    AGENT = "agent"
    PHONE = "phone"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDIT = "audit"
    METRICS = "metrics"
    KIOSK = "kiosk"
    CALLBACKS = "callbacks"


class Scope(StrEnum):
    """What an API token is for; a token has exactly one."""

    METRICS = "metrics"
    CALLBACKS = "callbacks"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who makes a request. ``csrf`` is set for a browser session (whose state-changing
    requests must carry it) and None for a token (sent by a program, not a browser)."""

    name: str
    role: Role | None = None  # None: an API token
    agent_id: str | None = None
    scope: Scope | None = None
    token_id: str | None = None  # an API token's id: whose callbacks (``Scope.CALLBACKS``)
    csrf: str | None = None
    display_name: str = ""
    kiosk_id: str | None = None  # a district totem (acd.access.kiosks): no role, no scope

    @property
    def is_session(self) -> bool:
        return self.role is not None


_ROLES: dict[Rule, frozenset[Role]] = {
    Rule.SIGNED_IN: frozenset(Role),
    Rule.AGENT: frozenset({Role.AGENT}),
    Rule.PHONE: frozenset({Role.AGENT, Role.SUPERVISOR}),
    Rule.SUPERVISOR: frozenset({Role.SUPERVISOR}),
    Rule.ADMIN: frozenset({Role.ADMIN}),
    Rule.AUDIT: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Rule.METRICS: frozenset({Role.SUPERVISOR, Role.ADMIN}),
    Rule.CALLBACKS: frozenset(),
}
_SCOPES: dict[Rule, Scope] = {Rule.METRICS: Scope.METRICS, Rule.CALLBACKS: Scope.CALLBACKS}


def allows(rule: Rule, who: Principal | None, agent_id: str | None = None) -> bool:
    """Whether ``who`` may use a route of ``rule``; ``agent_id``: the agent it acts on."""
    if rule is Rule.PUBLIC:
        return True
    if who is None:
        return False
    if rule is Rule.KIOSK or who.kiosk_id is not None:
        return rule is Rule.KIOSK and who.kiosk_id is not None and who.role is None
    if who.role is None:
        return who.scope is not None and _SCOPES.get(rule) is who.scope
    if rule is Rule.OWN_AGENT:
        if who.role is Role.AGENT:
            return agent_id is not None and who.agent_id == agent_id
        return who.role is Role.SUPERVISOR
    if rule in (Rule.AGENT, Rule.PHONE) and who.role is Role.AGENT and who.agent_id is None:
        return False  # (an agent account always drives an agent: no phone without one)
    return who.role in _ROLES[rule]
