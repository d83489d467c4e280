"""Agents' logins, states and pause reasons taken back at a start, from the store.

The store keeps every agent state change (``agent_states``); an engine that stopped less
than ``MAX_GAP`` ago finds each agent's last row and puts it back as it was: logged in and
paused with its reason, or ready. An agent whose last row was ringing, on a call or in
wrap-up comes back ready when none of its phones has a channel in Asterisk any more, and
logged in but not ready (paused, reason ``login``) when one is still up: nobody is offered
a call while it may still be talking. The services it chose are not kept: it comes back
working all it holds. Pure: the composition root reads the rows and submits the events.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta

from acd.core import events as e
from agents.states import AgentState

MAX_GAP = timedelta(hours=12)  # an engine away longer starts with everyone logged out
_BUSY = {AgentState.RINGING, AgentState.ON_CALL, AgentState.WRAP_UP}

LastState = tuple[str, str, str, datetime]  # agent, state, reason, at


def restored(
    last: Iterable[LastState],
    stopped_at: datetime | None,
    now: datetime,
    pause_reasons: Collection[str],
    on_phone: Mapping[str, bool],  # by agent: one of its phones has a live channel
) -> list[e.Event]:
    """The events that put the agents back as they were (none after a long gap)."""
    if stopped_at is None or now - stopped_at > MAX_GAP:
        return []
    out: list[e.Event] = []
    for agent_id, state, reason, _at in last:
        if state == AgentState.PAUSED and reason in pause_reasons:
            out.append(e.AgentPaused(agent_id, reason))  # logs it in straight into a pause
        elif state == AgentState.PAUSED or (state in _BUSY and on_phone.get(agent_id)):
            out.append(e.AgentLoggedIn(agent_id))  # paused ("login"): not offered calls
        elif state == AgentState.READY or state in _BUSY:
            out += [e.AgentLoggedIn(agent_id), e.AgentWentReady(agent_id)]
    return out


def on_phone(channels: Iterable[Mapping[str, str]], endpoints: Mapping[str, str]) -> set[str]:
    """The agents (``endpoints``: agent by PJSIP endpoint) with a live channel."""
    found = set()
    for channel in channels:
        name = channel.get("Channel", "")
        if channel.get("Event") == "CoreShowChannel" and name.startswith("PJSIP/"):
            agent = endpoints.get(name[len("PJSIP/") :].rsplit("-", 1)[0])
            if agent is not None:
                found.add(agent)
    return found
